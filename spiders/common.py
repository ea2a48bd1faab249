"""What the news and article spiders share: turning a downloaded page into an ``ArticleItem`` (or a counted drop),
and choosing among the dates discovery listed for one URL. No spider lives here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from w3lib.encoding import http_content_type_encoding

from ingest.extract import extract_article
from ingest.items import ArticleItem
from ingest.normalize.choice import finer, listed_reading
from ingest.registry import Site

__all__ = ["best_listed", "build_item", "drop_not_html"]

# Raw fields ingest.extract returns that ArticleItem also has (the rest of the item is crawl facts or pipeline work).
_ITEM_FIELDS = frozenset(f.name for f in dataclasses.fields(ArticleItem))


def build_item(response: Response, site: Site | None) -> ArticleItem | None:
    """The article item for a downloaded page: raw fields from ``ingest.extract`` plus crawl facts; None when
    the response is not an HTML page."""
    if not isinstance(response, TextResponse):
        return None
    fetched_at = datetime.now(UTC)
    content_type = response.headers.get(b"Content-Type")
    charset = http_content_type_encoding(content_type.decode("latin-1")) if content_type else None
    extracted = extract_article(
        response.body,
        response.url,
        fetched_at=fetched_at,
        site=site.profile() if site is not None else None,
        charset=charset,
    )
    raw = {
        f.name: getattr(extracted, f.name)
        for f in dataclasses.fields(extracted)
        if f.name in _ITEM_FIELDS and f.name != "url"
    }
    return ArticleItem(
        url=response.url,
        site=site.name if site is not None else None,
        fetched_at=fetched_at,
        http_status=response.status,
        html=response.body,
        **raw,
    )


def drop_not_html(spider: scrapy.Spider, response: Response) -> None:
    """Count and log an article request answered with something that is not a web page (a PDF, an image): there is
    no HTML to keep as a reject, so it is a counted drop (``ingest/dropped/not_html``), never a silent one."""
    kind = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or "no Content-Type"
    spider.logger.info("not an HTML page, dropped: %s (%s, %d bytes)", response.url, kind, len(response.body))
    if spider.crawler.stats is not None:
        spider.crawler.stats.inc_value("ingest/dropped/not_html")


def best_listed(dates: Iterable[Any]) -> datetime | None:
    """Of the dates discovery gave for one URL, the one ``ingest.normalize.choice.finer`` prefers (the most
    precise, then the earliest): a fixed choice whatever order the feed, the API and the sitemap came in."""
    best = None
    for value in dates:
        reading = listed_reading(value)
        if reading is not None and (best is None or finer(best[0], reading) is reading):
            best = (reading, value)
    return best[1] if best is not None else None
