"""The validate stage: drop what is not an article, each drop counted per reason and per site.

Reasons: ``no_url``, ``url_too_long`` (more than the database holds), ``legacy_font`` (text typed for the VNI or
TCVN3 fonts, flagged by ``ingest.extract``: stored it would be mojibake), ``no_title``, ``no_body``, ``short_body``
(under ``INGEST_MIN_BODY_CHARS``), ``listing_page`` (``ingest.extract.listing.is_article_page`` says no) and
``future_date`` (published after the fetch time plus ``INGEST_FUTURE_SKEW_HOURS``). Stats: ``ingest/dropped/<reason>``
and ``ingest/dropped/<reason>/<site>``.

Date range: when the spider was given ``since``/``until`` (``-a since=DATE``; read from the spider's ``since`` and
``until`` attributes through the crawler), an article whose normalised ``published`` falls outside the range is
skipped, counted as ``ingest/skipped_out_of_range`` (not a drop: the user asked for a range). An article with no
date is kept. The date is the normalize stage's, so the range and the stored row never read the page differently.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from ingest.db.store import URL_MAX
from ingest.extract.article import Extracted
from ingest.extract.listing import is_article_page
from ingest.items import ListedDate

logger = logging.getLogger(__name__)

# parse_date already refuses dates more than a day after its reference; the same margin covers clock skew.
DEFAULT_FUTURE_SKEW_HOURS = 24.0


def drop_reason(adapter: ItemAdapter, *, min_body_chars: int, future_skew: timedelta) -> str | None:
    """Why this item is not an article, or None when it is one."""
    if not adapter.get("url"):
        return "no_url"
    if len(adapter.get("canonical_url") or adapter["url"]) > URL_MAX:
        return "url_too_long"
    if adapter.get("legacy_encoding"):
        return "legacy_font"
    title, body = adapter.get("title"), adapter.get("body")
    if not title or not str(title).strip():
        return "no_title"
    if not body or not str(body).strip():
        return "no_body"
    if len(str(body).strip()) < min_body_chars:
        return "short_body"
    published = adapter.get("published")
    # A date the normaliser found (e.g. in the body's dateline) counts as the page's own date.
    date_text = adapter.get("published_raw") or (published.isoformat() if isinstance(published, datetime) else None)
    extracted = Extracted(
        url=adapter["url"],
        title=title,
        body=body,
        lead=adapter.get("lead"),
        published_raw=date_text,
        byline_raw=adapter.get("byline_raw"),
    )
    if not is_article_page(extracted, min_body_chars=min_body_chars):
        return "listing_page"
    if isinstance(published, datetime) and published.tzinfo is not None:
        fetched = adapter.get("fetched_at")
        reference = fetched if isinstance(fetched, datetime) and fetched.tzinfo is not None else datetime.now(UTC)
        if published > reference + future_skew:
            return "future_date"
    return None


def out_of_range(published: Any, since: Any, until: Any) -> bool:
    """Whether an aware ``published`` lies before ``since`` or after ``until`` (bounds may be None)."""
    if not isinstance(published, datetime) or published.tzinfo is None:
        return False
    if isinstance(since, datetime) and published < since:
        return True
    return isinstance(until, datetime) and published > until


class ValidatePipeline:
    """Drop non-articles with a counted, logged reason."""

    def __init__(self, crawler: Crawler, *, min_body_chars: int, future_skew_hours: float) -> None:
        self.crawler = crawler
        self.min_body_chars = min_body_chars
        self.future_skew = timedelta(hours=future_skew_hours)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            crawler,
            min_body_chars=crawler.settings.getint("INGEST_MIN_BODY_CHARS", 200),
            future_skew_hours=crawler.settings.getfloat("INGEST_FUTURE_SKEW_HOURS", DEFAULT_FUTURE_SKEW_HOURS),
        )

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ListedDate):  # a date for a stored article, not a page (the store applies it)
            return item
        adapter = ItemAdapter(item)
        self._check_range(adapter)
        reason = drop_reason(adapter, min_body_chars=self.min_body_chars, future_skew=self.future_skew)
        if reason is None:
            return item
        site = adapter.get("site") or "unknown"
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"ingest/dropped/{reason}")
            stats.inc_value(f"ingest/dropped/{reason}/{site}")
        detail = f" ({adapter.get('legacy_encoding')})" if reason == "legacy_font" else ""
        raise DropItem(f"{reason}{detail}: {adapter.get('url')}", log_level="INFO")

    def _check_range(self, adapter: ItemAdapter) -> None:
        """Skip (``DropItem``, counted ``ingest/skipped_out_of_range``) an article dated outside the spider's range."""
        spider = getattr(self.crawler, "spider", None)
        since, until = getattr(spider, "since", None), getattr(spider, "until", None)
        if (since is None and until is None) or not out_of_range(adapter.get("published"), since, until):
            return
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("ingest/skipped_out_of_range")
        raise DropItem(f"out_of_range: {adapter.get('url')} published {adapter.get('published')}", log_level="DEBUG")
