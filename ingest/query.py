"""Read (and re-derive) stored articles and rejected pages: the functions behind ``ingest
query|show|stats|runs|export|reprocess|rejects``.

Pure-ish functions over an engine: each takes an engine and plain values and returns plain dicts, so the CLI, a
notebook and the tests share one implementation. Every SQL statement is built with SQLAlchemy and bound
parameters; a user's ``--search`` text goes through ``ingest.db.search.search_condition`` (folded, quoted as one
FTS5 phrase on SQLite, an escaped LIKE/trigram match on PostgreSQL), never into SQL text. A newest-first search
with a limit on SQLite is planned by ``ingest.db.search.newest_match_ids`` (the same rows, in the same order,
without sorting every match); ``stats`` reads indexes only (migration 0002).

Article dicts use the field names of ``ingest extract`` (DESIGN.md), plus ``id``, ``fetched_at`` and
``duplicate_of``; dates are ISO 8601 strings in Vietnam's time (+07:00).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Engine, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from ingest.db.engine import session_scope
from ingest.db.models import (
    Article,
    ArticleAuthor,
    ArticleOrganisation,
    Author,
    CrawlRun,
    Organisation,
    Source,
)
from ingest.db.search import Narrowing, newest_match_ids, search_condition
from ingest.db.store import DEFAULT_ROLE
from ingest.normalize import search_key

# The record's field lists are ingest.records'; importers of ingest.query (the CLI) read them here too.
from ingest.records import EXTRACT_FIELDS as EXTRACT_FIELDS
from ingest.records import RECORD_FIELDS as RECORD_FIELDS
from ingest.records import article_record, iso

Order = Literal["newest", "oldest", "fetched", "id"]
ORDERS: tuple[str, ...] = ("newest", "oldest", "fetched", "id")

# Rows fetched per round trip while streaming (authors and organisations are loaded per chunk, not per row).
_CHUNK = 500


class QueryError(ValueError):
    """A filter that cannot be applied (e.g. a province no registered site belongs to)."""


@dataclass(frozen=True)
class Filters:
    """What to select. Dates are aware datetimes; ``sites`` None means every site."""

    site: Sequence[str] | None = None
    province: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    author: str | None = None
    search: str | None = None
    include_duplicates: bool = False
    limit: int | None = None
    order: Order = "newest"


def province_sites(province: str) -> list[str]:
    """Registry site names whose current or pre-2025 province is ``province`` (accent-insensitive)."""
    from ingest.registry import load_sites, sites_for_province

    found = [site.name for site in sites_for_province(load_sites(), province)]
    if not found:
        raise QueryError(f"no registered site in province {province!r}")
    return found


def _author_ids(session: Session, author: str) -> list[int]:
    # Names are few next to articles: fold them in Python with the same key search uses, so "nguyen van an"
    # finds "Nguyễn Văn An" on every database.
    wanted = search_key(author)
    return [aid for aid, name in session.execute(select(Author.id, Author.name)) if wanted in search_key(name)]


def _select(session: Session, filters: Filters) -> Select[Article]:
    stmt = select(Article)
    conditions: list[ColumnElement[bool]] = []
    if filters.site:
        conditions.append(Article.site.in_(list(filters.site)))
    if filters.province:
        conditions.append(Article.site.in_(province_sites(filters.province)))
    if filters.since is not None:
        conditions.append(Article.published_at >= filters.since)
    if filters.until is not None:
        conditions.append(Article.published_at <= filters.until)
    if not filters.include_duplicates:
        conditions.append(Article.duplicate_of.is_(None))
    if filters.author:
        ids = _author_ids(session, filters.author)
        conditions.append(
            Article.id.in_(select(ArticleAuthor.article_id).where(ArticleAuthor.author_id.in_(ids)))
            if ids
            else Article.id.is_(None)
        )
    if filters.search is not None:
        conditions.append(search_condition(session, filters.search))
    if conditions:
        stmt = stmt.where(and_(*conditions))
    if filters.order == "newest":
        stmt = stmt.order_by(Article.published_at.is_(None), Article.published_at.desc(), Article.id.desc())
    elif filters.order == "oldest":
        stmt = stmt.order_by(Article.published_at.is_(None), Article.published_at.asc(), Article.id.asc())
    elif filters.order == "fetched":
        stmt = stmt.order_by(Article.fetched_at.desc(), Article.id.desc())
    else:
        stmt = stmt.order_by(Article.id.asc())
    if filters.limit is not None:
        stmt = stmt.limit(filters.limit)
    return stmt


def _people(session: Session, ids: Sequence[int]) -> tuple[dict[int, list[tuple[str, str]]], dict[int, list[str]]]:
    authors: dict[int, list[tuple[str, str]]] = {}
    rows = session.execute(
        select(ArticleAuthor.article_id, Author.name, ArticleAuthor.role)
        .join(Author, Author.id == ArticleAuthor.author_id)
        .where(ArticleAuthor.article_id.in_(ids))
        .order_by(ArticleAuthor.article_id, ArticleAuthor.position, ArticleAuthor.role)
    )
    for article_id, name, role in rows:
        authors.setdefault(article_id, []).append((name, role))
    orgs: dict[int, list[str]] = {}
    rows2 = session.execute(
        select(ArticleOrganisation.article_id, Organisation.name)
        .join(Organisation, Organisation.id == ArticleOrganisation.organisation_id)
        .where(ArticleOrganisation.article_id.in_(ids))
        .order_by(Organisation.name)
    )
    for article_id, name in rows2:
        orgs.setdefault(article_id, []).append(name)
    return authors, orgs


def _record(article: Article, source: str | None, people: list[tuple[str, str]], orgs: list[str]) -> dict[str, Any]:
    roles: dict[str, list[str]] = {}
    for name, role in people:
        # The store files a name printed without a role under DEFAULT_ROLE; `ingest extract` lists only printed roles.
        if role != DEFAULT_ROLE:
            roles.setdefault(name, []).append(role)
    values = {
        "id": article.id,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "site": article.site,
        "title": article.title,
        "lead": article.lead,
        "body": article.body,
        "language": article.language,
        "published": article.published_at,
        "published_raw": article.published_raw,
        "published_precision": article.published_precision,
        "part_of_day": article.part_of_day,
        "published_year_inferred": bool(article.published_year_inferred),
        "modified": article.modified_at,
        "modified_raw": article.modified_raw,
        "authors": [name for name, _ in people],
        "byline_raw": article.byline_raw,
        "author_roles": roles,
        "organizations": orgs,
        "source": source,
        "category": article.category,
        "tags": article.tags,
        "images": article.images,
        "encoding": article.html_encoding,
        "fetched_at": article.fetched_at,
        "duplicate_of": article.duplicate_of,
    }
    # One serialisation for a stored row and a crawled item (`scrapy crawl -O`): ingest.records.
    return article_record(values)


def _records(session: Session, articles: Sequence[Article]) -> list[dict[str, Any]]:
    ids = [a.id for a in articles]
    authors, orgs = _people(session, ids)
    source_ids = {a.source_id for a in articles if a.source_id is not None}
    sources: dict[int, str] = {}
    if source_ids:
        sources = dict(session.execute(select(Source.id, Source.name).where(Source.id.in_(source_ids))).all())
    return [
        _record(a, sources.get(a.source_id) if a.source_id else None, authors.get(a.id, []), orgs.get(a.id, []))
        for a in articles
    ]


def _planned_ids(session: Session, filters: Filters) -> list[int] | None:
    """Ids of a newest-first limited SQLite search found without sorting every match (``newest_match_ids``), or
    None when the plain statement of ``_select`` is the plan. Both give the same rows in the same order."""
    if (
        filters.search is None
        or filters.limit is None
        or filters.order != "newest"
        or session.get_bind().dialect.name != "sqlite"
    ):
        return None
    site_sets = [list(filters.site)] if filters.site else []
    if filters.province:
        site_sets.append(province_sites(filters.province))
    narrowing = Narrowing(
        site_sets=site_sets,
        since=filters.since,
        until=filters.until,
        include_duplicates=filters.include_duplicates,
        author_ids=_author_ids(session, filters.author) if filters.author else None,
    )
    return newest_match_ids(session, filters.search, narrowing, filters.limit)


def find_articles(engine: Engine, filters: Filters) -> Iterator[dict[str, Any]]:
    """Stored articles matching ``filters``, in order, as ``ingest extract``-shaped dicts (streamed in chunks)."""
    with session_scope(engine) as session:
        ids = _planned_ids(session, filters)
        if ids is not None:
            by_id = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
            yield from _records(session, [by_id[i] for i in ids])
            return
        result = session.scalars(_select(session, filters).execution_options(yield_per=_CHUNK))
        for chunk in result.partitions():
            yield from _records(session, list(chunk))


def get_article(engine: Engine, id_or_url: str | int) -> dict[str, Any] | None:
    """One article by id, canonical URL or any URL it was fetched under (None when not stored)."""
    from ingest.db.models import UrlAlias

    with session_scope(engine) as session:
        article: Article | None = None
        key = str(id_or_url).strip()
        if key.isdigit():
            article = session.get(Article, int(key))
        else:
            by_url = select(Article).where(or_(Article.canonical_url == key, Article.url == key))
            article = session.scalars(by_url).first()
            if article is None:
                alias = session.scalars(select(UrlAlias).where(UrlAlias.url == key)).first()
                article = session.get(Article, alias.article_id) if alias is not None else None
            if article is None:
                from ingest.normalize import canonical_url

                try:
                    canon = canonical_url(key)
                except ValueError:
                    canon = None
                if canon and canon != key:
                    article = session.scalars(select(Article).where(Article.canonical_url == canon)).first()
        return _records(session, [article])[0] if article is not None else None


def stats(engine: Engine) -> list[dict[str, Any]]:
    """Per site: articles (and near-duplicates), latest publication, last run, share dated and share with an author."""
    # One pass over the (site, published_at, duplicate_of) index, never the article rows; whether an article has
    # an author is one probe of article_authors' primary key (SQLite uses it as the IN operator's lookup table;
    # no DISTINCT over the whole table). The latest date is one index seek per site: max() over every row of the
    # pass would compare a million date strings.
    has_author = Article.id.in_(select(ArticleAuthor.article_id))
    with session_scope(engine) as session:
        counted = session.execute(
            select(
                Article.site,
                func.count(Article.id),
                func.count(Article.duplicate_of),
                func.count(Article.published_at),
                func.count(case((has_author, 1))),
            )
            .group_by(Article.site)
            .order_by(Article.site)
        ).all()
        rows = []
        for site, count, dupes, dated, authored in counted:
            of_site = Article.site.is_(None) if site is None else Article.site == site
            latest = session.scalar(select(func.max(Article.published_at)).where(of_site))
            rows.append((site, count, dupes, latest, dated, authored))
        last_runs = _last_runs(session)
    out = []
    for site, count, dupes, latest, dated, authored in rows:
        run = last_runs.get(site or "")
        latest_at = latest.replace(tzinfo=UTC) if latest is not None and latest.tzinfo is None else latest
        out.append(
            {
                "site": site,
                "articles": int(count),
                "near_duplicates": int(dupes or 0),
                "latest_published": iso(latest_at),
                "last_run": iso(run["finished_at"] or run["started_at"]) if run else None,
                "last_run_status": run["status"] if run else None,
                "share_dated": round(int(dated or 0) / count, 3) if count else 0.0,
                "share_with_author": round(int(authored or 0) / count, 3) if count else 0.0,
            }
        )
    return out


def _last_runs(session: Session, *, ok_only: bool = False) -> dict[str, dict[str, Any]]:
    latest = select(CrawlRun.spider, func.max(CrawlRun.id).label("id"))
    if ok_only:
        latest = latest.where(CrawlRun.status.in_(("finished", "limited")))
    sub = latest.group_by(CrawlRun.spider).subquery()
    runs = session.scalars(select(CrawlRun).join(sub, sub.c.id == CrawlRun.id))
    return {run.spider: _run_dict(run) for run in runs}


def _run_dict(run: CrawlRun) -> dict[str, Any]:
    stats_ = run.stats or {}
    return {
        "id": run.id,
        "spider": run.spider,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "status": run.status,
        "finish_reason": run.finish_reason,
        "items_stored": run.items_stored,
        "items_rejected": run.items_rejected,
        "pages": int(stats_.get("downloader/response_count", 0) or 0),
        "errors": int(stats_.get("log_count/ERROR", 0) or 0),
        "drops": dict(run.drops or {}),
        "flags": dict(run.flags or {}),
        "stats": dict(stats_),
    }


def runs(engine: Engine, limit: int = 20, *, spider: str | None = None) -> list[dict[str, Any]]:
    """The most recent crawl runs (newest first) with their stats; dates as ISO strings in Vietnam's time."""
    with session_scope(engine) as session:
        stmt = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
        if spider:
            stmt = stmt.where(CrawlRun.spider == spider)
        found = [_run_dict(run) for run in session.scalars(stmt)]
    for run in found:
        run["started_at"], run["finished_at"] = iso(run["started_at"]), iso(run["finished_at"])
    return found


def site_health(engine: Engine, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per site name: articles stored, last successful run's end, last run's status and yield (articles written)."""
    with session_scope(engine) as session:
        counts = dict(session.execute(select(Article.site, func.count(Article.id)).group_by(Article.site)).all())
        last_ok = _last_runs(session, ok_only=True)
        last = _last_runs(session)
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        ok, run = last_ok.get(name), last.get(name)
        out[name] = {
            "articles": int(counts.get(name, 0)),
            "last_success": iso(ok["finished_at"]) if ok else None,
            "last_status": run["status"] if run else None,
            "last_yield": run["items_stored"] if run else None,
            # What the last run worked around, e.g. {"generic_links": 12}: the registry entry needs a look.
            "last_flags": run["flags"] if run else {},
        }
    return out


def stored_sites(engine: Engine) -> list[str]:
    """Site names that have stored articles."""
    with session_scope(engine) as session:
        return [s for s in session.scalars(select(Article.site).distinct()) if s]


ReprocessOutcome = Literal["updated", "unchanged", "no_html", "failed"]


def reprocess(
    engine: Engine, filters: Filters, *, site_profiles: Mapping[str, Any] | None = None
) -> Iterator[tuple[int, ReprocessOutcome, str]]:
    """Re-extract and re-normalise stored raw HTML of the selected articles, updating their rows (no network).

    Yields ``(article id, outcome, detail)`` per article. Content changes go through the store's
    ``write_article`` (so the old content is kept as a version and the search index follows); metadata-only
    changes (a date or byline rule fixed) update the row's normalised fields in place.
    """
    from ingest.db import store
    from ingest.extract import extract_article, normalize_extracted

    profiles = site_profiles or {}
    with session_scope(engine) as session:
        ids = list(session.scalars(_select(session, filters).with_only_columns(Article.id)))
    for article_id in ids:
        with session_scope(engine) as session:
            article = session.get(Article, article_id)
            if article is None:
                continue
            if not article.html_zlib:
                yield article_id, "no_html", "no raw HTML stored"
                continue
            try:
                html = zlib.decompress(article.html_zlib)
                profile = profiles.get(article.site or "")
                raw = extract_article(html, article.url, fetched_at=article.fetched_at, site=profile)
                raw_fields = asdict(raw)
                # A stored date the page does not print came from discovery at crawl time (the feed's pubDate,
                # the WP API date, a news sitemap; stored as its ISO form): it is the listed date again, combined
                # with the page's own by the crawl's rule, or reprocessing would lose what the crawl knew.
                raw_fields["listed_published"] = _listed_date(article.published_raw, raw_fields.get("published_raw"))
                for key, stored in (("modified_raw", article.modified_raw), ("byline_raw", article.byline_raw)):
                    if not raw_fields.get(key) and stored:
                        raw_fields[key] = stored
                fields = normalize_extracted(raw_fields, reference=article.fetched_at, site=profile)
                fields.pop("published_from", None)
            except Exception as exc:  # one bad page must not stop a reprocess of thousands
                yield article_id, "failed", f"{type(exc).__name__}: {exc}"
                continue
            rec = {
                **raw_fields,
                **fields,
                "url": article.url,
                "canonical_url": article.canonical_url,  # the row's identity does not move
                "site": article.site,
                "html": html,
                "fetched_at": article.fetched_at,
                "http_status": article.http_status,
            }
            before = _comparable(article)
            outcome = store.write_article(session, rec, run_id=article.crawl_run_id, now=datetime.now(UTC), merge=False)
            if outcome != "updated":
                # Same title and body: refresh the normalised metadata the store leaves alone for unchanged content.
                metadata = {**fields, "modified_raw": raw_fields.get("modified_raw")}
                store.update_metadata(session, article.id, {**metadata, "byline_raw": raw_fields.get("byline_raw")})
            session.flush()
            session.refresh(article)
            changed = _comparable(article) != before or outcome == "updated"
            yield article_id, "updated" if changed else "unchanged", ""


def _listed_date(stored_raw: str | None, page_raw: Any) -> datetime | None:
    """The listed date a stored row holds: its ``published_raw`` when that is an ISO date-time the page does not
    print (the crawl stores a discovery date that won as its ISO form)."""
    if not stored_raw or stored_raw == page_raw:
        return None
    try:
        value = datetime.fromisoformat(stored_raw.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None and "T" in stored_raw else None


def _comparable(article: Article) -> tuple[Any, ...]:
    return (
        article.title,
        article.lead,
        article.body,
        article.published_at,
        article.published_precision,
        article.modified_at,
        article.byline_raw,
        article.source_id,
        tuple(article.category or []),
        tuple(article.tags or []),
        tuple((a.author_id, a.role) for a in article.authors),
    )


# --- rejected pages ---------------------------------------------------------------------------------------------

REJECT_FIELDS: tuple[str, ...] = (
    "id", "url", "site", "reason", "detail", "fetched_at", "http_status", "encoding", "html_zlib_bytes",
    "crawl_run_id", "first_seen_at", "last_seen_at", "attempts", "resolved_at", "article_id",
)  # fmt: skip


@dataclass(frozen=True)
class RejectFilters:
    """Which rejected pages: ``site``/``reason`` None means all (an empty ``site`` list: none); resolved ones (stored
    after all) only when asked."""

    site: Sequence[str] | None = None
    reason: str | None = None
    include_resolved: bool = False
    limit: int | None = None


def _reject_conditions(filters: RejectFilters) -> list[ColumnElement[bool]]:
    from ingest.db.models import RejectedPage

    conditions: list[ColumnElement[bool]] = []
    if filters.site is not None:
        conditions.append(RejectedPage.site.in_(list(filters.site)))
    if filters.reason:
        conditions.append(RejectedPage.reason == filters.reason)
    if not filters.include_resolved:
        conditions.append(RejectedPage.resolved_at.is_(None))
    return conditions


def find_rejects(engine: Engine, filters: RejectFilters) -> list[dict[str, Any]]:
    """Rejected pages, most recently rejected first, as dicts of ``REJECT_FIELDS`` (of the kept HTML, its size)."""
    from ingest.db.models import RejectedPage as R

    columns = (
        R.id, R.url, R.site, R.reason, R.detail, R.fetched_at, R.http_status, R.html_encoding,
        func.coalesce(func.length(R.html_zlib), 0), R.crawl_run_id, R.first_seen_at, R.last_seen_at, R.attempts,
        R.resolved_at, R.article_id,
    )  # fmt: skip
    stmt = select(*columns).where(*_reject_conditions(filters)).order_by(R.last_seen_at.desc(), R.id.desc())
    if filters.limit is not None:
        stmt = stmt.limit(filters.limit)
    dates = {"fetched_at", "first_seen_at", "last_seen_at", "resolved_at"}
    with session_scope(engine) as session:
        rows = session.execute(stmt).all()
    return [
        {name: iso(value) if name in dates else value for name, value in zip(REJECT_FIELDS, row, strict=True)}
        for row in rows
    ]


def reject_html(engine: Engine, id_or_url: str | int) -> bytes | None:
    """The raw HTML kept for one rejected page, by id or URL (None when there is no such page or no HTML)."""
    from ingest.db.models import RejectedPage

    key = str(id_or_url).strip()
    condition = RejectedPage.id == int(key) if key.isdigit() else RejectedPage.url == key
    with session_scope(engine) as session:
        blob = session.scalars(select(RejectedPage.html_zlib).where(condition)).first()
    return zlib.decompress(blob) if blob else None


def count_rejects(engine: Engine, filters: RejectFilters) -> int:
    """How many rejected pages ``filters`` select (its ``limit`` caps the count)."""
    from ingest.db.models import RejectedPage

    with session_scope(engine) as session:
        n = int(session.scalar(select(func.count(RejectedPage.id)).where(*_reject_conditions(filters))) or 0)
    return min(n, filters.limit) if filters.limit is not None else n


def reject_reasons(engine: Engine) -> list[str]:
    """The reasons rejected pages are kept under (for checking a ``--reason`` a user typed)."""
    from ingest.db.models import RejectedPage

    with session_scope(engine) as session:
        return sorted(r for r in session.scalars(select(RejectedPage.reason).distinct()) if r)


def reject_sites(engine: Engine) -> list[str]:
    """The sites of the rejected pages."""
    from ingest.db.models import RejectedPage

    with session_scope(engine) as session:
        return sorted(s for s in session.scalars(select(RejectedPage.site).distinct()) if s)


RejectOutcome = Literal["stored", "rejected", "no_html", "failed"]


def reprocess_rejected(
    engine: Engine,
    filters: RejectFilters,
    *,
    site_profiles: Mapping[str, Any] | None = None,
    min_body_chars: int | None = None,
) -> Iterator[tuple[int, RejectOutcome, str]]:
    """Retry rejected pages with today's extractor, normaliser and validation rules, from their kept raw HTML (no
    network). Yields ``(reject id, outcome, detail)``:

    * ``stored``: the page now passes; it goes through the store (``write_article``: the dedup layers decide
      whether it is a new article, a near duplicate or a copy of a stored one) and the reject is resolved with the
      article's id (detail: the store's outcome);
    * ``rejected``: still not an article; the row's reason and detail are updated (detail: the reason);
    * ``no_html``: no raw HTML was kept; ``failed``: an error on this page (the others go on).
    """
    from ingest.db import rejects, store
    from ingest.db.models import RejectedPage
    from ingest.dedup import content_hash, fingerprint
    from ingest.extract import extract_article, normalize_extracted
    from ingest.normalize import search_key_of_parts
    from ingest.validate import DEFAULT_MIN_BODY_CHARS, rejection

    profiles = site_profiles or {}
    minimum = DEFAULT_MIN_BODY_CHARS if min_body_chars is None else min_body_chars
    stmt = select(RejectedPage.id).where(*_reject_conditions(filters)).order_by(RejectedPage.id)
    if filters.limit is not None:
        stmt = stmt.limit(filters.limit)
    with session_scope(engine) as session:
        ids = list(session.scalars(stmt))
    for reject_id in ids:
        with session_scope(engine) as session:
            page = session.get(RejectedPage, reject_id)
            if page is None:
                continue
            if not page.html_zlib:
                yield reject_id, "no_html", "no raw HTML kept"
                continue
            discovered_by = rejects.origin(page.detail)
            try:
                html = zlib.decompress(page.html_zlib)
                profile = profiles.get(page.site or "")
                raw = asdict(extract_article(html, page.url, fetched_at=page.fetched_at, site=profile))
                fields = normalize_extracted(raw, reference=page.fetched_at, site=profile)
                fields.pop("published_from", None)
            except Exception as exc:  # one bad page must not stop a retry of thousands
                yield reject_id, "failed", f"{type(exc).__name__}: {exc}"
                continue
            rec: dict[str, Any] = {
                **raw,
                **fields,
                "url": page.url,
                "site": page.site,
                "html": html,
                "fetched_at": page.fetched_at,
                "http_status": page.http_status,
                "discovered_by": discovered_by,
            }
            verdict = rejection(rec, min_body_chars=minimum)
            if verdict is not None:
                rejects.update_rejection(
                    session, reject_id, verdict.reason, rejects.with_origin(verdict.detail, discovered_by)
                )
                yield reject_id, "rejected", verdict.reason
                continue
            rec["content_hash"] = content_hash(rec.get("title"), rec.get("body"))
            rec["fingerprint"] = fingerprint(rec.get("title"), rec.get("body"))
            rec["search_text"] = search_key_of_parts(rec.get("title"), rec.get("lead"), rec.get("body"))
            now = datetime.now(UTC)
            outcome = store.write_article(session, rec, run_id=None, now=now)
            session.flush()
            article_id = rejects.stored_article_id(session, [rec.get("canonical_url") or page.url, page.url])
            if article_id is None:  # pragma: no cover - write_article stores or aliases every URL it is given
                yield reject_id, "failed", f"stored as {outcome} but not found under its URL"
                continue
            rejects.resolve(session, reject_id, article_id, now=now)
            yield reject_id, "stored", outcome
