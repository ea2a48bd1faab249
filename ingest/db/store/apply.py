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
from ingest.db.store.decide import Alias, Outcome, Plan, Row
from ingest.db.store.records import Person
from ingest.db.store.snapshot import chunks, lookup
from ingest.dedup import cached_band_keys, to_signed

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


def insert_plain(
    conn: Connection, model: type[Any], columns: Sequence[str], rows: Sequence[tuple[Any, ...]], *, fresh: bool = False
) -> None:
    """``INSERT`` of ``rows`` (tuples of ``columns``) of plain values (integers, short strings: no type needs
    converting) straight through the driver: the many small rows of bands and people skip SQLAlchemy's per-row
    parameter processing. ``fresh``: the rows belong to articles this transaction wrote or cleared, so none can
    already be there; otherwise a row already there is left alone (``ON CONFLICT DO NOTHING``).

    SQLite: one executemany. PostgreSQL: ``COPY`` for fresh rows (half the cost of an ``INSERT``: 15 band rows an
    article), else one ``INSERT .. SELECT`` over ``unnest`` of one array per column (an executemany would be a
    round trip per row)."""
    if not rows:
        return
    table = _table(model)
    dialect = conn.dialect
    into = f"{table.name} ({', '.join(columns)})"
    if dialect.name == "postgresql":
        if fresh:
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY {into} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        arrays = ", ".join(f"%s::{table.c[c].type.compile(dialect=dialect)}[]" for c in columns)
        conn.exec_driver_sql(
            f"INSERT INTO {into} SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING",
            tuple(list(col) for col in zip(*rows, strict=True)),
        )
        return
    marks = ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * len(columns))
    conflict = "" if fresh else " ON CONFLICT DO NOTHING"
    conn.exec_driver_sql(f"INSERT INTO {into} VALUES ({marks}){conflict}", list(rows))


BAND_COLUMNS = ("article_id", "band_key", "fingerprint")
AUTHOR_COLUMNS = ("article_id", "author_id", "role", "position")
ORG_COLUMNS = ("article_id", "organisation_id")


def band_tuples(article_id: int, fp: int) -> list[tuple[int, int, int]]:
    """The ``fingerprint_bands`` rows (``BAND_COLUMNS``) of article ``article_id`` with unsigned fingerprint ``fp``
    (``ingest.db.near.band_rows`` as tuples)."""
    signed = to_signed(fp)
    return [(article_id, key, signed) for key in cached_band_keys(fp)]


def _pg_upsert_names(cte: str, table: str, lead: str = "") -> tuple[str, str]:
    """PostgreSQL: the two parts of a statement that gives the ids of the names in an array parameter, inserting
    the new ones in the given (sorted) order. The ``WITH`` entry ``cte`` inserts (one array parameter), and the
    ``SELECT`` (one more, the same array) reads ``lead`` (e.g. ``"0, "``), id and name of the new rows and of those
    already there. The latter by one probe of the unique name index per name (LATERAL, ``OFFSET 0`` keeps it a
    subquery): ``name = ANY(..)`` was planned as a full scan of the table until autovacuum first analysed it, a cost
    that grew with every batch (1.4 ms for 200 names among 9,400 authors)."""
    insert = (
        f"{cte} AS (INSERT INTO {table} (name) SELECT unnest(%s::varchar[]) ORDER BY 1 "
        f"ON CONFLICT DO NOTHING RETURNING id, name)"
    )
    read = (
        f"SELECT {lead}id, name FROM {cte} UNION ALL SELECT {lead}t.id, t.name "
        f"FROM unnest(%s::varchar[]) AS given(name) "
        f"CROSS JOIN LATERAL (SELECT id, name FROM {table} WHERE name = given.name OFFSET 0) AS t"
    )
    return insert, read


def _pg_add_late_names(conn: Connection, table: str, names: Sequence[str], ids: dict[str, int]) -> None:
    """Add to ``ids`` those of ``names`` an upsert statement did not see: committed by another writer while the
    insert waited for it, after the statement's snapshot."""
    late = [n for n in names if n not in ids]
    if late:
        sql = f"SELECT name, id FROM {table} WHERE name = ANY(%s::varchar[])"
        ids.update(conn.exec_driver_sql(sql, (late,)).all())


def name_ids(
    conn: Connection, model: type[Author] | type[Organisation] | type[Source], names: set[str]
) -> dict[str, int]:
    """Ids of ``names``, inserted when new, in sorted order (the same order in every writer: no lock cycle between
    two batches' upserts). PostgreSQL: one statement (the upsert's new rows beside the ones already there);
    SQLite: an upsert and a ``SELECT .. IN``."""
    if not names:
        return {}
    ordered = sorted(names)
    table = _table(model)
    ids: dict[str, int]
    if conn.dialect.name == "postgresql":
        insert, read = _pg_upsert_names("new", table.name)
        ids = {n: i for i, n in conn.exec_driver_sql(f"WITH {insert} {read}", (ordered, ordered))}
        _pg_add_late_names(conn, table.name, ordered, ids)
        return ids
    conn.execute(dialect_insert(conn, table).on_conflict_do_nothing(), [{"name": n} for n in ordered])
    ids = {}
    for chunk in chunks(ordered):
        ids.update((n, i) for i, n in conn.execute(select(model.id, model.name).where(model.name.in_(chunk))))
    return ids


_NAMED = (Author, Organisation, Source)


def pg_names_and_ids(
    conn: Connection, authors: set[str], orgs: set[str], sources: set[str], sites: Sequence[str], n_ids: int
) -> tuple[dict[str, int], dict[str, int], dict[str, int], list[int]]:
    """PostgreSQL, one statement (one round trip instead of up to five): ids of the author, organisation and
    source names (inserted when new, as :func:`name_ids`), the sites inserted when new, and ``n_ids`` article ids
    from the column's sequence (as ``_Writer.next_ids``). The names go in sorted order, the tables always in this
    order, so two writers never wait on each other in a cycle."""
    given = [sorted(authors), sorted(orgs), sorted(sources)]
    parts: list[str] = []
    selects: list[str] = []
    params: list[Any] = []
    for kind, (model, names) in enumerate(zip(_NAMED, given, strict=True)):
        insert, read = _pg_upsert_names(f"n{kind}", _table(model).name, lead=f"{kind}, ")
        parts.append(insert)
        params.append(names)
        selects.append(read)
    parts.append(
        f"s AS (INSERT INTO {_table(Site).name} (name) SELECT unnest(%s::varchar[]) ORDER BY 1 ON CONFLICT DO NOTHING)"
    )
    params.append(list(sites))
    params += given
    selects.append(
        "SELECT 3, nextval(pg_get_serial_sequence('articles', 'id')), NULL FROM generate_series(1, %s::integer)"
    )
    params.append(n_ids)
    sql = f"WITH {', '.join(parts)} {' UNION ALL '.join(selects)}"
    found: list[dict[str, int]] = [{}, {}, {}]
    ids: list[int] = []
    for kind, value, name in conn.exec_driver_sql(sql, tuple(params)):
        if kind == 3:
            ids.append(int(value))
        else:
            found[kind][name] = value
    for kind, (model, names) in enumerate(zip(_NAMED, given, strict=True)):
        _pg_add_late_names(conn, _table(model).name, names, found[kind])
    # nextval is called in series order within the statement; sorted, the ids are in the order they were given.
    return found[0], found[1], found[2], sorted(ids)


def author_rows(article_id: int, authors: Iterable[Person], ids: Mapping[str, int]) -> list[tuple[int, int, str, int]]:
    """The ``article_authors`` rows (``AUTHOR_COLUMNS``) of one article: one per person and role, at the person's
    first position."""
    rows: dict[tuple[int, str], int] = {}
    for position, name, roles in authors:
        for role in roles:
            rows.setdefault((ids[name], role), position)
    return [(article_id, a, r, p) for (a, r), p in rows.items()]


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
        self.ours: list[Row] = []  # the new articles this transaction wrote (not another writer's twin)

    def execute(self, stmt: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:  # Core executemany on the session's connection: no ORM unit of work per row
            self.conn.execute(stmt, list(rows))

    def write(self) -> list[Outcome]:
        plan = self.plan
        people = [*plan.inserts, *(r for r in plan.updates if r.people_dirty)]
        author_names = {n for r in people for _p, n, _r in (r.people or ([], []))[0]}
        org_names = {n for r in people for n in (r.people or ([], []))[1]}
        sourced = [*plan.inserts, *(r for r in plan.updates if "source_id" in r.dirty)]
        source_names = {s for r in sourced if (s := r.source())}
        sites = sorted({r.site for r in plan.inserts if r.site})
        ids: list[int] | None = None
        if self.conn.dialect.name == "postgresql" and (author_names or org_names or source_names or plan.inserts):
            authors, orgs, sources, ids = pg_names_and_ids(
                self.conn, author_names, org_names, source_names, sites, len(plan.inserts)
            )
        else:
            authors = name_ids(self.conn, Author, author_names)
            orgs = name_ids(self.conn, Organisation, org_names)
            sources = name_ids(self.conn, Source, source_names)
            insert_sites = dialect_insert(self.conn, _table(Site)).on_conflict_do_nothing()
            self.execute(insert_sites, [{"name": n} for n in sites])
        self.insert_articles(sources, ids)
        self.write_aliases()
        self.update_rows(sources)
        self.execute(
            _table(ArticleVersion).insert(),
            [{"article_id": _id(v.row), **v.values} for v in plan.versions if v.row.id is not None],
        )
        # Bands and people of the rows this transaction wrote or cleared: none can be there already.
        kept = self.ours
        changed_bands = [r for r in plan.updates if r.bands_dirty]
        if changed_bands:
            stmt = delete(FingerprintBand).where(FingerprintBand.article_id.in_([_id(r) for r in changed_bands]))
            self.conn.execute(stmt)
        bands = [b for r in (*kept, *changed_bands) if (fp := r.fp) is not None for b in band_tuples(_id(r), fp)]
        insert_plain(self.conn, FingerprintBand, BAND_COLUMNS, bands, fresh=True)
        changed_people = [r for r in plan.updates if r.people_dirty]
        if changed_people:
            ids = [_id(r) for r in changed_people]
            self.conn.execute(delete(ArticleAuthor).where(ArticleAuthor.article_id.in_(ids)))
            self.conn.execute(delete(ArticleOrganisation).where(ArticleOrganisation.article_id.in_(ids)))
        author_list: list[tuple[int, int, str, int]] = []
        org_list: list[tuple[int, int]] = []
        for r in (*kept, *changed_people):
            names, organisations = r.people or ([], [])
            author_list += author_rows(_id(r), names, authors)
            org_list += [(_id(r), o) for o in sorted({orgs[n] for n in organisations})]
        insert_plain(self.conn, ArticleAuthor, AUTHOR_COLUMNS, author_list, fresh=True)
        insert_plain(self.conn, ArticleOrganisation, ORG_COLUMNS, org_list, fresh=True)
        return self.outcomes

    def next_ids(self, n: int) -> list[int]:
        """The ids the next ``n`` articles get, in order: what the database would give them one by one (SQLite:
        after the largest, under the batch's write lock; PostgreSQL: the column's sequence)."""
        if self.conn.dialect.name == "postgresql":
            sql = "SELECT nextval(pg_get_serial_sequence('articles', 'id')) FROM generate_series(1, %s)"
            return [int(i) for (i,) in self.conn.exec_driver_sql(sql, (n,))]
        top = int(self.conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM articles").scalar_one())
        return list(range(top + 1, top + n + 1))

    def insert_articles(self, sources: Mapping[str, int], ids: Sequence[int] | None = None) -> None:
        """Insert the new articles with ids given in advance, so a near duplicate of an article of the same batch
        names its original in the same statement (no second write of the row). ``self.ours``: the rows this
        statement wrote; a canonical URL another writer stored first keeps that writer's row, and with other
        content the record is ``unchanged``."""
        inserts = self.plan.inserts
        if not inserts:
            return
        rows = []
        for row, article_id in zip(inserts, ids if ids is not None else self.next_ids(len(inserts)), strict=True):
            row.id = article_id
        for row in inserts:
            source = row.source()
            values = row.cols  # the row's last use: its columns are the insert's parameters
            values["id"] = row.id
            values["source_id"] = sources[source] if source else None
            values["duplicate_of"] = row.root.id if row.root is not None else None
            rows.append(values)
        insert = dialect_insert(self.conn, _ARTICLES).on_conflict_do_nothing(index_elements=["canonical_url"])
        if self.conn.dialect.name == "postgresql":
            # An executemany (psycopg pipelines it) costs a quarter less than one multi-row INSERT .. RETURNING
            # here (measured). psycopg reports the total of its row counts, which leaves out the rows ON CONFLICT
            # skipped: every row went in when it equals the batch's (no statement to count them; a driver that
            # reported none, -1, would only send the batch down the slower path below).
            written = self.conn.execute(insert, rows).rowcount
            mine = {row.canonical_url for row in inserts} if written == len(rows) else set()
        else:
            # One multi-row statement (SQLAlchemy's insertmanyvalues), not one per row: see the module docstring.
            mine = set(self.conn.execute(insert.returning(_ARTICLES.c.canonical_url), rows).scalars())
        if len(mine) == len(inserts):
            self.ours = list(inserts)
            return
        # Another writer stored some of these canonical URLs first (one that does not take the store's locks):
        # theirs stand. (A near duplicate of one of them named an id that was not written: the foreign key fails
        # the statement, and the batch is written again, see ``write.is_transient``.)
        sql = "SELECT canonical_url, id, content_hash FROM articles WHERE canonical_url {}"
        found = {c: (i, h) for c, i, h in lookup(self.conn, sql, [row.canonical_url for row in inserts])}
        for row, index in zip(inserts, self.plan.insert_outcomes, strict=True):
            article_id, chash = found[row.canonical_url]
            if article_id == row.id:
                self.ours.append(row)
                continue
            row.id = article_id
            if chash != row.content_hash:
                row.lost = True
                self.outcomes[index] = "unchanged"

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
