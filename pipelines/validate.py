"""The validate stage: keep what is not an article out of the articles table, each rejection counted per reason and
per site and kept, with its raw HTML, as a rejected page.

The rules are ``ingest.validate.rejection`` (reasons: ``no_url``, ``url_too_long``, ``legacy_font``, ``no_title``,
``no_body``, ``short_body`` under ``INGEST_MIN_BODY_CHARS``, ``listing_page`` for pages the spider did not request as
articles, ``future_date`` after the fetch time plus ``INGEST_FUTURE_SKEW_HOURS``). A rejected item leaves the
pipeline as ``ingest.rejects.RejectItem`` (a ``DropItem``), which ``ingest.rejects.RejectRecorder`` writes to
``rejected_pages``. Stats: ``ingest/dropped/<reason>`` and ``ingest/dropped/<reason>/<site>`` for every rejection,
``ingest/undated`` for every article passed on without a publication date (stored with ``published`` NULL).

Date range: when the spider was given ``since``/``until`` (``-a since=DATE``; read from the spider's ``since`` and
``until`` attributes through the crawler), an article whose normalised ``published`` falls outside the range is
skipped (a plain ``DropItem``, not a rejection: the user asked for a range), counted as
``ingest/skipped_out_of_range``. An article with no date is kept. The date is the normalize stage's, so the range and
the stored row never read the page differently. ``ingest.items.ListedDate`` items pass untouched (for the store).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from ingest.items import ListedDate
from ingest.rejects import RejectItem
from ingest.validate import DEFAULT_FUTURE_SKEW, DEFAULT_MIN_BODY_CHARS, rejection

logger = logging.getLogger(__name__)

DEFAULT_FUTURE_SKEW_HOURS = DEFAULT_FUTURE_SKEW.total_seconds() / 3600


def out_of_range(published: Any, since: Any, until: Any) -> bool:
    """Whether an aware ``published`` lies before ``since`` or after ``until`` (bounds may be None)."""
    if not isinstance(published, datetime) or published.tzinfo is None:
        return False
    if isinstance(since, datetime) and published < since:
        return True
    return isinstance(until, datetime) and published > until


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
        if isinstance(item, ListedDate):  # a date for a stored article, not a page (the store applies it)
            return item
        adapter = ItemAdapter(item)
        self._check_range(adapter)
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

    def _check_range(self, adapter: ItemAdapter) -> None:
        """Skip (``DropItem``, counted ``ingest/skipped_out_of_range``) an article dated outside the spider's range."""
        spider = getattr(self.crawler, "spider", None)
        since, until = getattr(spider, "since", None), getattr(spider, "until", None)
        if (since is None and until is None) or not out_of_range(adapter.get("published"), since, until):
            return
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("ingest/skipped_out_of_range")
        raise DropItem(f"out_of_range: {adapter.get('url')} published {adapter.get('published')}", log_level="DEBUG")
