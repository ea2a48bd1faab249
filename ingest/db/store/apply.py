"""Writing a :class:`~ingest.db.store.decide.Plan`: a few set-based statements per table, whatever the batch size.

In the order of the foreign keys: the batch's names (authors, organisations, sources, then sites: one upsert and one
``SELECT .. IN`` each, in sorted order so two writers never wait on each other in a cycle), the new articles (one
multi-row ``INSERT .. ON CONFLICT DO NOTHING .. RETURNING`` per thousand rows), the near duplicates of articles
inserted by the same statement, alias changes in the order they were decided, the updated rows (one executemany per
set of changed columns), the versions, then the band and people rows (straight through the driver).

Multi-row statements matter for the SQLite search index: FTS5, written by the ``articles_fts_ai`` trigger, flushes
its pending terms at the end of every statement, so one statement per row (an executemany) writes a small index
segment per article and merges them over and over; one statement per thousand rows writes one (measured: 40 µs per
article instead of 140, ``docs/storage.md``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ingest.db.models import (
    Article,
    ArticleAuthor,
    ArticleOrganisation,
    ArticleVersion,
    Author,
    FingerprintBand,
    Organisation,
    Site,
    Source,
    UrlAlias,
)
from ingest.db.near import band_rows
from ingest.db.store.decide import Alias, Outcome, Plan, Row
from ingest.db.store.records import Person
from ingest.db.store.snapshot import chunks

_ARTICLES: Table = Article.__table__  # type: ignore[assignment]


def dialect_insert(bind: Session | Connection, model: type[Any] | Table) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` for ``model`` in the dialect of ``bind``, with ``on_conflict_*`` available (SQLite, PostgreSQL)."""
    name = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise ValueError(f"unsupported database dialect {name!r}: use SQLite or PostgreSQL")


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def insert_plain(conn: Connection, model: type[Any], rows: Sequence[Mapping[str, Any]]) -> None:
    """``INSERT .. ON CONFLICT DO NOTHING`` of rows of plain values (integers, short strings: no type needs
    converting) straight through the driver: the many small rows of bands and people skip SQLAlchemy's per-row
    parameter processing. SQLite: one executemany. PostgreSQL: one statement over ``unnest`` of one array per
    column (an executemany would be a round trip per row)."""
    if not rows:
        return
    columns = list(rows[0])
    table = _table(model)
    dialect = conn.dialect
    into = f"INSERT INTO {table.name} ({', '.join(columns)})"
    if dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{table.c[c].type.compile(dialect=dialect)}[]" for c in columns)
        conn.exec_driver_sql(
            f"{into} SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING",
            tuple([r[c] for r in rows] for c in columns),
        )
        return
    marks = ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * len(columns))
    conn.exec_driver_sql(
        f"{into} VALUES ({marks}) ON CONFLICT DO NOTHING", [tuple(r[c] for c in columns) for r in rows]
    )


def name_ids(
    conn: Connection, model: type[Author] | type[Organisation] | type[Source], names: set[str]
) -> dict[str, int]:
    """Ids of ``names`` (inserted when new): one upsert and one ``SELECT .. IN`` for the whole batch."""
    if not names:
        return {}
    ordered = sorted(names)  # the same order in every writer: no lock cycle between two batches' upserts
    conn.execute(dialect_insert(conn, _table(model)).on_conflict_do_nothing(), [{"name": n} for n in ordered])
    ids: dict[str, int] = {}
    for chunk in chunks(ordered):
        ids.update((n, i) for i, n in conn.execute(select(model.id, model.name).where(model.name.in_(chunk))))
    return ids


def author_rows(article_id: int, authors: Iterable[Person], ids: Mapping[str, int]) -> list[dict[str, Any]]:
    """The ``article_authors`` rows of one article: one per person and role, at the person's first position."""
    rows: dict[tuple[int, str], int] = {}
    for position, name, roles in authors:
        for role in roles:
            rows.setdefault((ids[name], role), position)
    return [{"article_id": article_id, "author_id": a, "role": r, "position": p} for (a, r), p in rows.items()]


def _id(row: Row) -> int:
    if row.id is None:  # pragma: no cover - the inserts give every new row its id first
        raise AssertionError("a row written before its id is known")
    return row.id


class _Writer:
    def __init__(self, session: Session, plan: Plan, now: datetime) -> None:
        self.session = session
        self.conn = session.connection()
        self.plan = plan
        self.now = now
        self.outcomes: list[Outcome] = list(plan.outcomes)

    def execute(self, stmt: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:  # Core executemany on the session's connection: no ORM unit of work per row
            self.conn.execute(stmt, list(rows))

    def write(self) -> list[Outcome]:
        plan = self.plan
        people = [*plan.inserts, *(r for r in plan.updates if r.people_dirty)]
        authors = name_ids(self.conn, Author, {n for r in people for _p, n, _r in (r.people or ([], []))[0]})
        orgs = name_ids(self.conn, Organisation, {n for r in people for n in (r.people or ([], []))[1]})
        sourced = [*plan.inserts, *(r for r in plan.updates if "source_id" in r.dirty)]
        sources = name_ids(self.conn, Source, {s for r in sourced if (s := r.source())})
        sites = sorted({r.site for r in plan.inserts if r.site})
        self.execute(dialect_insert(self.conn, _table(Site)).on_conflict_do_nothing(), [{"name": n} for n in sites])
        self.insert_articles(sources)
        self.write_aliases()
        self.update_rows(sources)
        self.execute(
            _table(ArticleVersion).insert(),
            [{"article_id": _id(v.row), **v.values} for v in plan.versions if v.row.id is not None],
        )
        kept = [r for r in plan.inserts if not r.lost]
        changed_bands = [r for r in plan.updates if r.bands_dirty]
        if changed_bands:
            stmt = delete(FingerprintBand).where(FingerprintBand.article_id.in_([_id(r) for r in changed_bands]))
            self.conn.execute(stmt)
        insert_plain(
            self.conn,
            FingerprintBand,
            [b for r in (*kept, *changed_bands) if (fp := r.fp) is not None for b in band_rows(_id(r), fp)],
        )
        changed_people = [r for r in plan.updates if r.people_dirty]
        if changed_people:
            ids = [_id(r) for r in changed_people]
            self.conn.execute(delete(ArticleAuthor).where(ArticleAuthor.article_id.in_(ids)))
            self.conn.execute(delete(ArticleOrganisation).where(ArticleOrganisation.article_id.in_(ids)))
        author_list: list[dict[str, Any]] = []
        org_list: list[dict[str, Any]] = []
        for r in (*kept, *changed_people):
            names, organisations = r.people or ([], [])
            author_list += author_rows(_id(r), names, authors)
            org_list += [{"article_id": r.id, "organisation_id": o} for o in sorted({orgs[n] for n in organisations})]
        insert_plain(self.conn, ArticleAuthor, author_list)
        insert_plain(self.conn, ArticleOrganisation, org_list)
        return self.outcomes

    def insert_articles(self, sources: Mapping[str, int]) -> None:
        inserts = self.plan.inserts
        if not inserts:
            return
        rows = []
        for row in inserts:
            source = row.source()
            root = row.root
            values = dict(row.cols)
            values["source_id"] = sources[source] if source else None
            values["duplicate_of"] = root.id if root is not None and not root.new else None
            rows.append(values)
        stmt = (
            dialect_insert(self.conn, _ARTICLES)
            .on_conflict_do_nothing(index_elements=["canonical_url"])
            .returning(_ARTICLES.c.id, _ARTICLES.c.canonical_url)
        )
        ids = {canon: i for i, canon in self.conn.execute(stmt, rows)}
        missing = [row.canonical_url for row in inserts if row.canonical_url not in ids]
        stored: dict[str, tuple[int, str]] = {}
        for chunk in chunks(missing):  # another writer stored these canonical URLs first (no advisory lock held)
            stmt2 = select(_ARTICLES.c.canonical_url, _ARTICLES.c.id, _ARTICLES.c.content_hash)
            stored.update(
                (c, (i, h)) for c, i, h in self.conn.execute(stmt2.where(_ARTICLES.c.canonical_url.in_(chunk)))
            )
        for row, index in zip(inserts, self.plan.insert_outcomes, strict=True):
            if row.canonical_url in ids:
                row.id = ids[row.canonical_url]
                continue
            row.id, chash = stored[row.canonical_url]
            if chash != row.content_hash:  # theirs stands
                row.lost = True
                self.outcomes[index] = "unchanged"
        late = [
            {"aid": row.id, "dup": row.root.id}
            for row in inserts
            if row.root is not None and row.root.new and not row.lost
        ]
        by_id = _ARTICLES.c.id == bindparam("aid")
        self.execute(update(_ARTICLES).where(by_id).values(duplicate_of=bindparam("dup")), late)

    def write_aliases(self) -> None:
        pending: list[dict[str, Any]] = []
        insert = dialect_insert(self.conn, _table(UrlAlias)).on_conflict_do_nothing()
        for op in self.plan.aliases:
            if isinstance(op, Alias):
                if op.row.id is not None:
                    pending.append(
                        {
                            "url": op.url,
                            "article_id": op.row.id,
                            "site": op.site,
                            "reason": op.reason,
                            "created_at": self.now,
                        }
                    )
                continue
            self.execute(insert, pending)
            pending = []
            self.conn.execute(delete(UrlAlias).where(UrlAlias.url.in_(list(op.urls))))
        self.execute(insert, pending)

    def update_rows(self, sources: Mapping[str, int]) -> None:
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in self.plan.updates:
            if not row.dirty:
                continue
            columns = tuple(sorted(row.dirty))
            values: dict[str, Any] = {"b_id": row.id}
            for column in columns:
                if column == "source_id":
                    source = row.source()
                    values["b_source_id"] = sources[source] if source else None
                else:
                    values[f"b_{column}"] = row.cols[column]
            groups[columns].append(values)
        for columns, rows in groups.items():
            stmt = (
                update(_ARTICLES)
                .where(_ARTICLES.c.id == bindparam("b_id"))
                .values({c: bindparam(f"b_{c}", type_=_ARTICLES.c[c].type) for c in columns})
            )
            self.execute(stmt, rows)
        for row in self.plan.updates:
            # An ORM object of this row in the caller's session would show the old values: reload it on access.
            obj = self.session.identity_map.get(identity_key(Article, row.id))
            if obj is not None:
                self.session.expire(obj)


def apply(session: Session, plan: Plan, *, now: datetime) -> list[Outcome]:
    """Write ``plan`` in the session's transaction; the outcomes, where another writer won a race ``unchanged``."""
    return _Writer(session, plan, now).write()
