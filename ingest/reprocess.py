"""Re-derive stored rows from their kept raw HTML with today's rules (no network): the writes behind ``ingest
reprocess`` and ``ingest reprocess --rejected``.

The writer side of the reads in ``ingest.query``: it selects through ``ingest.query`` (the same filters as ``ingest
query``) and writes through the store (``ingest.db.store``, ``ingest.db.rejects``), which the reads never import.

The caller owns the session and the commit points. Both functions work in the session they are given and never
commit: each page's changes are flushed before its outcome is yielded, so a caller that commits at every yield
keeps the pages done so far when a later one fails (the CLI does: one transaction per page, as a crawl's batches),
and a caller that commits once at the end gets all or nothing.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from ingest.db import rejects, store
from ingest.db.models import Article, RejectedPage
from ingest.dedup import content_keys
from ingest.extract import extract_article, normalize_extracted
from ingest.query import Filters, RejectFilters, article_ids, reject_ids
from ingest.validate import DEFAULT_MIN_BODY_CHARS, rejection

ReprocessOutcome = Literal["updated", "unchanged", "no_html", "failed"]
RejectOutcome = Literal["stored", "rejected", "no_html", "failed"]


def _fresh(session: Session) -> None:
    # The store writes through Core statements the identity map does not see, so an object loaded for an earlier
    # page may be stale: read each page's rows afresh (flushed first, so nothing of the caller's is lost).
    session.flush()
    session.expire_all()


def reprocess(
    session: Session, filters: Filters, *, site_profiles: Mapping[str, Any] | None = None
) -> Iterator[tuple[int, ReprocessOutcome, str]]:
    """Re-extract and re-normalise stored raw HTML of the selected articles, updating their rows (no network).

    Yields ``(article id, outcome, detail)`` per article. Content changes go through the store's
    ``write_article`` (so the old content is kept as a version and the search index follows); metadata-only
    changes (a date or byline rule fixed) update the row's normalised fields in place.
    """
    profiles = site_profiles or {}
    for article_id in article_ids(session, filters):
        _fresh(session)
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
            # A stored date the page does not print came from discovery at crawl time (the feed's pubDate, the WP
            # API date, a news sitemap; stored as its ISO form): it is the listed date again, combined with the
            # page's own by the crawl's rule, or reprocessing would lose what the crawl knew.
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


def reprocess_rejected(
    session: Session,
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
    profiles = site_profiles or {}
    minimum = DEFAULT_MIN_BODY_CHARS if min_body_chars is None else min_body_chars
    for reject_id in reject_ids(session, filters):
        _fresh(session)
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
            session.flush()
            yield reject_id, "rejected", verdict.reason
            continue
        keys = content_keys(rec.get("title"), rec.get("lead"), rec.get("body"))
        rec.update(content_hash=keys.content_hash, fingerprint=keys.fingerprint, search_text=keys.search_text)
        now = datetime.now(UTC)
        outcome = store.write_article(session, rec, run_id=None, now=now)
        session.flush()
        article_id = rejects.stored_article_id(session, [rec.get("canonical_url") or page.url, page.url])
        if article_id is None:  # pragma: no cover - write_article stores or aliases every URL it is given
            yield reject_id, "failed", f"stored as {outcome} but not found under its URL"
            continue
        rejects.resolve(session, reject_id, article_id, now=now)
        session.flush()
        yield reject_id, "stored", outcome
