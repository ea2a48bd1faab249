"""The validate stage: keep what is not an article out of the articles table, each rejection counted per reason and
per site and kept, with its raw HTML, as a rejected page.

The rules are ``ingest.validate.rejection`` (reasons: ``no_url``, ``url_too_long``, ``legacy_font``, ``no_title``,
``no_body``, ``short_body`` under ``INGEST_MIN_BODY_CHARS``, ``listing_page`` for pages the spider did not request as
articles, ``future_date`` after the fetch time plus ``INGEST_FUTURE_SKEW_HOURS``). A rejected item leaves the
pipeline as ``ingest.rejects.RejectItem`` (a ``DropItem``), which ``ingest.rejects.RejectRecorder`` writes to
``rejected_pages``. Stats: ``ingest/dropped/<reason>`` and ``ingest/dropped/<reason>/<site>`` for every rejection,
``ingest/undated`` for every article passed on without a publication date (stored with ``published`` NULL).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from ingest.rejects import RejectItem
from ingest.validate import DEFAULT_FUTURE_SKEW, DEFAULT_MIN_BODY_CHARS, rejection

logger = logging.getLogger(__name__)

DEFAULT_FUTURE_SKEW_HOURS = DEFAULT_FUTURE_SKEW.total_seconds() / 3600


class ValidatePipeline:
    """Reject non-articles with a counted, logged reason; count undated articles."""

    def __init__(self, crawler: Crawler, *, min_body_chars: int, future_skew_hours: float) -> None:
        self.crawler = crawler
        self.min_body_chars = min_body_chars
        self.future_skew = timedelta(hours=future_skew_hours)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            crawler,
            min_body_chars=crawler.settings.getint("INGEST_MIN_BODY_CHARS", DEFAULT_MIN_BODY_CHARS),
            future_skew_hours=crawler.settings.getfloat("INGEST_FUTURE_SKEW_HOURS", DEFAULT_FUTURE_SKEW_HOURS),
        )

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        rejected = rejection(adapter, min_body_chars=self.min_body_chars, future_skew=self.future_skew)
        stats = self.crawler.stats
        if rejected is None:
            if adapter.get("published") is None and stats is not None:
                stats.inc_value("ingest/undated")
            return item
        reason = rejected.reason
        site = adapter.get("site") or "unknown"
        if stats is not None:
            stats.inc_value(f"ingest/dropped/{reason}")
            stats.inc_value(f"ingest/dropped/{reason}/{site}")
        label = f"{reason} ({adapter.get('legacy_encoding')})" if reason == "legacy_font" else reason
        raise RejectItem(reason, rejected.detail, message=f"{label}: {adapter.get('url')}")
