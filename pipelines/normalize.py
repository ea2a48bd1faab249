"""The normalize stage: ``ingest.extract.normalize_extracted`` on every item, raw values kept beside the results.

The reference time for relative and year-less dates is the item's ``fetched_at``; the site profile
(``month_first``, ``strip_www``) is the registry's entry for the item's ``site``, looked up once per site, exactly
as ``ingest extract --site`` and ``ingest reprocess`` do: one path, identical fields. The page's own date and the
date discovery listed beside its URL (``listed_published``) are combined here by the fixed rule of
``ingest.normalize.choice``; when the listed date won, ``ingest/published_from_discovery`` is counted. A body that
the generic fallback extractor found (``fallback_body``) is counted as ``ingest/extract/fallback_body``.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from ingest.extract import SiteProfile, normalize_extracted
from ingest.items import ListedDate
from ingest.normalize import canonical_url
from ingest.registry import RegistryError, load_sites
from ingest.rejects import RejectItem

logger = logging.getLogger(__name__)

_RAW_FIELDS = (
    "url",
    "canonical_url",
    "title",
    "lead",
    "body",
    "published_raw",
    "modified_raw",
    "byline_raw",
    "category",
    "tags",
    "images",
    "authors_hint",
    "page_dates",
    "listed_published",
)


def site_profiles() -> dict[str, SiteProfile]:
    """Every registry site's profile by name (empty when the registry cannot be read: generic rules then)."""
    try:
        return {name: site.profile() for name, site in load_sites().items()}
    except RegistryError as exc:
        logger.warning("site registry unreadable, normalising with generic rules: %s", exc)
        return {}


class NormalizePipeline:
    """Fill the normalised fields of each item in place."""

    def __init__(self, crawler: Crawler, profiles: dict[str, SiteProfile] | None = None) -> None:
        self.crawler = crawler
        self.profiles = site_profiles() if profiles is None else profiles

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ListedDate):
            # A late listed date for the store: only its URL's canonical form, by the same profile as an article.
            profile = self.profiles.get(item.site or "")
            item.canonical_url = canonical_url(item.url, strip_www=profile.strip_www if profile else True) or None
            return item
        adapter = ItemAdapter(item)
        raw = {name: adapter.get(name) for name in _RAW_FIELDS}
        try:
            profile = self.profiles.get(adapter.get("site") or "")
            result = normalize_extracted(raw, reference=adapter.get("fetched_at"), site=profile)
        except Exception as exc:  # a normaliser bug on one page must drop that page, counted, not stop the crawl
            site = adapter.get("site") or "unknown"
            stats = self.crawler.stats
            if stats is not None:
                stats.inc_value("ingest/dropped/normalize_error")
                stats.inc_value(f"ingest/dropped/normalize_error/{site}")
            # Kept as a rejected page with its raw HTML: `ingest reprocess --rejected` retries it once fixed.
            raise RejectItem(
                "normalize_error",
                f"{type(exc).__name__}: {exc}",
                message=f"normalize_error: {exc!r} on {adapter.get('url')}",
                log_level="WARNING",
            ) from exc
        stats = self.crawler.stats
        if result.pop("published_from", None) == "listed" and stats is not None:
            # The site's own metadata for this URL, not a guess; counted so it can be audited.
            stats.inc_value("ingest/published_from_discovery")
        if adapter.get("fallback_body") and stats is not None:
            # The body came from the generic text-density extractor: the site's layout is one the rules do not know.
            stats.inc_value("ingest/extract/fallback_body")
        fields = set(adapter.field_names())
        for key, value in result.items():
            if key in fields or isinstance(item, dict):
                adapter[key] = value
        return item
