"""Writing articles: the three dedup layers decided inside one transaction per batch, with dialect upserts.

For each record, in order (earlier records of the same batch are visible to later ones):

1. **Canonical URL** (unique): a known article whose content hash is unchanged is only marked as seen again
   (``last_seen_at``); changed content is updated in place and the old content kept in ``article_versions``.
2. **Exact content hash**: the same text under another URL (another site, a legacy domain) is not stored again;
   its URL becomes an alias of the stored article.
3. **Near duplicate**: a SimHash within ``ingest.dedup.NEAR_DISTANCE`` bits of a stored one (found through the
   ``fingerprint_bands`` index) is stored with ``duplicate_of`` = the earliest original.

Inserts are ``INSERT .. ON CONFLICT`` statements (SQLite and PostgreSQL), so parallel workers writing the same
article never fail on a unique constraint. ``write_batch`` runs in the caller's session and transaction;
``store_batch`` owns one transaction per batch and writes it again when it deadlocks with another worker.

Parallel workers on PostgreSQL: a lookup cannot see a twin that another worker wrote in its still-open transaction,
so before any lookup the writer takes transaction-scoped advisory locks on every key its records will look up or
insert (canonical and fetched URL, content hash, each SimHash band), all at once and in sorted order (no deadlock
between two lock sets). Two records that could be duplicates of each other share at least one key, so the second
writer waits for the first to commit, and under READ COMMITTED its lookups then see the first one's rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine, bindparam, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ingest.db.engine import session_scope
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
from ingest.db.near import band_rows, delete_bands, find_near_duplicate
from ingest.dedup import band_keys, content_hash, fingerprint, to_signed, to_unsigned
from ingest.normalize import normalize_text, search_key

logger = logging.getLogger(__name__)

Outcome = Literal["stored", "updated", "unchanged", "duplicate_exact", "duplicate_near"]
OUTCOMES: tuple[Outcome, ...] = ("stored", "updated", "unchanged", "duplicate_exact", "duplicate_near")

# Role given to a named author when the byline said nothing about what they did.
DEFAULT_ROLE = "author"
# Longest URL and name the schema holds (String columns); longer values are not stored rather than failing a batch.
URL_MAX = 2000
NAME_MAX = 300


def dialect_insert(session: Session, model: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` for ``model`` in the session's dialect, with ``on_conflict_*`` available (SQLite, PostgreSQL)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise ValueError(f"unsupported database dialect {name!r}: use SQLite or PostgreSQL")


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _s(value: Any, limit: int | None = None) -> str | None:
    """Text for a column: NUL characters removed (PostgreSQL refuses them); None if it cannot fit ``limit``."""
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "")
    return None if limit is not None and len(value) > limit else value


def _strs(value: Any, limit: int | None = None) -> list[str]:
    if not isinstance(value, (list, tuple)):
        return []
    out = (_s(v, limit) for v in value)
    return [v for v in out if v and v.strip()]


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str).replace("\\u0000", ""))


def compress_html(html: Any) -> bytes | None:
    """zlib-compressed page bytes (str is UTF-8 encoded), None when there is nothing to keep."""
    if isinstance(html, str):
        html = html.encode("utf-8")
    return zlib.compress(html, 6) if isinstance(html, bytes) and html else None


def decompress_html(blob: bytes | None) -> bytes | None:
    """The page bytes stored by :func:`compress_html`."""
    return zlib.decompress(blob) if blob else None


def search_text(title: str | None, lead: str | None, body: str | None) -> str:
    """The folded search key stored in ``articles.search_text`` (what FTS5 / the PostgreSQL index cover)."""
    return search_key("\n\n".join(p for p in (title, lead, body) if p))


def _add_alias(session: Session, url: str, article_id: int, site: str | None, reason: str, now: datetime) -> None:
    if len(url) > URL_MAX:  # an over-long tracking URL: the canonical one identifies the article anyway
        return
    stmt = dialect_insert(session, UrlAlias).values(url=url, article_id=article_id, site=site, reason=reason)
    session.execute(stmt.values(created_at=now).on_conflict_do_nothing(index_elements=["url"]))


def _named_id(session: Session, model: type[Author] | type[Organisation] | type[Source], name: str) -> int:
    session.execute(dialect_insert(session, model).values(name=name).on_conflict_do_nothing(index_elements=["name"]))
    return session.execute(select(model.id).where(model.name == name)).scalar_one()


def _source_id(session: Session, name: Any) -> int | None:
    clean = _s(name, NAME_MAX)
    return _named_id(session, Source, clean) if clean and clean.strip() else None


def _write_people(session: Session, article_id: int, rec: Mapping[str, Any]) -> None:
    session.execute(delete(ArticleAuthor).where(ArticleAuthor.article_id == article_id))
    session.execute(delete(ArticleOrganisation).where(ArticleOrganisation.article_id == article_id))
    given = rec.get("author_roles")
    roles: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    rows: dict[tuple[int, str], int] = {}
    for position, name in enumerate(dict.fromkeys(_strs(rec.get("authors"), NAME_MAX))):
        # One row per person however the page placed the tone marks ("Thuỷ" and "Thủy" are one author).
        author_id = _named_id(session, Author, normalize_text(name))
        for role in _strs(roles.get(name), 30) or [DEFAULT_ROLE]:
            rows.setdefault((author_id, role), position)
    if rows:
        session.execute(
            dialect_insert(session, ArticleAuthor).on_conflict_do_nothing(),
            [{"article_id": article_id, "author_id": a, "role": r, "position": p} for (a, r), p in rows.items()],
        )
    org_ids = {_named_id(session, Organisation, name) for name in _strs(rec.get("organizations"), NAME_MAX)}
    if org_ids:
        session.execute(
            dialect_insert(session, ArticleOrganisation).on_conflict_do_nothing(),
            [{"article_id": article_id, "organisation_id": o} for o in sorted(org_ids)],
        )


def _write_bands(session: Session, article_id: int, fp: int | None) -> None:
    delete_bands(session, [article_id])
    if fp is not None:
        session.execute(dialect_insert(session, FingerprintBand).on_conflict_do_nothing(), band_rows(article_id, fp))


def _content(rec: Mapping[str, Any]) -> dict[str, Any]:
    title, lead, body = _s(rec.get("title")), _s(rec.get("lead")), _s(rec.get("body"))
    status = rec.get("http_status")
    return {
        "title": title,
        "lead": lead,
        "body": body,
        "language": _s(rec.get("language"), 20),
        "published_at": _aware(rec.get("published")),
        "published_raw": _s(rec.get("published_raw")),
        "published_precision": _s(rec.get("published_precision"), 10),
        "part_of_day": _s(rec.get("part_of_day"), 10),
        "modified_at": _aware(rec.get("modified")),
        "modified_raw": _s(rec.get("modified_raw")),
        "byline_raw": _s(rec.get("byline_raw")),
        "category": _strs(rec.get("category")),
        "tags": _strs(rec.get("tags")),
        "images": _json_safe([i for i in rec.get("images") or [] if isinstance(i, Mapping)]),
        "search_text": search_text(title, lead, body),
        "fetched_at": _aware(rec.get("fetched_at")),
        "http_status": status if isinstance(status, int) and 0 <= status < 1000 else None,
        "html_encoding": _s(rec.get("encoding"), 40),
        "html_zlib": compress_html(rec.get("html")),
    }


def _hashes(rec: Mapping[str, Any]) -> tuple[str, int | None]:
    """The record's content hash and unsigned fingerprint (the dedup stage's when it set them, else computed)."""
    title, body = rec.get("title"), rec.get("body")
    chash: str = rec.get("content_hash") or content_hash(title, body)
    fp_raw = rec.get("fingerprint") if rec.get("content_hash") else fingerprint(title, body)
    return chash, to_unsigned(fp_raw) if isinstance(fp_raw, int) else None


def _lock_key(*parts: object) -> int:
    """A signed 64-bit advisory lock key for one dedup key (prefixed, so it cannot meet the migration lock's)."""
    digest = hashlib.blake2b(repr(("ingest.store", *parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _record_lock_keys(rec: Mapping[str, Any], chash: str, fp: int | None) -> set[int]:
    url = rec.get("url")
    keys = {_lock_key("url", u) for u in (rec.get("canonical_url") or url, url) if isinstance(u, str)}
    keys.add(_lock_key("hash", chash))
    if fp is not None:
        keys.update(_lock_key("band", key) for key in band_keys(fp))
    return keys


def dedup_lock_keys(records: Iterable[Mapping[str, Any]]) -> list[int]:
    """Sorted advisory lock keys for everything ``records`` look up or insert: URLs, content hash, SimHash bands.

    Two records that the store could find to be copies of each other (same canonical or fetched URL, same content
    hash, or fingerprints within ``NEAR_DISTANCE`` bits, which always share a band) share at least one key.
    """
    keys: set[int] = set()
    for rec in records:
        keys |= _record_lock_keys(rec, *_hashes(rec))
    return sorted(keys)


# One round trip: the array is sorted in Python and unnest yields it in order, so every writer takes its locks in
# the same global order (two writers never wait on each other's advisory locks in a cycle).
_LOCK_KEYS = text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(:keys) AS k").bindparams(
    bindparam("keys", type_=ARRAY(BIGINT))
)


# pysqlite opens its transaction only at the first write, so a batch's first lookups would run before it and miss
# a twin another writer (`ingest crawl --jobs`) holds uncommitted. A no-op write as the first statement takes
# SQLite's write lock up front (waiting out the busy timeout), so every lookup after it sees committed rows only.
_SQLITE_WRITE_LOCK = text("UPDATE sites SET name = name WHERE 0")


def _lock(session: Session, keys: Iterable[int]) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(_SQLITE_WRITE_LOCK)
        return
    if dialect != "postgresql":
        return
    ordered = sorted(set(keys))
    if ordered:
        session.execute(_LOCK_KEYS, {"keys": ordered})


def lock_dedup_keys(session: Session, records: Iterable[Mapping[str, Any]]) -> None:
    """On PostgreSQL, wait for and hold (until the transaction ends) the advisory locks of ``records``.

    Call it before the transaction's first lookup: the writer then waits until every other worker holding one of
    these keys (it may have a twin of one of the records uncommitted) has committed or rolled back.
    """
    _lock(session, dedup_lock_keys(records))


def write_article(session: Session, rec: Mapping[str, Any], *, run_id: int | None, now: datetime) -> Outcome:
    """Store one record (``ingest.items.ArticleItem`` field names) through the three dedup layers.

    Takes the record's advisory locks first (PostgreSQL); ``write_batch`` takes those of a whole batch at once.
    """
    hashes = _hashes(rec)
    _lock(session, _record_lock_keys(rec, *hashes))
    return _write_article(session, rec, hashes, run_id=run_id, now=now)


def _url_rank(url: str) -> tuple[bool, int, str]:
    """Order of preference among URLs of one article: without a query, then shortest, then alphabetical."""
    return ("?" in url, len(url), url)


def _write_article(
    session: Session, rec: Mapping[str, Any], hashes: tuple[str, int | None], *, run_id: int | None, now: datetime
) -> Outcome:
    url: str = rec["url"]
    canon: str = rec.get("canonical_url") or url
    if len(canon) > URL_MAX:
        raise ValueError(f"canonical URL longer than {URL_MAX} characters: {canon[:100]}...")
    site = _s(rec.get("site"), 100)
    chash, fp = hashes
    seen = _aware(rec.get("fetched_at")) or now
    keys = [canon] if canon == url else [canon, url]

    article = session.scalars(select(Article).where(Article.canonical_url == canon)).one_or_none()
    if article is None:
        alias = session.scalars(select(UrlAlias).where(UrlAlias.url.in_(keys)).limit(1)).one_or_none()
        if alias is not None:  # an URL already known as an alias (e.g. an exact duplicate seen before)
            known = session.get(Article, alias.article_id)
            if known is not None:
                known.last_seen_at = max(known.last_seen_at, seen)
            return "unchanged"
    if article is not None:
        if url != canon:
            _add_alias(session, url, article.id, site, "fetched_url", now)
        if _url_rank(url) < _url_rank(article.url):
            # The same article under a cleaner URL (no tracking query, shorter): keep that one as its URL, so
            # the stored row does not depend on which variant the crawl happened to fetch first.
            article.url = url
        article.last_seen_at = max(article.last_seen_at, seen)
        if article.content_hash == chash:
            return "unchanged"
        session.add(
            ArticleVersion(
                article_id=article.id,
                title=article.title,
                lead=article.lead,
                body=article.body,
                published_at=article.published_at,
                modified_at=article.modified_at,
                content_hash=article.content_hash,
                fetched_at=article.fetched_at,
                replaced_at=now,
                crawl_run_id=article.crawl_run_id,
            )
        )
        for key, value in _content(rec).items():
            setattr(article, key, value)
        article.content_hash = chash
        article.fingerprint = to_signed(fp) if fp is not None else None
        article.crawl_run_id = run_id
        article.source_id = _source_id(session, rec.get("source"))
        session.flush()
        _write_bands(session, article.id, fp)
        _write_people(session, article.id, rec)
        return "updated"

    original = session.scalars(
        select(Article).where(Article.content_hash == chash).order_by(Article.id).limit(1)
    ).one_or_none()
    if original is not None:
        for key in keys:
            _add_alias(session, key, original.id, site, "duplicate_exact", now)
        original.last_seen_at = max(original.last_seen_at, seen)
        return "duplicate_exact"

    duplicate_of = find_near_duplicate(session, fp) if fp is not None else None
    if site:
        session.execute(dialect_insert(session, Site).values(name=site).on_conflict_do_nothing(index_elements=["name"]))
    values = {
        **_content(rec),
        "url": url,
        "canonical_url": canon,
        "site": site,
        "content_hash": chash,
        "fingerprint": to_signed(fp) if fp is not None else None,
        "duplicate_of": duplicate_of,
        "first_seen_at": seen,
        "last_seen_at": seen,
        "crawl_run_id": run_id,
        "source_id": _source_id(session, rec.get("source")),
    }
    stmt = dialect_insert(session, Article).values(**values)
    article_id = session.execute(
        stmt.on_conflict_do_nothing(index_elements=["canonical_url"]).returning(Article.id)
    ).scalar()
    if article_id is None:  # another worker stored this canonical URL between our lookup and our insert
        return "unchanged"
    if url != canon:
        _add_alias(session, url, article_id, site, "fetched_url", now)
    _write_bands(session, article_id, fp)
    _write_people(session, article_id, rec)
    return "duplicate_near" if duplicate_of is not None else "stored"


def write_batch(
    session: Session, records: Sequence[Mapping[str, Any]], *, run_id: int | None = None, now: datetime | None = None
) -> list[Outcome]:
    """Store ``records`` in order inside the caller's transaction; one outcome per record.

    On PostgreSQL the whole batch's advisory locks (see ``lock_dedup_keys``) are taken first, in one statement.
    """
    stamp = now or datetime.now(UTC)
    hashes = [_hashes(rec) for rec in records]
    _lock(session, (key for rec, h in zip(records, hashes, strict=True) for key in _record_lock_keys(rec, *h)))
    outcomes: list[Outcome] = []
    for rec, h in zip(records, hashes, strict=True):
        outcomes.append(_write_article(session, rec, h, run_id=run_id, now=stamp))
        session.flush()
    return outcomes


def count_outcomes(outcomes: Iterable[Outcome]) -> dict[Outcome, int]:
    """How many records ended each way."""
    counts: dict[Outcome, int] = dict.fromkeys(OUTCOMES, 0)
    for outcome in outcomes:
        counts[outcome] += 1
    return counts


# SQLSTATEs of PostgreSQL errors that only mean "try again": deadlock between workers, serialization failure.
_RETRY_SQLSTATES = frozenset({"40P01", "40001"})


def is_transient(exc: BaseException) -> bool:
    """Whether a database error means another writer got in the way (retrying the transaction may succeed)."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _RETRY_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(orig)


def store_batch(
    engine: Engine, records: Sequence[Mapping[str, Any]], *, run_id: int | None = None, attempts: int = 3
) -> list[Outcome]:
    """``write_batch`` in its own transaction, retried when parallel workers deadlock on the same articles.

    Two workers inserting overlapping URLs in different orders can wait on each other's unique-index entries;
    PostgreSQL then aborts one of them, and the whole batch is simply written again.
    """
    for attempt in range(1, attempts + 1):
        try:
            with session_scope(engine) as session:
                return write_batch(session, records, run_id=run_id)
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            logger.warning("batch of %d articles: %s; retrying (%d/%d)", len(records), exc.orig, attempt, attempts)
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
