"""Reading a batch's :class:`~ingest.db.store.decide.Snapshot`: the stored articles its records can meet, with a
few set-based queries whatever the batch's size.

One ``IN`` query per lookup key (canonical URLs, alias URLs, content hashes, fingerprint band keys; long lists in
chunks), then the rows the near-duplicate candidates and their originals are, then the mergeable fields (source,
authors, organisations) of every row a record may be a copy of. Bodies are read only where a decision is known to
need one (a record that changes a stored article's content) or asked for (``extra``, after ``NeedsRead``). Runs on
the session's connection, in its transaction, after the writer's locks (``ingest.db.store.locks``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from ingest.db.models import Article, ArticleAuthor, ArticleOrganisation, Author, Organisation, Source
from ingest.db.store.decide import Row, Snapshot
from ingest.db.store.records import Record, aware
from ingest.dedup import NEAR_DISTANCE, cached_band_keys, hamming, to_unsigned

# Rows per ``IN (...)`` list: far under SQLite's 32,766 bound parameters, few round trips for a large batch.
IN_CHUNK = 500
KEY_CHUNK = 2_000  # band keys per lookup: 15 per fingerprint

_ARTICLES: Table = Article.__table__  # type: ignore[assignment]
_SOURCES: Table = Source.__table__  # type: ignore[assignment]
# What the decisions may read or version of a stored row (not the body, not the page).
ROW_COLUMNS = (
    "id",
    "canonical_url",
    "url",
    "site",
    "content_hash",
    "fingerprint",
    "duplicate_of",
    "title",
    "lead",
    "published_at",
    "published_raw",
    "published_precision",
    "published_year_inferred",
    "part_of_day",
    "modified_at",
    "modified_raw",
    "byline_raw",
    "category",
    "tags",
    "images",
    "language",
    "fetched_at",
    "last_seen_at",
    "crawl_run_id",
)
_ROW = select(*(_ARTICLES.c[c] for c in ROW_COLUMNS), _SOURCES.c.name.label("source")).outerjoin(
    _SOURCES, _SOURCES.c.id == _ARTICLES.c.source_id
)


# The band index's candidates with what deciding a near duplicate needs of them: the original each stands for
# (``duplicate_of``) and both publication dates (the earliest original is the one kept).
_NEAR_SQL = (
    "SELECT b.band_key, b.fingerprint, b.article_id, a.duplicate_of, a.published_at, r.published_at "
    "FROM fingerprint_bands AS b JOIN articles AS a ON a.id = b.article_id "
    "LEFT JOIN articles AS r ON r.id = a.duplicate_of WHERE b.band_key {}"
)
# The same on PostgreSQL, one index probe per key: with ``band_key = ANY(keys)`` the planner reckons a couple of
# thousand probes cost more than reading the whole band table (and ``articles``) into hash joins, a full scan per
# batch that grows with the database (19 ms a batch at 10,000 articles, measured with EXPLAIN ANALYZE; the probes
# take under 3). ``OFFSET 0`` keeps each LATERAL subquery a subquery, so every key and every match is an index probe.
_NEAR_PG_SQL = (
    "SELECT b.band_key, b.fingerprint, b.article_id, a.duplicate_of, a.published_at, r.published_at "
    "FROM unnest(%s::bigint[]) AS k(key) "
    "CROSS JOIN LATERAL (SELECT band_key, fingerprint, article_id FROM fingerprint_bands "
    "WHERE band_key = k.key OFFSET 0) AS b "
    "CROSS JOIN LATERAL (SELECT duplicate_of, published_at FROM articles WHERE id = b.article_id OFFSET 0) AS a "
    "LEFT JOIN LATERAL (SELECT published_at FROM articles WHERE id = a.duplicate_of OFFSET 0) AS r ON true"
)


def pg_int_array(values: Iterable[int]) -> str:
    """PostgreSQL: integers as one array literal (``'{1,2,3}'``, cast by the statement: ``%s::bigint[]``). A batch
    sends a couple of thousand lock and band keys; psycopg adapts a list of ints element by element in Python
    (2.7 ms for 2,000 keys, measured), the joined string is built in C and sent as one text value (0.9 ms)."""
    return "{" + ",".join(map(str, values)) + "}"


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _view(cols: dict[str, Any], source: str | None) -> dict[str, Any]:
    """A stored row's mergeable fields in ``records.merge_view``'s form (people filled in by ``_read_people``)."""
    return {
        "canonical_url": cols["canonical_url"],
        "site": cols["site"],
        "published": aware(cols["published_at"]),
        "published_precision": cols["published_precision"],
        "published_raw": cols["published_raw"],
        "published_year_inferred": bool(cols["published_year_inferred"]),
        "part_of_day": cols["part_of_day"],
        "modified": aware(cols["modified_at"]),
        "modified_raw": cols["modified_raw"],
        "authors": [],
        "author_roles": {},
        "organizations": [],
        "source": source,
        "byline_raw": cols["byline_raw"],
        "lead": cols["lead"],
        "category": list(cols["category"] or []),
        "tags": list(cols["tags"] or []),
        "images": list(cols["images"] or []),
        "language": cols["language"],
    }


class _Reader:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows: dict[int, Row] = {}
        self._duplicate_of: dict[int, int | None] = {}
        self._source: dict[int, str | None] = {}

    def row(self, found: Any) -> Row:
        """The one :class:`Row` of a stored article (the same object whichever lookup met it), without its view."""
        row = self.rows.get(found.id)
        if row is None:
            cols = {c: found[i] for i, c in enumerate(ROW_COLUMNS)}
            row = Row(found.id, cols)
            self.rows[found.id] = row
            self._duplicate_of[found.id] = cols["duplicate_of"]
            self._source[found.id] = found.source
        return row

    def select(self, where: Any) -> Iterator[Any]:
        return iter(self.conn.execute(_ROW.where(where)))

    def by_ids(self, ids: Collection[int]) -> None:
        for chunk in chunks(sorted(set(ids) - self.rows.keys())):
            for found in self.select(_ARTICLES.c.id.in_(chunk)):
                self.row(found)

    def views(self, ids: Collection[int]) -> None:
        """Give these rows their mergeable fields: columns and source as read, then their people."""
        for art_id in ids:
            row = self.rows[art_id]
            row.view = _view(row.cols, self._source[art_id])
        self.people(ids)

    def near(
        self,
        fps: set[int],
        found: Iterable[tuple[Any, ...]] | None = None,
        probe: dict[int, list[int]] | None = None,
    ) -> set[int]:
        """Ids of the stored articles within ``NEAR_DISTANCE`` bits of any of ``fps``, as rows linked to their
        originals: one statement over the band index, which brings each candidate's original and publication dates
        along (an article that is only a near match needs nothing else: it is never merged into or versioned).
        ``found``: that statement's rows, when the caller already read them, and ``probe``: the :func:`near_keys`
        of ``fps`` it was read with."""
        probe = near_keys(fps) if probe is None else probe
        published = _ARTICLES.c.published_at.type.dialect_impl(self.conn.dialect)
        as_datetime = published.result_processor(self.conn.dialect, None) or (lambda value: value)
        matches: dict[int, tuple[int, int | None, Any, Any]] = {}
        if found is None:
            if self.conn.dialect.name == "postgresql":
                found = self.conn.exec_driver_sql(_NEAR_PG_SQL, (pg_int_array(sorted(probe)),))
            else:
                found = lookup(self.conn, _NEAR_SQL, sorted(probe), KEY_CHUNK)
        for key, art_fp, art_id, root_id, art_published, root_published in found:
            if art_id not in matches and any(hamming(to_unsigned(art_fp), fp) <= NEAR_DISTANCE for fp in probe[key]):
                matches[art_id] = (art_fp, root_id, art_published, root_published)
        for art_id, (art_fp, root_id, art_published, _r) in matches.items():
            if art_id not in self.rows:
                cols = {"id": art_id, "fingerprint": art_fp, "duplicate_of": root_id}
                self.rows[art_id] = Row(art_id, {**cols, "published_at": as_datetime(art_published)})
        for art_id, (_f, root_id, _p, root_published) in matches.items():
            if root_id is not None:
                root = self.rows.get(root_id)
                if root is None:  # an original that is not a match itself: only its date and id are needed
                    cols = {"id": root_id, "fingerprint": None, "duplicate_of": None}
                    root = self.rows[root_id] = Row(root_id, {**cols, "published_at": as_datetime(root_published)})
                self.rows[art_id].root = root
        return set(matches)

    def people(self, ids: Collection[int]) -> None:
        """Fill the authors, roles and organisations of these rows' views (as ``records.merge_view`` forms them)."""
        wanted = sorted(set(ids))
        for chunk in chunks(wanted):
            people = (
                select(ArticleAuthor.article_id, Author.name, ArticleAuthor.role)
                .join(Author, Author.id == ArticleAuthor.author_id)
                .where(ArticleAuthor.article_id.in_(chunk))
                .order_by(ArticleAuthor.article_id, ArticleAuthor.position, Author.name, ArticleAuthor.role)
            )
            for article_id, name, role in self.conn.execute(people):
                view = self.rows[article_id].view
                roles = view["author_roles"]
                if name not in roles:
                    view["authors"].append(name)
                    roles[name] = []
                roles[name] = sorted({*roles[name], role})
            orgs = (
                select(ArticleOrganisation.article_id, Organisation.name)
                .join(Organisation, Organisation.id == ArticleOrganisation.organisation_id)
                .where(ArticleOrganisation.article_id.in_(chunk))
            )
            for article_id, name in self.conn.execute(orgs):
                view = self.rows[article_id].view
                view["organizations"] = sorted({*view["organizations"], name})

    def bodies(self, ids: Iterable[int]) -> None:
        for chunk in chunks(sorted(set(ids))):
            stmt = select(_ARTICLES.c.id, _ARTICLES.c.body).where(_ARTICLES.c.id.in_(chunk))
            for article_id, body in self.conn.execute(stmt):
                self.rows[article_id].cols["body"] = body

    def link_roots(self) -> None:
        """Link the rows read whole to their originals (reading those not read yet)."""
        roots = {root for root in self._duplicate_of.values() if root is not None}
        self.by_ids(roots - self.rows.keys())
        for article_id, root_id in self._duplicate_of.items():
            if root_id is not None:
                self.rows[article_id].root = self.rows[root_id]


def near_keys(fps: Iterable[int]) -> dict[int, list[int]]:
    """Band key -> the fingerprints of ``fps`` that have it (what the band lookup probes)."""
    probe: dict[int, list[int]] = {}
    for fp in fps:
        for key in cached_band_keys(fp):
            probe.setdefault(key, []).append(fp)
    return probe


# PostgreSQL: the three key lookups and the band lookup of a batch in one statement (one round trip instead of
# four; on a busy machine each round trip costs a wait for the server's turn, measured as wall time well above the
# CPU time of both sides). Each part keeps its own plan: index scans on canonical URL and alias URL (unique
# indexes), one probe per content hash and per band key (LATERAL, as ``_NEAR_PG_SQL``: until autovacuum first
# analysed ``articles``, ``content_hash = ANY(..)`` was planned as a full scan, 7 ms a batch at 11,000 articles and
# growing). ``kind``: 0 canonical URL, 1 alias, 2 content hash, 3 band match.
_KEYS_PG_SQL = (
    "SELECT 0, canonical_url, id, NULL::bigint, NULL::bigint, NULL::integer, NULL::timestamp, NULL::timestamp "
    "FROM articles WHERE canonical_url = ANY(%s) "
    "UNION ALL SELECT 1, url, article_id, NULL, NULL, NULL, NULL, NULL FROM url_aliases WHERE url = ANY(%s) "
    "UNION ALL SELECT 2, h.content_hash, h.id, NULL, NULL, NULL, NULL, NULL FROM unnest(%s::varchar[]) AS hk(key) "
    "CROSS JOIN LATERAL (SELECT content_hash, id FROM articles WHERE content_hash = hk.key OFFSET 0) AS h "
    "UNION ALL SELECT 3, NULL, b.article_id, b.band_key, b.fingerprint, a.duplicate_of, a.published_at, "
    "r.published_at " + _NEAR_PG_SQL[_NEAR_PG_SQL.index("FROM unnest") :]
)


def _marks(conn: Connection, n: int) -> str:
    return ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * n)


def lookup(conn: Connection, sql: str, values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` (``SELECT .. WHERE column {}``) for ``values``, straight through the driver: PostgreSQL
    takes the whole list as one array (``= ANY``), SQLite an ``IN`` list per chunk. A batch looks up thousands of
    plain keys (URLs, hashes, band keys), and SQLAlchemy's rendering of long ``IN`` lists cost more than the
    lookups."""
    if not values:
        return
    if conn.dialect.name == "postgresql":
        yield from conn.exec_driver_sql(sql.format("= ANY(%s)"), (list(values),))
        return
    for chunk in chunks(values, size):
        yield from conn.exec_driver_sql(sql.format(f"IN ({_marks(conn, len(chunk))})"), tuple(chunk))


def read_snapshot(session: Session, records: Sequence[Record], *, extra: Collection[int] = ()) -> Snapshot:
    """The stored articles ``records`` can meet (see the module docstring); ``extra``: ids to read whole too."""
    conn = session.connection()
    reader = _Reader(conn)
    snap = Snapshot()
    # The keys first (narrow rows through the driver), then the rows they found, whole, with SQLAlchemy's types.
    canon_keys = sorted({r.canon for r in records})
    urls = sorted({u for r in records for u in (r.canon, r.url)})
    hash_keys = sorted({r.chash for r in records})
    fps = {r.fp for r in records if r.fp is not None}
    band_rows: list[tuple[Any, ...]] | None = None
    probe: dict[int, list[int]] | None = None
    if conn.dialect.name == "postgresql":
        canons, aliases, hashes, band_rows = {}, {}, [], []
        probe = near_keys(fps)
        for kind, key, art_id, *band in conn.exec_driver_sql(
            _KEYS_PG_SQL, (canon_keys, urls, hash_keys, pg_int_array(sorted(probe)))
        ):
            if kind == 0:
                canons[key] = art_id
            elif kind == 1:
                aliases[key] = art_id
            elif kind == 2:
                hashes.append((key, art_id))
            else:
                band_key, fp, root_id, published, root_published = band
                band_rows.append((band_key, fp, art_id, root_id, published, root_published))
    else:
        canons = dict(lookup(conn, "SELECT canonical_url, id FROM articles WHERE canonical_url {}", canon_keys))
        aliases = dict(lookup(conn, "SELECT url, article_id FROM url_aliases WHERE url {}", urls))
        hashes = list(lookup(conn, "SELECT content_hash, id FROM articles WHERE content_hash {}", hash_keys))
    # Everything found so far is a row a record may be a copy of: what a merge compares is read for each.
    candidates = {*canons.values(), *aliases.values(), *(i for _h, i in hashes), *extra}
    reader.by_ids(candidates)
    reader.link_roots()
    near = reader.near(fps, band_rows, probe)
    rows = reader.rows
    snap.by_canon = {canon: rows[i] for canon, i in canons.items()}
    snap.aliases = {url: rows[i] for url, i in aliases.items()}
    for chash, i in sorted(hashes, key=lambda found: found[1]):
        snap.by_hash.setdefault(chash, []).append(rows[i])
    for art_id in near:
        snap.index_bands(rows[art_id])
    reader.views(candidates & rows.keys())
    # A record that changes a stored article's content keeps the old content as a version, body included.
    changing = {
        row.id for r in records if (row := snap.by_canon.get(r.canon)) is not None and row.content_hash != r.chash
    }
    reader.bodies({i for i in changing | set(extra) if i is not None})
    return snap
