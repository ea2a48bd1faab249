"""The normalize stage: ``ingest.normalize.normalize_article`` on every item, raw values kept beside the results,
and the item's ``search_text`` (the search key of its normalised title, lead and body, for the store).

The reference time for relative and year-less dates is the item's ``fetched_at``. The same function backs
``ingest extract``, so a crawl and the CLI give identical fields.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from ingest.normalize import normalize_article, search_key_of_parts
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
)


class NormalizePipeline:
    """Fill the normalised fields of each item in place."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        raw = {name: adapter.get(name) for name in _RAW_FIELDS}
        try:
            result = normalize_article(raw, reference=adapter.get("fetched_at"))
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
        fields = set(adapter.field_names())
        for key, value in result.items():
            if key in fields or isinstance(item, dict):
                adapter[key] = value
        if "search_text" in fields or isinstance(item, dict):
            # What ingest.db.store.search_text computes from the same fields (the key of the joined text).
            adapter["search_text"] = search_key_of_parts(adapter.get("title"), adapter.get("lead"), adapter.get("body"))
        return item
