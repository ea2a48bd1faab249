"""``ingest.logformatter.ReadableLogFormatter``: drops and scraped items as short single lines, never the page."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from ingest.logformatter import LINE_CHARS, ReadableLogFormatter, drop_reason, item_summary
from tests.db.articles import article

URL = "https://kontumtv.vn/2025/07/08/tong-ket/"
BIG_PAGE = b"<html><body>" + b"<p>noi dung</p>" * 20_000 + b"</body></html>"


def line(result: dict[str, object]) -> str:
    msg, args = result["msg"], result["args"]
    assert isinstance(msg, str)
    return msg % args  # type: ignore[operator]


@pytest.fixture
def formatter_and_spider() -> tuple[ReadableLogFormatter, Spider]:
    crawler = get_crawler(Spider, settings_dict={"LOG_FORMATTER": "ingest.logformatter.ReadableLogFormatter"})
    spider = Spider.from_crawler(crawler, "kontumtv")
    formatter: ReadableLogFormatter = build_from_crawler(ReadableLogFormatter, crawler)
    return formatter, spider


@pytest.mark.parametrize(
    ("message", "reason", "detail"),
    [
        (f"short_body: {URL}", "short_body", ""),
        (f"legacy_font (vni): {URL}", "legacy_font", "vni"),
        (f"repeat_in_run: {URL} (already passed on in this run)", "repeat_in_run", "already passed on in this run"),
        ("ingest_db_error: database unavailable, not stored", "ingest_db_error", "database unavailable, not stored"),
        (f"normalize_error: ValueError('bad\\nvalue') on {URL}", "normalize_error", "ValueError('bad\\nvalue')"),
        ("Something went wrong\nover two lines", None, "Something went wrong over two lines"),
    ],
)
def test_drop_reason_reads_the_pipelines_messages(message: str, reason: str | None, detail: str) -> None:
    assert drop_reason(message, URL) == (reason, detail)


def test_a_drop_is_one_line_with_reason_url_and_site(formatter_and_spider: tuple[ReadableLogFormatter, Spider]) -> None:
    formatter, spider = formatter_and_spider
    item = article(URL)
    item.html = BIG_PAGE
    result = formatter.dropped(item, DropItem(f"short_body: {URL}", log_level="INFO"), None, spider)
    assert result["level"] == logging.INFO
    assert line(result) == f"Dropped short_body: {URL} (site kontumtv)"
    # A DropItem without a level takes Scrapy's default; one without a reason is named by its class.
    other = formatter.dropped(item, ValueError("boom"), None, spider)
    assert other["level"] == logging.WARNING
    assert line(other) == f"Dropped ValueError: {URL} (site kontumtv): boom"


def test_a_scraped_item_is_one_short_line_without_the_page(
    formatter_and_spider: tuple[ReadableLogFormatter, Spider],
) -> None:
    formatter, spider = formatter_and_spider
    item = article(URL)
    item.html = BIG_PAGE
    item.body = "Đoạn một.\n\n" + "Rất dài. " * 5_000
    item.search_text = "rat dai " * 5_000
    response = HtmlResponse(URL, body=BIG_PAGE, request=Request(URL))
    result = formatter.scraped(item, response, spider)
    text = line(result)
    assert result["level"] == logging.DEBUG
    assert text.startswith(f"Scraped {URL} (site kontumtv): ")
    assert "\n" not in text
    assert len(text) < 2000
    assert "noi dung" not in text
    assert "rat dai" not in text
    assert f"({len(item.body):,} chars)" in text  # a cut value says how long it was
    assert "title=Tổng kết công tác quốc phòng" in text


def test_item_summary_is_bounded_whatever_the_item(formatter_and_spider: tuple[ReadableLogFormatter, Spider]) -> None:
    item = article(URL)
    item.tags = [f"thẻ {i}" for i in range(2_000)]
    item.images = [{"url": f"https://x.vn/{i}.jpg", "caption": "ảnh " * 50} for i in range(500)]
    item.category = ["x" * 10_000]
    summary = item_summary(item)
    assert len(summary) <= LINE_CHARS + 20
    assert "\n" not in summary
    assert item_summary({"url": URL, "html": BIG_PAGE}) == ""  # url is on the line already, the page never


def test_an_item_error_names_the_url_not_the_item(formatter_and_spider: tuple[ReadableLogFormatter, Spider]) -> None:
    formatter, spider = formatter_and_spider
    item = article(URL)
    item.html = BIG_PAGE
    result = formatter.item_error(item, RuntimeError("x"), None, spider)
    assert result["level"] == logging.ERROR
    assert line(result) == f"Error processing {URL} (site kontumtv)"


def test_an_overlong_url_is_cut_in_every_line(formatter_and_spider: tuple[ReadableLogFormatter, Spider]) -> None:
    formatter, spider = formatter_and_spider
    long_url = "https://kontumtv.vn/?" + "a=1&" * 3_000
    item = article(long_url)
    drop = line(formatter.dropped(item, DropItem(f"url_too_long: {long_url}"), None, spider))
    request = Request(long_url, headers={"Referer": long_url})
    crawled = line(formatter.crawled(request, HtmlResponse(long_url, body=b"", request=request), spider))
    for text in (drop, crawled):
        assert len(text) < 2000
        assert text.count("chars)") >= 1
