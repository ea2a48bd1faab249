"""How a page came to be requested travels from the spiders' requests to their items (``discovered_by``), and an
answer that is not a web page is a counted drop: the spiders' callbacks in-process on real Scrapy responses."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.test import get_crawler

from ingest.items import DISCOVERED_BY_META, ArticleItem
from spiders import news
from spiders.article import ArticleSpider
from tests.crawl.lossless_site import PDF, undated_article
from tests.crawl.test_spiders import spider_class

BASE = "http://127.0.0.1:8751"


def make_spider(name: str) -> news.NewsSpider:
    cls = spider_class(name)
    spider: news.NewsSpider = cls.from_crawler(get_crawler(cls, {"INGEST_INCREMENTAL": False}), start_url=f"{BASE}/")
    return spider


def requests(output: Iterable[Any]) -> list[Request]:
    """The article requests among a callback's output (not the next listing or API page)."""
    return [r for r in output if isinstance(r, Request) and getattr(r.callback, "__name__", "") == "parse_article"]


def items_of(spider: Any, request: Request, body: bytes) -> list[ArticleItem]:
    response = HtmlResponse(request.url, body=body, encoding="utf-8", request=request)
    return list(spider.parse_article(response))


def test_every_discovery_route_is_named_on_the_request_and_the_item() -> None:
    spider = make_spider("kontumtv")  # no article patterns: listing links come through the `links` selector
    feed = (f"<rss version='2.0'><channel><item><link>{BASE}/bai-viet/tu-rss/</link></item></channel></rss>").encode()
    sitemap = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{BASE}/bai-viet/tu-sitemap/</loc></url></urlset>"
    ).encode()
    api = json.dumps([{"link": f"{BASE}/bai-viet/tu-api/"}]).encode()
    listing = f'<html><body><h2><a rel="bookmark" href="{BASE}/bai-viet/tu-danh-sach/">x</a></h2></body></html>'
    found = {
        "feed": requests(spider.parse_feed(TextResponse(f"{BASE}/feed/", body=feed))),
        "sitemap": requests(spider.parse_sitemap(TextResponse(f"{BASE}/wp-sitemap.xml", body=sitemap))),
        "api": requests(spider.parse_wp_json(TextResponse(f"{BASE}/wp-json/", body=api), page=1, root=f"{BASE}/")),
        "selector": requests(
            spider.parse_listing(HtmlResponse(f"{BASE}/", body=listing.encode(), encoding="utf-8"), depth=1)
        ),
    }
    for route, (request,) in found.items():
        assert request.meta[DISCOVERED_BY_META] == route
        (item,) = items_of(spider, request, undated_article("tu-rss").encode())
        assert item.discovered_by == route

    patterned = make_spider("baogialai")  # article patterns (and a links selector): its links are "pattern"
    link = f"{BASE}/tin-moi-post565021.html"
    page = HtmlResponse(f"{BASE}/", body=f'<a class="cms-link" href="{link}">tin</a>'.encode(), encoding="utf-8")
    (request,) = requests(patterned.parse_listing(page, depth=1))
    assert request.meta[DISCOVERED_BY_META] == "pattern"


def test_the_article_spider_says_url_and_a_redirect_keeps_the_route() -> None:
    crawler = get_crawler(ArticleSpider)
    spider = ArticleSpider.from_crawler(crawler, url=f"{BASE}/bai-viet/tu-rss/")
    (request,) = _start(spider)
    assert request.meta[DISCOVERED_BY_META] == "url"
    # Scrapy's redirect middleware copies the meta onto the new request: the page is still one the user asked for.
    redirected = request.replace(url=f"{BASE}/bai-viet/tu-rss-moi/")
    (item,) = items_of(spider, redirected, undated_article("tu-rss").encode())
    assert item.discovered_by == "url"


def _start(spider: ArticleSpider) -> list[Request]:
    import asyncio

    async def collect() -> list[Request]:
        return [r async for r in spider.start()]

    return asyncio.run(collect())


@pytest.mark.parametrize("name", ["kontumtv", "article"])
def test_a_non_html_answer_is_a_counted_logged_drop(name: str, caplog: pytest.LogCaptureFixture) -> None:
    if name == "article":
        spider: Any = ArticleSpider.from_crawler(get_crawler(ArticleSpider), url=f"{BASE}/tai-lieu.pdf")
    else:
        spider = make_spider(name)
    request = Request(f"{BASE}/tai-lieu.pdf", meta={DISCOVERED_BY_META: "feed"})
    response = Response(request.url, body=PDF, headers={"Content-Type": "application/pdf"}, request=request)
    with caplog.at_level("INFO"):
        assert list(spider.parse_article(response)) == []
    assert spider.crawler.stats.get_value("ingest/dropped/not_html") == 1
    assert any(f"{BASE}/tai-lieu.pdf" in r.getMessage() and "application/pdf" in r.getMessage() for r in caplog.records)
