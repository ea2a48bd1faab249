"""Whether a normalised page may be stored as an article, and if not, why: the validate stage's rules, pure.

``pipelines.validate`` applies them to every crawled item and ``ingest reprocess --rejected`` to every rejected page
it retries, so a page is judged alike either way. A rejection is not a loss: the page is kept with its raw HTML in
``rejected_pages`` (``ingest.db.rejects``) for a later extractor to retry.

Reasons, in the order they are checked: ``no_url``, ``url_too_long`` (more than the database holds),
``legacy_font`` (text typed for the VNI or TCVN3 fonts, flagged by ``ingest.extract``: stored it would be mojibake),
``no_title``, ``no_body``, ``short_body`` (under ``min_body_chars``), ``listing_page`` and ``future_date`` (published
after the fetch time plus ``future_skew``).

``listing_page`` (``ingest.extract.listing.is_article_page`` says no) is only for pages the spider did not request as
articles: a URL given to the ``article`` spider, one that matched the site's article patterns or ``links`` selector,
or a feed, sitemap or REST API entry is an article because the site (or the user) says so, whatever its layout; a
page that prints no date is then stored undated, never dropped. Pages reached some other way (generic link
detection, or items that say nothing of how they were found) still pass the listing test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.extract.article import Extracted
from ingest.extract.listing import is_article_page

# The longest canonical URL the database holds (``articles.canonical_url``, ``ingest.db.store.URL_MAX``).
URL_MAX = 2000
# parse_date already refuses dates more than a day after its reference; the same margin covers clock skew.
DEFAULT_FUTURE_SKEW = timedelta(hours=24)
DEFAULT_MIN_BODY_CHARS = 200

# ``ArticleItem.discovered_by`` values meaning "the spider requested this page as an article".
REQUESTED_AS_ARTICLE = frozenset({"url", "pattern", "selector", "feed", "sitemap", "api"})


@dataclass(frozen=True)
class Rejection:
    """Why a page is not stored as an article: a reason code and a sentence for people."""

    reason: str
    detail: str


def requested_as_article(discovered_by: Any) -> bool:
    """Whether the spider requested the page as an article (see the module docstring)."""
    return discovered_by in REQUESTED_AS_ARTICLE


def rejection(
    fields: Mapping[str, Any],
    *,
    min_body_chars: int = DEFAULT_MIN_BODY_CHARS,
    future_skew: timedelta = DEFAULT_FUTURE_SKEW,
) -> Rejection | None:
    """Why the normalised ``fields`` (``ingest.items.ArticleItem`` names) are not an article, or None."""
    url = fields.get("url")
    if not url:
        return Rejection("no_url", "the item has no URL")
    canonical = fields.get("canonical_url") or url
    if len(canonical) > URL_MAX:
        return Rejection("url_too_long", f"canonical URL of {len(canonical)} characters (the database holds {URL_MAX})")
    if fields.get("legacy_encoding"):
        return Rejection("legacy_font", f"text typed for the {fields.get('legacy_encoding')} font (not Unicode)")
    title, body = fields.get("title"), fields.get("body")
    if not title or not str(title).strip():
        return Rejection("no_title", "no headline found")
    if not body or not str(body).strip():
        return Rejection("no_body", "no article text found")
    body_chars = len(str(body).strip())
    if body_chars < min_body_chars:
        return Rejection("short_body", f"article text of {body_chars} characters (minimum {min_body_chars})")
    published = fields.get("published")
    if not requested_as_article(fields.get("discovered_by")):
        # A date the normaliser found (e.g. in the body's dateline) counts as the page's own date.
        date_text = fields.get("published_raw") or (published.isoformat() if isinstance(published, datetime) else None)
        extracted = Extracted(
            url=url,
            title=title,
            body=body,
            lead=fields.get("lead"),
            published_raw=date_text,
            byline_raw=fields.get("byline_raw"),
        )
        if not is_article_page(extracted, min_body_chars=min_body_chars):
            how = fields.get("discovered_by") or "an unknown route"
            return Rejection(
                "listing_page", f"reached by {how}, and reads like a listing (teaser lines; no date; no byline)"
            )
    if isinstance(published, datetime) and published.tzinfo is not None:
        fetched = fields.get("fetched_at")
        reference = fetched if isinstance(fetched, datetime) and fetched.tzinfo is not None else datetime.now(UTC)
        if published > reference + future_skew:
            return Rejection(
                "future_date", f"published {published.isoformat()}, after the fetch time {reference.isoformat()}"
            )
    return None
