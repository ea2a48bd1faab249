"""Spider classes in-process: registry-generated classes, arguments, link rules (no network)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import scrapy
import scrapy.signals

from ingest.items import LISTED_DATE_META
from ingest.paging import in_range, parse_bound
from ingest.registry import load_sites
from spiders import news
from spiders.article import ArticleSpider, read_urls
from spiders.common import build_item

ICT = timezone(timedelta(hours=7))


def spider_class(name: str) -> type[news.NewsSpider]:
    classes = [
        obj
        for obj in vars(news).values()
        if isinstance(obj, type) and issubclass(obj, news.NewsSpider) and getattr(obj, "name", None) == name
    ]
    assert len(classes) == 1
    return classes[0]


def test_one_class_per_registry_site_with_its_politeness() -> None:
    for name, site in load_sites().items():
        cls = spider_class(name)
        assert cls.site == site
        assert cls.custom_settings == dict(site.politeness)


def test_start_url_rebases_the_site() -> None:
    spider = spider_class("kontumtv")(start_url="http://127.0.0.1:8751/")
    assert spider.allowed_domains == ["127.0.0.1"]
    assert spider.site.feeds == ("http://127.0.0.1:8751/feed/",)
    assert "http://127.0.0.1:8751/category/video-clip/thoi-su/" in spider.site.start_urls
    one_page = spider_class("kontumtv")(start_url="http://127.0.0.1:8751/category/x/", allowed_domains="a.vn, b.vn")
    assert one_page.site.start_urls == ("http://127.0.0.1:8751/category/x/",)
    assert one_page.allowed_domains == ["a.vn", "b.vn"]


def test_article_links_follow_patterns_and_domains() -> None:
    spider = spider_class("baogialai")()
    assert spider.is_article_link("https://baogialai.com.vn/tin-post565021.html")
    assert spider.is_article_link("https://m.baogialai.com.vn/tin-post565021.html")
    assert not spider.is_article_link("https://baogialai.com.vn/thoi-su/")
    assert not spider.is_article_link("https://plo.vn/tin-post565021.html")
    # kontumtv has no article patterns: feed entries are trusted, listing links need the links selector.
    wp = spider_class("kontumtv")()
    assert wp.is_entry_url("https://kontumtv.vn/2025/06/01/bai-viet/")
    assert not wp.is_entry_url("https://kontumtv.vn/category/thoi-su/page/2/")


def test_since_until_bounds() -> None:
    assert parse_bound("2025-07-01") == datetime(2025, 7, 1, tzinfo=ICT)
    assert parse_bound("2025-07-01", end=True) == datetime(2025, 7, 1, 23, 59, 59, 999999, tzinfo=ICT)
    assert parse_bound(None) is None
    with pytest.raises(ValueError, match="not a date"):
        parse_bound("sometime")
    with pytest.raises(ValueError, match="max_pages"):
        spider_class("baogialai")(max_pages="0")


def test_article_spider_arguments() -> None:
    assert read_urls("https://a.vn/x, https://a.vn/x,https://b.vn/y", None) == ["https://a.vn/x", "https://b.vn/y"]
    with pytest.raises(ValueError, match="needs -a url"):
        read_urls(None, None)
    with pytest.raises(ValueError, match="unknown site"):
        ArticleSpider(url="https://a.vn/x", site="nosuchsite")
    spider = ArticleSpider(url="https://baogialai.com.vn/x-post1.html")
    site = spider.site_for("https://baogialai.com.vn/x-post1.html")
    assert site is not None
    assert site.name == "baogialai"
    assert spider.site_for("https://example.org/") is None


def test_until_looks_at_publication_not_modification() -> None:
    spider = spider_class("baogialai")(since="2025-06-01", until="2025-06-30")
    june = datetime(2025, 6, 15, tzinfo=ICT)
    july = datetime(2025, 7, 5, tzinfo=ICT)
    bounds = {"since": spider.since, "until": spider.until}
    assert in_range(july, june, **bounds)  # published in June, modified in July: in range
    assert not in_range(july, july, **bounds)
    assert not in_range(datetime(2025, 5, 1, tzinfo=ICT), None, **bounds)  # last touched before `since`
    assert in_range(None, None, **bounds)  # undated: never dropped on a guess


_UNDATED_PAGE = (
    "<html><head><title>Hội nghị tổng kết công tác năm</title></head><body><article>"
    "<h1>Hội nghị tổng kết công tác năm</h1>"
    + "<p>Ủy ban nhân dân tỉnh tổ chức hội nghị tổng kết công tác năm và triển khai nhiệm vụ năm tới.</p>" * 6
    + "</article></body></html>"
)


def test_a_listed_date_travels_with_the_request_and_a_late_one_is_kept_until_the_page_is_parsed() -> None:
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    cls = spider_class("kontumtv")
    spider = cls.from_crawler(get_crawler(cls, {"INGEST_INCREMENTAL": False}), start_url="http://127.0.0.1:8751/")
    listed = datetime(2025, 7, 8, 9, 30, tzinfo=ICT)
    first = spider.article_request("http://127.0.0.1:8751/a/1.html", published=listed)
    assert first is not None
    assert first.meta[LISTED_DATE_META] == listed
    # Found first without a date (a listing page), then with one (the feed): the date waits for the page.
    second = spider.article_request("http://127.0.0.1:8751/a/2.html")
    assert second is not None
    assert LISTED_DATE_META not in second.meta
    assert spider.article_request("http://127.0.0.1:8751/a/2.html?utm_source=rss", published=listed) is None
    for request in (first, second):
        response = HtmlResponse(request.url, body=_UNDATED_PAGE.encode(), encoding="utf-8", request=request)
        (item,) = list(spider.parse_article(response))
        # Beside the page's own date, never in its place: the normalize stage combines the two.
        assert item.listed_published == listed
        assert item.published_raw is None
    assert spider._listed_dates == {}  # used, then forgotten


def test_the_response_charset_reaches_the_decoder() -> None:
    from scrapy.http import HtmlResponse

    title = "Feira de São Paulo, três dias de festa"
    body = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>".encode("cp1252")
    declared = HtmlResponse(
        "http://127.0.0.1/a.html", body=body, headers={"Content-Type": "text/html; charset=windows-1252"}
    )
    item = build_item(declared, None)
    assert item is not None
    assert (item.encoding, item.title) == ("cp1252", title)
    undeclared = build_item(HtmlResponse("http://127.0.0.1/a.html", body=body, encoding="utf-8"), None)
    assert undeclared is not None
    assert undeclared.encoding == "cp1258"  # without the header, the Vietnamese fallback reads ã as ă


def test_a_date_listed_too_late_for_its_item_goes_to_the_store() -> None:
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from ingest.items import ListedDate

    cls = spider_class("kontumtv")
    spider = cls.from_crawler(get_crawler(cls, {"INGEST_INCREMENTAL": False}), start_url="http://127.0.0.1:8751/")
    listed = datetime(2025, 7, 8, 9, 30, tzinfo=ICT)
    request = spider.article_request("http://127.0.0.1:8751/a/1.html")
    assert request is not None
    response = HtmlResponse(request.url, body=_UNDATED_PAGE.encode(), encoding="utf-8", request=request)
    (item,) = list(spider.parse_article(response))
    assert item.listed_published is None
    # The feed lists the page after it was parsed: its date cannot ride on the item any more.
    note = spider.article_request("http://127.0.0.1:8751/a/1.html?utm_source=rss", published=listed)
    assert note == ListedDate(
        url="http://127.0.0.1:8751/a/1.html?utm_source=rss", listed_published=listed, site="kontumtv"
    )
    assert spider.article_request("http://127.0.0.1:8751/a/1.html") is None  # undated: nothing to send
    assert spider.crawler.stats.get_value("ingest/listed_dates/sent") == 1
    # A stored article not fetched again (an incremental crawl): its listed date goes to the store too
    # (tests/crawl/test_incremental.py, the middleware that holds the request back).


def test_a_dated_request_the_scheduler_drops_sends_its_date_to_the_store() -> None:
    from scrapy.utils.test import get_crawler

    from ingest.items import ListedDate

    cls = spider_class("kontumtv")
    spider = cls.from_crawler(get_crawler(cls, {"INGEST_INCREMENTAL": False}), start_url="http://127.0.0.1:8751/")
    sent: list[ListedDate] = []
    spider._send_to_pipelines = sent.append  # type: ignore[method-assign]
    listed = datetime(2025, 7, 8, 9, 30, tzinfo=ICT)
    dated = spider.article_request("http://127.0.0.1:8751/a/3.html", published=listed)
    undated = spider.article_request("http://127.0.0.1:8751/a/4.html")
    assert isinstance(dated, scrapy.Request)
    assert isinstance(undated, scrapy.Request)
    # In distributed mode another worker had requested these URLs: the shared dupefilter drops both.
    spider.crawler.signals.send_catch_log(scrapy.signals.request_dropped, request=dated, spider=spider)
    spider.crawler.signals.send_catch_log(scrapy.signals.request_dropped, request=undated, spider=spider)
    assert sent == [ListedDate(url=dated.url, listed_published=listed, site="kontumtv")]


def test_an_article_requested_under_a_tracking_link_is_noted_under_its_clean_url() -> None:
    from scrapy.utils.test import get_crawler

    from ingest.items import ListedDate

    cls = spider_class("kontumtv")
    spider = cls.from_crawler(get_crawler(cls, {"INGEST_INCREMENTAL": False}), start_url="http://127.0.0.1:8751/")
    first = spider.article_request("http://127.0.0.1:8751/a/5.html?utm_source=rss")
    assert isinstance(first, scrapy.Request)
    # The listing's plain link: the same article, not fetched again, but its cleaner URL goes to the store.
    assert spider.article_request("http://127.0.0.1:8751/a/5.html") == ListedDate(
        url="http://127.0.0.1:8751/a/5.html", site="kontumtv"
    )
    assert spider.article_request("http://127.0.0.1:8751/a/5.html") is None  # once is enough


def test_in_distributed_mode_a_late_date_also_goes_to_the_store() -> None:
    # Another worker may download the page this one requested: the date cannot wait for this process's item.
    from scrapy.utils.test import get_crawler

    from ingest.items import ListedDate

    cls = spider_class("kontumtv")
    settings = {"INGEST_INCREMENTAL": False, "INGEST_REDIS_URL": "redis://127.0.0.1:1/0"}
    spider = cls.from_crawler(get_crawler(cls, settings), start_url="http://127.0.0.1:8751/")
    listed = datetime(2025, 7, 8, 9, 30, tzinfo=ICT)
    assert isinstance(spider.article_request("http://127.0.0.1:8751/a/6.html"), scrapy.Request)
    note = spider.article_request("http://127.0.0.1:8751/a/6.html", published=listed)
    assert note == ListedDate(url="http://127.0.0.1:8751/a/6.html", listed_published=listed, site="kontumtv")
    assert spider._listed_dates  # and kept for the item, should this process parse the page
