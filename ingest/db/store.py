"""Writing articles: the three dedup layers decided inside one transaction per batch, with dialect upserts.

For each record, in order (earlier records of the same batch are visible to later ones):

1. **Canonical URL** (unique): a known article whose content hash is unchanged is only marked as seen again
   (``last_seen_at``); changed content is updated in place and the old content kept in ``article_versions``.
2. **Exact content hash**: the same text under another URL (another site, a legacy domain) is not stored again;
   its URL becomes an alias of the stored article.
3. **Near duplicate**: a fingerprint (``ingest.dedup``) within ``ingest.dedup.NEAR_DISTANCE`` bits of a stored one
   (found through the ``fingerprint_bands`` index) is stored with ``duplicate_of`` = the earliest original.

**Merging copies by quality.** When a record is the same article as a stored one (same canonical URL and content
hash, an URL already known as its alias with the same hash, or an exact duplicate under another URL), the stored row
takes from it whatever it holds better, by the fixed rules of ``ingest.normalize.choice.merge_copy`` (a date with
minutes over a day, an exact year over an inferred one, authors over none, a lead over none, ...), so the row is
the same whichever copy came first; the row as it was before is kept in ``article_versions`` with reason
``"merged"`` (its URL and raw strings: with the row, both copies' raw strings stay known). Crawl facts stay those
of the first fetch (``fetched_at``, ``first_seen_at``, the raw HTML). ``apply_listed_dates`` does the same for a
date discovery gave beside an URL after its article was stored (``ingest.items.ListedDate``), with the rule that
combines an item's own date with its listed one. Both paths decide merges with the same functions: ``write_batch``
sends a record that would change a stored row through ``write_article``'s path, like a content change.

Inserts are ``INSERT .. ON CONFLICT`` statements (SQLite and PostgreSQL), so parallel workers writing the same
article never fail on a unique constraint. ``write_article`` decides one record with its own lookups (the
reference path; ``ingest reprocess`` uses it). ``write_batch`` takes the same decisions for a whole batch
set-based: one read of the stored articles the batch can meet (canonical URLs ``IN``, aliases ``IN``, content hashes
``IN``, band keys ``IN``), the decisions in memory in record order (an article inserted by an earlier record is a
candidate for the later ones, with ids ordered as the insert will give them), then one Core executemany per table
(names upserted once per batch, then articles, aliases, bands, people). A record that changes a stored article's
content is rare: the batch writes what it decided so far, that record goes through ``write_article``, and the rest
of the batch is read again. ``write_batch`` runs in the caller's session and transaction; ``store_batch`` owns one
transaction per batch and writes it again when it deadlocks with another worker; ``store_many`` is the bulk load
(large batches on one connection).

Parallel workers on PostgreSQL: a lookup cannot see a twin that another worker wrote in its still-open transaction,
so before any lookup the writer takes transaction-scoped advisory locks on every key its records will look up or
insert (canonical and fetched URL, content hash, each fingerprint band key), all at once and in sorted order (no
deadlock between two lock sets). Two records that could be duplicates of each other share at least one key, so the
second writer waits for the first to commit, and under READ COMMITTED its lookups then see the first one's rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import Connection, Engine, Table, bindparam, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ingest.db.engine import session_scope
from ingest.db.models import (
    DEFAULT_ROLE,
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
from ingest.dedup import NEAR_DISTANCE, band_keys, content_hash, fingerprint, hamming, to_signed, to_unsigned
from ingest.normalize import normalize_text, search_key, url_rank
from ingest.normalize.choice import combine_published, date_fields, listed_reading, merge_copy, reading_from_fields

logger = logging.getLogger(__name__)

Outcome = Literal["stored", "updated", "unchanged", "duplicate_exact", "duplicate_near"]
OUTCOMES: tuple[Outcome, ...] = ("stored", "updated", "unchanged", "duplicate_exact", "duplicate_near")

# Longest URL and name the schema holds (String columns); longer values are not stored rather than failing a batch.
URL_MAX = 2000
NAME_MAX = 300


def dialect_insert(session: Session, model: type[Any] | Table) -> postgresql.Insert | sqlite.Insert:
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
    if not value:  # nothing to clean (most pages list no images): skip the JSON round trip
        return value
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
    authors, orgs = _people(rec)
    ids = {name: _named_id(session, Author, name) for _p, name, _r in authors}
    rows = _author_rows(article_id, authors, ids)
    if rows:
        session.execute(dialect_insert(session, ArticleAuthor).on_conflict_do_nothing(), rows)
    org_ids = {_named_id(session, Organisation, name) for name in orgs}
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
        "published_year_inferred": bool(rec.get("published_year_inferred")),
        "part_of_day": _s(rec.get("part_of_day"), 10),
        "modified_at": _aware(rec.get("modified")),
        "modified_raw": _s(rec.get("modified_raw")),
        "byline_raw": _s(rec.get("byline_raw")),
        "category": _strs(rec.get("category")),
        "tags": _strs(rec.get("tags")),
        "images": _json_safe([i for i in rec.get("images") or [] if isinstance(i, Mapping)]),
        # The normalize stage's key when it computed one (``pipelines.normalize``), else the same computed here.
        "search_text": given if isinstance(given := rec.get("search_text"), str) else search_text(title, lead, body),
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
        keys.update(_lock_key("band", key) for key in _band_keys(fp))
    return keys


def dedup_lock_keys(records: Iterable[Mapping[str, Any]]) -> list[int]:
    """Sorted advisory lock keys for everything ``records`` look up or insert: URLs, content hash, band keys.

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


# --- merging copies ---------------------------------------------------------------------------------------------
# Item field -> column, for the fields ``merge_copy`` may change that are plain columns.
_MERGED_COLUMNS: dict[str, str] = {
    "published": "published_at",
    "published_precision": "published_precision",
    "published_raw": "published_raw",
    "published_year_inferred": "published_year_inferred",
    "part_of_day": "part_of_day",
    "modified": "modified_at",
    "modified_raw": "modified_raw",
    "lead": "lead",
    "category": "category",
    "tags": "tags",
    "images": "images",
    "language": "language",
}
_BYLINE_GROUP = ("authors", "author_roles", "organizations", "source", "byline_raw")
_VIEW_COLUMNS = (
    Article.id,
    Article.published_at,
    Article.published_precision,
    Article.published_raw,
    Article.published_year_inferred,
    Article.part_of_day,
    Article.modified_at,
    Article.modified_raw,
    Article.byline_raw,
    Article.lead,
    Article.category,
    Article.tags,
    Article.images,
    Article.language,
    Article.canonical_url,
    Article.site,
    Source.name.label("source"),
)


def _merge_view(rec: Mapping[str, Any]) -> dict[str, Any]:
    """A record's mergeable fields (item names) in the form the database stores them, so a stored row and an
    incoming copy compare like with like (``_row_views`` reads the same form back)."""
    authors, orgs = _people(rec)
    names = list(dict.fromkeys(name for _p, name, _r in authors))
    roles: dict[str, set[str]] = {}
    for _p, name, rs in authors:
        roles.setdefault(name, set()).update(rs)
    source = _s(rec.get("source"), NAME_MAX)
    canon, _url, site = _identity(rec)
    return {
        "canonical_url": canon,  # identity (not merged by merge_copy; see _takes_identity)
        "site": site,
        "published": _aware(rec.get("published")),
        "published_precision": _s(rec.get("published_precision"), 10),
        "published_raw": _s(rec.get("published_raw")),
        "published_year_inferred": bool(rec.get("published_year_inferred")),
        "part_of_day": _s(rec.get("part_of_day"), 10),
        "modified": _aware(rec.get("modified")),
        "modified_raw": _s(rec.get("modified_raw")),
        "authors": names,
        "author_roles": {name: sorted(rs) for name, rs in roles.items()},
        "organizations": sorted(set(orgs)),
        "source": source if source and source.strip() else None,
        "byline_raw": _s(rec.get("byline_raw")),
        "lead": _s(rec.get("lead")),
        "category": _strs(rec.get("category")),
        "tags": _strs(rec.get("tags")),
        "images": _json_safe([i for i in rec.get("images") or [] if isinstance(i, Mapping)]),
        "language": _s(rec.get("language"), 20),
    }


def _row_views(session: Session, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The mergeable fields of stored articles, by id, in ``_merge_view``'s form (three queries per chunk)."""
    views: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(ids))):
        stmt = select(*_VIEW_COLUMNS).outerjoin(Source, Source.id == Article.source_id).where(Article.id.in_(chunk))
        for row in session.execute(stmt):
            views[row.id] = {
                "canonical_url": row.canonical_url,
                "site": row.site,
                "published": _aware(row.published_at),
                "published_precision": row.published_precision,
                "published_raw": row.published_raw,
                "published_year_inferred": bool(row.published_year_inferred),
                "part_of_day": row.part_of_day,
                "modified": _aware(row.modified_at),
                "modified_raw": row.modified_raw,
                "authors": [],
                "author_roles": {},
                "organizations": [],
                "source": row.source,
                "byline_raw": row.byline_raw,
                "lead": row.lead,
                "category": list(row.category or []),
                "tags": list(row.tags or []),
                "images": list(row.images or []),
                "language": row.language,
            }
        people = (
            select(ArticleAuthor.article_id, Author.name, ArticleAuthor.role, ArticleAuthor.position)
            .join(Author, Author.id == ArticleAuthor.author_id)
            .where(ArticleAuthor.article_id.in_(chunk))
            .order_by(ArticleAuthor.article_id, ArticleAuthor.position, Author.name, ArticleAuthor.role)
        )
        for article_id, name, role, _position in session.execute(people):
            view = views.get(article_id)
            if view is None:
                continue
            if name not in view["author_roles"]:
                view["authors"].append(name)
                view["author_roles"][name] = []
            view["author_roles"][name] = sorted({*view["author_roles"][name], role})
        orgs = (
            select(ArticleOrganisation.article_id, Organisation.name)
            .join(Organisation, Organisation.id == ArticleOrganisation.organisation_id)
            .where(ArticleOrganisation.article_id.in_(chunk))
        )
        for article_id, name in session.execute(orgs):
            if article_id in views:
                views[article_id]["organizations"] = sorted({*views[article_id]["organizations"], name})
    return views


def _version(article: Article, reason: str, now: datetime, *, body: bool) -> ArticleVersion:
    """The row as it is now, for ``article_versions``: the whole content, or (``body=False``, a merge, where the
    content hash says the text is the same) only the title and lead beside the raw strings."""
    return ArticleVersion(
        article_id=article.id,
        title=article.title,
        lead=article.lead,
        body=article.body if body else None,
        published_at=article.published_at,
        modified_at=article.modified_at,
        content_hash=article.content_hash,
        url=article.url,
        published_raw=article.published_raw,
        byline_raw=article.byline_raw,
        reason=reason,
        fetched_at=article.fetched_at,
        replaced_at=now,
        crawl_run_id=article.crawl_run_id,
    )


def _apply_changes(
    session: Session, article: Article, changes: Mapping[str, Any], incoming: Mapping[str, Any], rec: Mapping[str, Any]
) -> None:
    """Write ``merge_copy``'s changes (item names) into the stored ``article``; ``incoming`` is the copy's view."""
    for name, column in _MERGED_COLUMNS.items():
        if name in changes:
            setattr(article, column, changes[name])
    if "published_year_inferred" in changes:
        article.published_year_inferred = bool(changes["published_year_inferred"])
    if any(name in changes for name in _BYLINE_GROUP):
        # The byline group moves as a whole: names, roles, organisations and source read from one byline.
        article.byline_raw = incoming["byline_raw"]
        article.source_id = _source_id(session, incoming["source"])
        session.flush()
        _write_people(session, article.id, rec)
    if "lead" in changes:
        article.search_text = search_text(article.title, article.lead, article.body)


def _identity(rec: Mapping[str, Any]) -> tuple[str, str, str | None]:
    url: str = rec["url"]
    return rec.get("canonical_url") or url, url, _s(rec.get("site"), 100)


def _takes_identity(article: Article, canon: str, site: str | None) -> bool:
    """Whether a copy under canonical URL ``canon`` becomes the article's identity: a copy of the same site whose
    canonical URL ranks before the stored one (``url_rank``: no query, shorter, then alphabetical). A copy on
    another site (a republished story) never takes it: the article stays with the site that stored it first."""
    return site == article.site and canon != article.canonical_url and url_rank(canon) < url_rank(article.canonical_url)


def _switch_identity(session: Session, article: Article, rec: Mapping[str, Any], now: datetime) -> None:
    """Make the copy's canonical URL the article's, the old one an alias (the same row: id, links, versions)."""
    canon, url, site = _identity(rec)
    old = dict.fromkeys((article.canonical_url, article.url))
    session.execute(delete(UrlAlias).where(UrlAlias.url.in_(list(dict.fromkeys((canon, url))))))
    article.canonical_url, article.url = canon, url
    session.flush()
    for key in old:
        _add_alias(session, key, article.id, site, "duplicate_exact", now)
    if url != canon:
        _add_alias(session, url, article.id, site, "fetched_url", now)


def _merge_into(
    session: Session, article: Article, rec: Mapping[str, Any], *, now: datetime, counts: Counter[str] | None
) -> bool:
    """Merge the copy ``rec`` into the stored ``article`` (see the module docstring); whether the row changed."""
    session.flush()
    stored = _row_views(session, [article.id]).get(article.id)
    if stored is None:
        return False
    incoming = _merge_view(rec)
    changes = merge_copy(stored, incoming)
    canon, _url, site = _identity(rec)
    identity = _takes_identity(article, canon, site)
    if not changes and not identity:
        return False
    session.add(_version(article, "merged", now, body=False))
    if identity:
        _switch_identity(session, article, rec, now)
    _apply_changes(session, article, changes, incoming, rec)
    session.flush()
    if counts is not None:
        counts["merged"] += 1
    return True


def _prefer_url(article: Article, url: str) -> None:
    if url_rank(url) < url_rank(article.url):
        # The same article under a cleaner URL (no tracking query, shorter): keep that one as its URL, so the
        # stored row does not depend on which variant the crawl happened to fetch first.
        article.url = url


def write_article(
    session: Session,
    rec: Mapping[str, Any],
    *,
    run_id: int | None,
    now: datetime,
    merge: bool = True,
    counts: Counter[str] | None = None,
) -> Outcome:
    """Store one record (``ingest.items.ArticleItem`` field names) through the three dedup layers.

    Takes the record's advisory locks first (PostgreSQL); ``write_batch`` takes those of a whole batch at once.
    A copy of a stored article is merged into it (``merge=False``: not, for ``ingest reprocess``, which rewrites
    the row itself); ``counts["merged"]`` counts the rows a merge changed.
    """
    hashes = _hashes(rec)
    _lock(session, _record_lock_keys(rec, *hashes))
    return _write_article(session, rec, hashes, run_id=run_id, now=now, merge=merge, counts=counts)


def _write_article(
    session: Session,
    rec: Mapping[str, Any],
    hashes: tuple[str, int | None],
    *,
    run_id: int | None,
    now: datetime,
    merge: bool = True,
    counts: Counter[str] | None = None,
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
                if merge and known.content_hash == chash:
                    _merge_into(session, known, rec, now=now, counts=counts)
            return "unchanged"
    if article is not None:
        if url != canon:
            _add_alias(session, url, article.id, site, "fetched_url", now)
        article.last_seen_at = max(article.last_seen_at, seen)
        if article.content_hash == chash:
            if merge:
                _merge_into(session, article, rec, now=now, counts=counts)
            _prefer_url(article, url)
            return "unchanged"
        session.add(_version(article, "content_changed", now, body=True))
        _prefer_url(article, url)
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
        if merge:
            _merge_into(session, original, rec, now=now, counts=counts)
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


# A record's band keys are needed for its locks, the batch's lookup and its in-memory index: computed once.
_band_keys = lru_cache(maxsize=16_384)(band_keys)
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
# Rows per ``IN (...)`` list: far under SQLite's 32,766 bound parameters, few round trips for a large batch.
_IN_CHUNK = 500
_KEY_CHUNK = 2_000  # band keys per lookup: 15 per fingerprint


def _chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


@dataclass(eq=False)
class _Known:
    """An article a batch refers to: a stored row, or one the batch inserts (``row`` set, ``id`` after the insert)."""

    id: int | None
    url: str
    content_hash: str
    last_seen: datetime
    published: datetime | None
    order: int = -1  # position among the batch's inserts (their ids follow it); -1 for rows stored before
    row: dict[str, Any] | None = None
    dirty: bool = False  # a stored row whose url / last_seen_at changed
    lost: bool = False  # another writer stored the canonical URL first (the insert did nothing)
    view: dict[str, Any] | None = None  # its mergeable fields (``_merge_view`` form), once read

    def seen(self, when: datetime) -> None:
        if when > self.last_seen:
            self.last_seen = when
            self._set("last_seen_at", when)

    def set_url(self, url: str) -> None:
        self.url = url
        self._set("url", url)

    def _set(self, column: str, value: Any) -> None:
        if self.row is not None:  # not inserted yet: the insert writes it
            self.row[column] = value
        else:
            self.dirty = True

    def earliest_key(self) -> tuple[datetime, int, int]:
        """Earliest publication date first, else the first stored (stored rows before the batch's, in id order)."""
        if self.row is None:
            return (self.published or _FAR_FUTURE, 0, self.id or 0)
        return (self.published or _FAR_FUTURE, 1, self.order)


@dataclass
class _Prepared:
    rec: Mapping[str, Any]
    url: str
    canon: str
    site: str | None
    chash: str
    fp: int | None
    seen: datetime


_KNOWN_COLUMNS = (Article.id, Article.url, Article.content_hash, Article.last_seen_at, Article.published_at)


class _BatchState:
    """What a batch's decisions need from the database, read with a few set-based queries, then kept up to date in
    memory as each record is decided (so earlier records of the batch are visible to later ones)."""

    def __init__(self, session: Session, prepared: Sequence[_Prepared]) -> None:
        self.session = session
        self.by_id: dict[int, _Known] = {}
        self.by_canon: dict[str, _Known] = {}
        self.alias: dict[str, _Known] = {}
        self.by_hash: dict[str, _Known] = {}
        self.bands: dict[int, list[tuple[int, _Known, _Known]]] = {}  # band key -> (fingerprint, article, its root)
        self._load(session, prepared)

    def _known(self, row: Any) -> _Known:
        known = self.by_id.get(row.id)
        if known is None:
            known = _Known(row.id, row.url, row.content_hash, row.last_seen_at, row.published_at)
            self.by_id[row.id] = known
        return known

    def _load(self, session: Session, prepared: Sequence[_Prepared]) -> None:
        canons = sorted({p.canon for p in prepared})
        urls = sorted({u for p in prepared for u in (p.canon, p.url)})
        hashes = sorted({p.chash for p in prepared})
        for chunk in _chunks(canons):
            by_canon = select(*_KNOWN_COLUMNS, Article.canonical_url).where(Article.canonical_url.in_(chunk))
            for canon_row in session.execute(by_canon):
                self.by_canon[canon_row.canonical_url] = self._known(canon_row)
        for chunk in _chunks(urls):
            stmt = select(*_KNOWN_COLUMNS, UrlAlias.url.label("alias")).join(
                UrlAlias, UrlAlias.article_id == Article.id
            )
            for alias_row in session.execute(stmt.where(UrlAlias.url.in_(chunk))):
                self.alias[alias_row.alias] = self._known(alias_row)
        for chunk in _chunks(hashes):
            for row in session.execute(select(*_KNOWN_COLUMNS).where(Article.content_hash.in_(chunk))):
                current = self.by_hash.get(row.content_hash)
                if current is None or row.id < (current.id or 0):  # the first stored copy (lowest id)
                    self.by_hash[row.content_hash] = self._known(row)
        self._load_near(session, {p.fp for p in prepared if p.fp is not None})
        # What a copy could be merged into: read the mergeable fields of those rows at once.
        targets = {k.id for k in (*self.by_canon.values(), *self.alias.values(), *self.by_hash.values()) if k.id}
        for article_id, view in _row_views(session, targets).items():
            self.by_id[article_id].view = view

    def view_of(self, known: _Known) -> dict[str, Any] | None:
        """The mergeable fields of ``known`` (read now if the batch's first read did not)."""
        if known.view is None and known.id is not None:
            known.view = _row_views(self.session, [known.id]).get(known.id)
        return known.view

    def merge_target(self, p: _Prepared) -> _Known | None:
        """The article ``_decide`` would find ``p`` to be a copy of (same content), or None."""
        known = self.by_canon.get(p.canon)
        if known is not None:
            return known if known.content_hash == p.chash else None
        target = self.alias.get(p.canon) or self.alias.get(p.url)
        if target is not None:
            return target if target.content_hash == p.chash else None
        return self.by_hash.get(p.chash)

    def _load_near(self, session: Session, fps: set[int]) -> None:
        """The stored articles within ``NEAR_DISTANCE`` bits of any of ``fps``, with their originals, indexed."""
        probe: dict[int, list[int]] = {}
        for fp in fps:
            for key in _band_keys(fp):
                probe.setdefault(key, []).append(fp)
        near: dict[int, int] = {}  # stored article id -> its unsigned fingerprint
        for chunk in _chunks(sorted(probe), _KEY_CHUNK):
            bands = select(FingerprintBand.article_id, FingerprintBand.band_key, FingerprintBand.fingerprint)
            for art_id, key, art_fp in session.execute(bands.where(FingerprintBand.band_key.in_(chunk))):
                unsigned = to_unsigned(art_fp)
                if any(hamming(unsigned, fp) <= NEAR_DISTANCE for fp in probe[key]):
                    near[art_id] = unsigned
        roots: dict[int, int] = {}
        for chunk in _chunks(sorted(near)):
            stmt = select(*_KNOWN_COLUMNS, Article.duplicate_of).where(Article.id.in_(chunk))
            for row in session.execute(stmt):
                self._known(row)
                roots[row.id] = row.duplicate_of or row.id
        for chunk in _chunks(sorted(set(roots.values()) - self.by_id.keys())):
            for root in session.execute(select(*_KNOWN_COLUMNS).where(Article.id.in_(chunk))):
                self._known(root)
        for art_id, root_id in roots.items():
            self.index(near[art_id], self.by_id[art_id], self.by_id[root_id])

    def index(self, fp: int, known: _Known, root: _Known) -> None:
        for key in _band_keys(fp):
            self.bands.setdefault(key, []).append((fp, known, root))

    def near_root(self, fp: int) -> _Known | None:
        """The earliest original of the stored or batch articles within ``NEAR_DISTANCE`` bits of ``fp``."""
        roots = {
            id(root): root
            for key in _band_keys(fp)
            for other, _known, root in self.bands.get(key, ())
            if hamming(other, fp) <= NEAR_DISTANCE
        }
        return min(roots.values(), key=_Known.earliest_key) if roots else None

    def add_alias(
        self, url: str, known: _Known, site: str | None, reason: str, rows: list[tuple[str, _Known, str | None, str]]
    ) -> None:
        if len(url) > URL_MAX or url in self.alias:  # over-long: not stored; known: ON CONFLICT DO NOTHING
            return
        self.alias[url] = known
        rows.append((url, known, site, reason))


class _BatchWriter:
    """The rows a batch's decisions produce, written with one executemany per table when ``flush`` is called."""

    def __init__(self, session: Session, *, run_id: int | None, now: datetime) -> None:
        self.session = session
        self.run_id = run_id
        self.now = now
        self.inserts: list[tuple[int, _Prepared, _Known, _Known | None]] = []  # outcome index, record, row, root
        self.aliases: list[tuple[str, _Known, str | None, str]] = []  # url, article, site, reason

    def insert(self, index: int, p: _Prepared, root: _Known | None) -> _Known:
        """A new article for record ``p`` (outcome ``index``), a near duplicate of ``root`` when given."""
        row = {
            **_content(p.rec),
            "url": p.url,
            "canonical_url": p.canon,
            "site": p.site,
            "content_hash": p.chash,
            "fingerprint": to_signed(p.fp) if p.fp is not None else None,
            "duplicate_of": None,
            "first_seen_at": p.seen,
            "last_seen_at": p.seen,
            "crawl_run_id": self.run_id,
            "source_id": None,
        }
        known = _Known(None, p.url, p.chash, p.seen, row["published_at"], order=len(self.inserts), row=row)
        known.view = _merge_view(p.rec)
        self.inserts.append((index, p, known, root))
        return known

    def _execute(self, stmt: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:  # Core executemany on the session's connection: no ORM unit of work per row
            self.session.connection().execute(stmt, list(rows))

    def _insert(self, model: type[Any]) -> Any:
        return dialect_insert(self.session, model.__table__).on_conflict_do_nothing()

    def _insert_plain(self, model: type[Any], rows: Sequence[Mapping[str, Any]]) -> None:
        """``INSERT .. ON CONFLICT DO NOTHING`` of rows of plain values (integers, short strings: no type needs
        converting) straight through the driver: the many small rows of bands and people skip SQLAlchemy's per-row
        parameter processing. SQLite: one executemany. PostgreSQL: one statement over ``unnest`` of one array
        per column (an executemany would be a round trip per row)."""
        if not rows:
            return
        columns = list(rows[0])
        table = cast(Table, model.__table__)
        dialect = self.session.get_bind().dialect
        into = f"INSERT INTO {table.name} ({', '.join(columns)})"
        conn = self.session.connection()
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

    def _name_ids(self, model: type[Author] | type[Organisation] | type[Source], names: set[str]) -> dict[str, int]:
        """Ids of ``names`` (inserted when new): one upsert and one ``SELECT .. IN`` for the whole batch."""
        if not names:
            return {}
        ordered = sorted(names)  # the same order in every writer: no lock cycle between two batches' upserts
        self._execute(self._insert(model), [{"name": n} for n in ordered])
        ids: dict[str, int] = {}
        for chunk in _chunks(ordered):
            ids.update(
                (n, i) for i, n in self.session.execute(select(model.id, model.name).where(model.name.in_(chunk)))
            )
        return ids

    def flush(self, state: _BatchState, outcomes: list[Outcome]) -> None:
        """Write everything decided so far (the order of the tables follows their foreign keys)."""
        inserts, self.inserts = self.inserts, []
        aliases, self.aliases = self.aliases, []
        people = [(known, _people(p.rec)) for _i, p, known, _root in inserts]
        author_ids = self._name_ids(Author, {name for _k, (authors, _o) in people for _p, name, _r in authors})
        org_ids = self._name_ids(Organisation, {name for _k, (_a, orgs) in people for name in orgs})
        sources = [_s(p.rec.get("source"), NAME_MAX) for _i, p, _k, _r in inserts]
        source_ids = self._name_ids(Source, {n for n in sources if n and n.strip()})
        self._execute(
            self._insert(Site), [{"name": n} for n in sorted({p.site for _i, p, _k, _r in inserts if p.site})]
        )

        rows = []
        late: list[tuple[_Known, _Known]] = []  # near duplicates of an article inserted by the same statement
        for (_i, _p, known, root), source in zip(inserts, sources, strict=True):
            row = known.row
            assert row is not None
            row["source_id"] = source_ids.get(source) if source else None
            if root is not None and root.row is not None:
                late.append((known, root))
            row["duplicate_of"] = root.id if root is not None and root.row is None else None
            rows.append(row)
        articles = cast(Table, Article.__table__)
        self._execute(
            dialect_insert(self.session, articles).on_conflict_do_nothing(index_elements=["canonical_url"]), rows
        )
        stored: dict[str, tuple[int, str]] = {}
        for chunk in _chunks([p.canon for _i, p, _k, _r in inserts]):
            stmt = select(Article.canonical_url, Article.id, Article.content_hash).where(
                Article.canonical_url.in_(chunk)
            )
            stored.update((c, (i, h)) for c, i, h in self.session.execute(stmt))
        for index, p, known, _root in inserts:
            known.id, chash = stored[p.canon]
            known.row = None  # a stored row from now on
            if chash != p.chash:  # another writer stored this canonical URL first: theirs stands
                known.lost = True
                outcomes[index] = "unchanged"
        by_id = articles.c.id == bindparam("aid")
        self._execute(
            update(articles).where(by_id).values(duplicate_of=bindparam("dup")),
            [{"aid": k.id, "dup": r.id} for k, r in late if not k.lost],
        )
        self._execute(
            self._insert(UrlAlias),
            [
                {"url": u, "article_id": k.id, "site": site, "reason": reason, "created_at": self.now}
                for u, k, site, reason in aliases
            ],
        )
        dirty = [k for k in state.by_id.values() if k.dirty]
        self._execute(
            update(articles).where(by_id).values(url=bindparam("u"), last_seen_at=bindparam("seen")),
            [{"aid": k.id, "u": k.url, "seen": k.last_seen} for k in dirty],
        )
        for k in dirty:
            k.dirty = False
            # An ORM object of this row in the caller's session would show the old values: reload it on access.
            obj = self.session.identity_map.get(identity_key(Article, k.id))
            if obj is not None:
                self.session.expire(obj)
        kept = [(p, k) for _i, p, k, _r in inserts if not k.lost]
        self._insert_plain(FingerprintBand, [r for p, k in kept if p.fp is not None for r in band_rows(_id(k), p.fp)])
        author_rows, org_rows = [], []
        for (_p, known), (authors, orgs) in zip(kept, (x for k, x in people if not k.lost), strict=True):
            author_rows += _author_rows(_id(known), authors, author_ids)
            org_rows += [{"article_id": known.id, "organisation_id": o} for o in sorted({org_ids[n] for n in orgs})]
        self._insert_plain(ArticleAuthor, author_rows)
        self._insert_plain(ArticleOrganisation, org_rows)


def _id(known: _Known) -> int:
    if known.id is None:  # pragma: no cover - flush assigns every inserted row its id first
        raise AssertionError("article written before its id is known")
    return known.id


# The same bylines come back article after article: each name is normalised once.
_person = lru_cache(maxsize=16_384)(normalize_text)


def _people(rec: Mapping[str, Any]) -> tuple[list[tuple[int, str, list[str]]], list[str]]:
    """``(position, author name, roles)`` in printed order (names normalised) and the organisation names."""
    given = rec.get("author_roles")
    roles: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    authors = [
        # One row per person however the page placed the tone marks ("Thuỷ" and "Thủy" are one author).
        (position, _person(name), _strs(roles.get(name), 30) or [DEFAULT_ROLE])
        for position, name in enumerate(dict.fromkeys(_strs(rec.get("authors"), NAME_MAX)))
    ]
    return authors, _strs(rec.get("organizations"), NAME_MAX)


def _author_rows(
    article_id: int, authors: Iterable[tuple[int, str, list[str]]], ids: Mapping[str, int]
) -> list[dict[str, Any]]:
    rows: dict[tuple[int, str], int] = {}
    for position, name, roles in authors:
        for role in roles:
            rows.setdefault((ids[name], role), position)
    return [{"article_id": article_id, "author_id": a, "role": r, "position": p} for (a, r), p in rows.items()]


def write_batch(
    session: Session,
    records: Sequence[Mapping[str, Any]],
    *,
    run_id: int | None = None,
    now: datetime | None = None,
    counts: Counter[str] | None = None,
) -> list[Outcome]:
    """Store ``records`` in order inside the caller's transaction; one outcome per record.

    The same decisions as ``write_article`` on each record in turn, taken set-based: the whole batch's advisory
    locks first (PostgreSQL, one statement, see ``lock_dedup_keys``), then one read of the stored articles it can
    meet (canonical URLs, aliases, content hashes, fingerprint band candidates), the decisions in memory (an earlier
    record of the batch is seen by later ones as if stored), and one executemany per table at the end. A record that
    changes a stored article's content (rare) is written by ``write_article``'s own path after the decisions before
    it, and the read is done again for the records after it; so is a copy whose merge would change the article it
    is a copy of (``ingest.normalize.choice.merge_copy`` on both rows' mergeable fields), so both paths merge alike.
    """
    stamp = now or datetime.now(UTC)
    hashes = [_hashes(rec) for rec in records]
    _lock(session, (key for rec, h in zip(records, hashes, strict=True) for key in _record_lock_keys(rec, *h)))
    prepared = [_prepare(rec, h, stamp) for rec, h in zip(records, hashes, strict=True)]
    session.flush()  # the caller's own pending changes, so the reads below see them
    writer = _BatchWriter(session, run_id=run_id, now=stamp)
    state = _BatchState(session, prepared)
    outcomes: list[Outcome] = []
    for index, p in enumerate(prepared):
        known = state.by_canon.get(p.canon)
        target = state.merge_target(p)
        changes_content = known is not None and known.content_hash != p.chash
        if changes_content or (target is not None and _would_merge(target, state.view_of(target), p)):
            writer.flush(state, outcomes)
            pair = (p.chash, p.fp)
            outcomes.append(_write_article(session, p.rec, pair, run_id=run_id, now=stamp, counts=counts))
            session.flush()
            state = _BatchState(session, prepared[index + 1 :])
            continue
        outcomes.append(_decide(state, writer, index, p))
    writer.flush(state, outcomes)
    return outcomes


def _would_merge(known: _Known, stored: Mapping[str, Any] | None, p: _Prepared) -> bool:
    """Whether ``_merge_into`` would change ``known`` for the copy ``p`` (decided on the batch's first read)."""
    if stored is None:
        return False
    canon = stored["canonical_url"]
    if p.canon != canon and p.site == stored["site"] and url_rank(p.canon) < url_rank(canon):
        return True
    return bool(merge_copy(stored, _merge_view(p.rec)))


def _prepare(rec: Mapping[str, Any], hashes: tuple[str, int | None], now: datetime) -> _Prepared:
    url: str = rec["url"]
    canon: str = rec.get("canonical_url") or url
    if len(canon) > URL_MAX:
        raise ValueError(f"canonical URL longer than {URL_MAX} characters: {canon[:100]}...")
    seen = _aware(rec.get("fetched_at")) or now
    return _Prepared(rec, url, canon, _s(rec.get("site"), 100), hashes[0], hashes[1], seen)


def _decide(state: _BatchState, writer: _BatchWriter, index: int, p: _Prepared) -> Outcome:
    """``_write_article``'s decision for a record whose canonical URL is new or whose content is unchanged."""
    known = state.by_canon.get(p.canon)
    if known is not None:
        if p.url != p.canon:
            state.add_alias(p.url, known, p.site, "fetched_url", writer.aliases)
        if url_rank(p.url) < url_rank(known.url):
            # The same article under a cleaner URL (no tracking query, shorter): see ``_write_article``.
            known.set_url(p.url)
        known.seen(p.seen)
        return "unchanged"
    target = state.alias.get(p.canon) or state.alias.get(p.url)
    if target is not None:  # an URL already known as an alias (e.g. an exact duplicate seen before)
        target.seen(p.seen)
        return "unchanged"
    original = state.by_hash.get(p.chash)
    if original is not None:
        for key in dict.fromkeys((p.canon, p.url)):
            state.add_alias(key, original, p.site, "duplicate_exact", writer.aliases)
        original.seen(p.seen)
        return "duplicate_exact"
    root = state.near_root(p.fp) if p.fp is not None else None
    known = writer.insert(index, p, root)
    state.by_canon[p.canon] = known
    state.by_hash.setdefault(p.chash, known)
    if p.url != p.canon:
        state.add_alias(p.url, known, p.site, "fetched_url", writer.aliases)
    if p.fp is not None:
        state.index(p.fp, known, root or known)
    return "duplicate_near" if root is not None else "stored"


ListedOutcome = Literal["applied", "unchanged", "missing"]
_DATE_COLUMNS = (
    Article.id,
    Article.published_at,
    Article.published_precision,
    Article.published_raw,
    Article.published_year_inferred,
    Article.part_of_day,
    Article.url,
    Article.canonical_url,
)


def _note_keys(note: Mapping[str, Any]) -> list[str]:
    keys = (note.get("canonical_url"), note.get("url"))
    return list(dict.fromkeys(k for k in keys if isinstance(k, str) and k and len(k) <= URL_MAX))


def apply_listed_dates(
    session: Session,
    notes: Sequence[Mapping[str, Any]],
    *,
    now: datetime | None = None,
    counts: Counter[str] | None = None,
) -> list[ListedOutcome]:
    """Combine what discovery said about URLs after their articles' items had gone (``ingest.items.ListedDate``:
    ``url``, ``canonical_url``, ``listed_published`` or None) with the articles stored under those URLs; one
    outcome per note, in order.

    The stored date plays the page's own date in ``ingest.normalize.choice.combine_published`` (it is the page's,
    or a listed one that agreed with it), so the row ends as it would have had the date come with the page; a note
    URL under the article's own canonical URL that ranks before its stored URL (``url_rank``: the feed's tracking
    link met again without its query) becomes its URL, as if that copy had been fetched. Outcomes: ``"applied"``
    (the row changed; the row before is kept in ``article_versions`` as ``"merged"``), ``"unchanged"`` or
    ``"missing"`` (no article is stored under the URL, as canonical URL or alias, yet). Takes the URLs' advisory
    locks first (PostgreSQL), like ``write_article``.
    """
    stamp = now or datetime.now(UTC)
    keyed = [_note_keys(note) for note in notes]
    _lock(session, {_lock_key("url", key) for keys in keyed for key in keys})
    session.flush()
    wanted = sorted({key for keys in keyed for key in keys})
    ids: dict[str, int] = {}
    for chunk in _chunks(wanted):
        aliases = select(UrlAlias.url, UrlAlias.article_id).where(UrlAlias.url.in_(chunk))
        ids.update((url, article_id) for url, article_id in session.execute(aliases))
        canons = select(Article.canonical_url, Article.id).where(Article.canonical_url.in_(chunk))
        ids.update((url, article_id) for url, article_id in session.execute(canons))
    readings: dict[int, Any] = {}
    urls: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(sorted(set(ids.values()))):
        for row in session.execute(select(*_DATE_COLUMNS).where(Article.id.in_(chunk))):
            urls[row.id] = (row.url, row.canonical_url)
            readings[row.id] = reading_from_fields(
                {
                    "published": _aware(row.published_at),
                    "published_precision": row.published_precision,
                    "published_raw": row.published_raw,
                    "published_year_inferred": row.published_year_inferred,
                    "part_of_day": row.part_of_day,
                }
            )
    outcomes: list[ListedOutcome] = []
    for note, keys in zip(notes, keyed, strict=True):
        article_id = next((ids[k] for k in keys if k in ids), None)
        listed = listed_reading(note.get("listed_published"))
        if article_id is None or article_id not in readings:
            outcomes.append("missing")
            continue
        best = combine_published(readings[article_id], listed)
        stored_url, canon = urls[article_id]
        url = note.get("url")
        cleaner = url if isinstance(url, str) and note.get("canonical_url") == canon else None
        cleaner = cleaner if cleaner is not None and url_rank(cleaner) < url_rank(stored_url) else None
        new_date = best is not None and best != readings[article_id]
        if not new_date and cleaner is None:
            outcomes.append("unchanged")
            continue
        article = session.get(Article, article_id)
        if article is None:  # pragma: no cover - read in this transaction, under its lock
            outcomes.append("missing")
            continue
        session.add(_version(article, "merged", stamp, body=False))
        if new_date:
            for name, value in date_fields(best).items():
                setattr(article, _MERGED_COLUMNS[name], value)
            readings[article_id] = best
        if cleaner is not None:
            article.url = cleaner
            urls[article_id] = (cleaner, canon)
        session.flush()
        outcomes.append("applied")
        if counts is not None:
            counts["listed_applied"] += 1
    return outcomes


def store_listed_dates(
    engine: Engine, notes: Sequence[Mapping[str, Any]], *, attempts: int = 3, counts: Counter[str] | None = None
) -> list[ListedOutcome]:
    """``apply_listed_dates`` in its own transaction, retried like ``store_batch``."""

    def write() -> list[ListedOutcome]:
        attempt: Counter[str] = Counter()
        with session_scope(engine) as session:
            outcomes = apply_listed_dates(session, notes, counts=attempt)
        if counts is not None:
            counts.update(attempt)
        return outcomes

    return _retrying(write, len(notes), attempts)


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


_T = TypeVar("_T")


def _retrying(write: Callable[[], _T], size: int, attempts: int) -> _T:
    """``write()`` (one transaction), run again when it failed only because another writer got in the way."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            logger.warning("batch of %d articles: %s; retrying (%d/%d)", size, exc.orig, attempt, attempts)
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def store_batch(
    engine: Engine,
    records: Sequence[Mapping[str, Any]],
    *,
    run_id: int | None = None,
    attempts: int = 3,
    counts: Counter[str] | None = None,
) -> list[Outcome]:
    """``write_batch`` in its own transaction, retried when parallel workers deadlock on the same articles.

    Two workers inserting overlapping URLs in different orders can wait on each other's unique-index entries;
    PostgreSQL then aborts one of them, and the whole batch is simply written again. ``counts`` receives the
    committed attempt's counts (``"merged"``: stored rows a copy changed).
    """

    def write() -> list[Outcome]:
        attempt: Counter[str] = Counter()
        with session_scope(engine) as session:
            outcomes = write_batch(session, records, run_id=run_id, counts=attempt)
        if counts is not None:
            counts.update(attempt)
        return outcomes

    return _retrying(write, len(records), attempts)


# Records per transaction of a bulk load: large enough that the per-batch reads and statements cost little per
# record, small enough that a batch's rows and decisions stay a few megabytes.
BULK_BATCH_SIZE = 1_000
# SQLite page cache (KiB, as PRAGMA cache_size takes it negated) while a bulk load runs: the index pages a load
# touches at random (canonical URL, content hash, band keys) stay in memory. Only for the load's own connection:
# a crawl keeps SQLite's small default, so its memory does not grow with the database.
BULK_SQLITE_CACHE_KIB = 128 * 1024
# Advisory locks one PostgreSQL transaction may hold: they share the server's lock table (max_locks_per_transaction
# x max_connections, 6,400 by default) with every other worker, so a bulk load takes them a few thousand at a time.
PG_LOCKS_PER_BATCH = 2_000


def pg_batch_size() -> int:
    """Most records per PostgreSQL bulk transaction: each holds its band keys' + 3 advisory locks (URLs, hash)."""
    return max(1, PG_LOCKS_PER_BATCH // (len(band_keys(0)) + 3))


def store_many(
    engine: Engine,
    records: Iterable[Mapping[str, Any]],
    *,
    batch_size: int = BULK_BATCH_SIZE,
    run_id: int | None = None,
    attempts: int = 3,
) -> list[Outcome]:
    """Bulk load: ``records`` written in order, ``batch_size`` per transaction (each retried like ``store_batch``).

    The outcomes are those of ``store_batch`` on the same batches; one connection serves the whole load (on SQLite
    with a larger page cache for its duration). On PostgreSQL a batch holds at most ``PG_LOCKS_PER_BATCH`` advisory
    locks (see ``pg_batch_size``).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if engine.dialect.name == "postgresql":
        batch_size = min(batch_size, pg_batch_size())
    outcomes: list[Outcome] = []
    with engine.connect() as conn:
        sqlite_cache = _sqlite_cache(conn, -BULK_SQLITE_CACHE_KIB)
        try:
            for batch in _batches(records, batch_size):

                def write(batch: list[Mapping[str, Any]] = batch) -> list[Outcome]:
                    with Session(bind=conn) as session, session.begin():
                        return write_batch(session, batch, run_id=run_id)

                outcomes += _retrying(write, len(batch), attempts)
        finally:
            if sqlite_cache is not None:
                _sqlite_cache(conn, sqlite_cache)
    return outcomes


def _batches(records: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    batch: list[Mapping[str, Any]] = []
    for rec in records:
        batch.append(rec)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _sqlite_cache(conn: Connection, size: int) -> int | None:
    """Set a SQLite connection's ``cache_size``, returning the previous one (None, doing nothing, elsewhere)."""
    if conn.dialect.name != "sqlite":
        return None
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size = {int(size)}")
    conn.commit()  # end the autobegun transaction: each batch's session begins (and commits) its own
    return before
