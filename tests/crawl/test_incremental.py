"""The incremental middleware in-process: the news spider's real callbacks on real responses, through
``IncrementalMiddleware`` over a real SQLite database (no network). Statements are counted with a SQLAlchemy event
listener: one query per listing page, whatever the number of links on it. Every test runs on SQLite and on
PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, event, text

from ingest.db.engine import get_engine, session_scope
from ingest.db.models import Article, CrawlRun, RejectedPage, UrlAlias
from ingest.incremental import BATCH, IncrementalMiddleware
from ingest.items import DISCOVERED_BY_META, LISTED_DATE_META, ListedDate
from ingest.normalize import canonical_url
from ingest.paging import PAGE_META
from spiders import news
from spiders.article import ArticleSpider
from tests.crawl.test_spiders import spider_class

BASE = "http://127.0.0.1:8751"
NOW = datetime.now(UTC)
LONG_AGO = NOW - timedelta(days=30)


def article_url(n: int) -> str:
    return f"{BASE}/tin-so-{n}-post{565000 + n}.html"


def listing(numbers: Iterable[int], *, next_page: str | None = f"{BASE}/?trang=2", dated: str | None = None) -> bytes:
    links = "".join(f'<li><a href="{article_url(n)}">Tin số {n} của tỉnh</a></li>' for n in numbers)
    when = f'<time datetime="{dated}">{dated}</time>' if dated else ""
    nxt = f'<a rel="next" href="{next_page}">Trang sau</a>' if next_page else ""
    return f"<html><body><ul>{links}</ul>{when}{nxt}</body></html>".encode()


class Db:
    """A real database (SQLite in tmp_path, or PostgreSQL) with the articles and runs a test needs."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = get_engine(self.url, migrate=True)

    def store(self, url: str, *, first_seen: datetime = LONG_AGO, last_seen: datetime | None = None) -> None:
        canon = canonical_url(url)
        with session_scope(self.engine) as session:
            article = Article(
                url=url,
                canonical_url=canon,
                site="baogialai",
                content_hash=canon,
                search_text="",
                first_seen_at=first_seen,
                last_seen_at=last_seen or first_seen,
            )
            session.add(article)
            session.flush()
            if url != canon:
                session.add(UrlAlias(url=url, article_id=article.id, site="baogialai", reason="fetched_url",
                                     created_at=first_seen))  # fmt: skip

    def reject(self, url: str, *, attempts: int, resolved: bool = False) -> None:
        with session_scope(self.engine) as session:
            session.add(RejectedPage(url=url, site="baogialai", reason="no_body", first_seen_at=LONG_AGO,
                                     last_seen_at=LONG_AGO, attempts=attempts,
                                     resolved_at=NOW if resolved else None))  # fmt: skip

    def run(self, spider: str, started: datetime, finished: datetime) -> None:
        with session_scope(self.engine) as session:
            session.add(CrawlRun(spider=spider, started_at=started, finished_at=finished, status="finished",
                                 stats={}, drops={}))  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    url = str(request.getfixturevalue("pg_url")) if request.param == "postgres" else f"sqlite:///{tmp_path / 'news.db'}"
    database = Db(url)
    yield database
    for mw in _opened:  # release the middlewares' connections (a crawl does it when the spider closes)
        mw.spider_closed()
    _opened.clear()
    database.engine.dispose()


_opened: list[IncrementalMiddleware] = []


def open_middleware(
    db_url: str, name: str = "baogialai", **settings: Any
) -> tuple[news.NewsSpider, IncrementalMiddleware]:
    cls = spider_class(name)
    crawler = get_crawler(cls, {"INGEST_DB_URL": db_url, **settings})
    spider: news.NewsSpider = cls.from_crawler(crawler, start_url=f"{BASE}/")
    crawler.spider = spider
    mw = IncrementalMiddleware.from_crawler(crawler)
    _opened.append(mw)
    asyncio.run(mw.open())
    return spider, mw


def through(mw: IncrementalMiddleware, response: Any, output: Iterable[Any]) -> list[Any]:
    """A callback's output as the middleware passes it on."""

    async def source() -> AsyncIterator[Any]:
        for obj in output:
            yield obj

    async def collect() -> list[Any]:
        return [obj async for obj in mw.process_spider_output(response, source())]

    return asyncio.run(collect())


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` inside the block."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def article_requests(output: list[Any]) -> list[str]:
    return [r.url for r in output if isinstance(r, Request) and DISCOVERED_BY_META in r.meta]


def next_pages(output: list[Any]) -> list[Request]:
    return [r for r in output if isinstance(r, Request) and getattr(r.callback, "__name__", "") == "parse_listing"]


def parse_listing(
    spider: news.NewsSpider, mw: IncrementalMiddleware, url: str, body: bytes, depth: int = 1
) -> list[Any]:
    response = HtmlResponse(url, body=body, encoding="utf-8")
    return through(mw, response, spider.parse_listing(response, depth=depth))


def test_one_query_per_listing_page_holds_back_stored_articles(db: Db) -> None:
    stored = range(0, 40, 2)  # half of the page's 40 links
    for n in stored:
        db.store(article_url(n))
    spider, mw = open_middleware(db.url)
    assert mw.known is not None
    with statements(mw.known.engine) as seen:
        output = parse_listing(spider, mw, f"{BASE}/", listing(range(40)))
    assert len(seen) == 1  # one query for 40 links and the paging decision
    assert article_requests(output) == [article_url(n) for n in range(1, 40, 2)]
    assert spider.crawler.stats.get_value("ingest/skipped_known") == 20
    (nxt,) = next_pages(output)  # half the links are new: paging goes on
    assert PAGE_META not in nxt.meta  # the page's facts are for the middleware only
    # Page 2 lists only stored articles: one query again, and no page 3.
    with statements(mw.known.engine) as seen:
        output = parse_listing(spider, mw, nxt.url, listing(range(100, 130), next_page=f"{BASE}/?trang=3"), depth=2)
    assert len(seen) == 1
    assert article_requests(output) == [article_url(n) for n in range(100, 130)]  # none stored: all requested
    assert next_pages(output)
    for n in range(200, 230):
        db.store(article_url(n))
    with statements(mw.known.engine) as seen:
        output = parse_listing(
            spider, mw, f"{BASE}/?trang=3", listing(range(200, 230), next_page=f"{BASE}/?trang=4"), 3
        )
    assert len(seen) == 1
    assert output == []
    assert spider.crawler.stats.get_value("ingest/paging_stopped/all_stored") == 1


def test_all_stored_counts_only_links_of_this_page_that_earlier_crawls_stored(db: Db) -> None:
    # The page's links are requested on earlier pages of this run (not requested again), yet they still count.
    ended = NOW - timedelta(hours=1)
    db.run("baogialai", NOW - timedelta(hours=2), ended)
    for n in range(5):
        db.store(article_url(n), first_seen=ended - timedelta(minutes=5))
    db.store(article_url(5), first_seen=NOW - timedelta(minutes=1))  # stored by this run (after the last one ended)
    spider, mw = open_middleware(db.url)
    assert parse_listing(spider, mw, f"{BASE}/", listing(range(5), next_page=None)) == []
    again = parse_listing(spider, mw, f"{BASE}/chuyen-muc", listing([*range(5), 5]))
    assert article_requests(again) == []  # all stored or seen in this run
    assert next_pages(again)  # but article 5 is this run's: paging must not depend on what this run stored so far
    assert spider.crawler.stats.get_value("ingest/paging_stopped/all_stored") is None
    third = parse_listing(spider, mw, f"{BASE}/the-thao", listing(range(5)))
    assert next_pages(third) == []
    assert spider.crawler.stats.get_value("ingest/paging_stopped/all_stored") == 1


def test_pages_older_than_the_last_run_end_the_listing(db: Db) -> None:
    started = datetime(2025, 7, 10, 6, tzinfo=UTC)
    db.run("baogialai", started, started + timedelta(minutes=10))
    spider, mw = open_middleware(db.url)
    assert mw.cutoff == started - timedelta(days=1)
    recent = parse_listing(spider, mw, f"{BASE}/", listing(range(3), dated="2025-07-09T20:00:00+07:00"))
    assert len(next_pages(recent)) == 1
    page2 = listing(range(3, 6), next_page=f"{BASE}/?trang=3", dated="2025-07-01T08:00:00+07:00")
    old = parse_listing(spider, mw, f"{BASE}/?trang=2", page2, 2)
    assert next_pages(old) == []
    assert article_requests(old) == [article_url(n) for n in range(3, 6)]  # its articles are still fetched
    assert spider.crawler.stats.get_value("ingest/paging_stopped/older_than_cutoff") == 1


def test_recheck_after_hours_lets_stored_articles_through_once_due(db: Db) -> None:
    # The middleware compares with the real now: so must the test (NOW is taken when the module is imported, which
    # may be long before this test runs in a slow full suite; 10 minutes must not have become an hour).
    now = datetime.now(UTC)
    db.store(article_url(1), last_seen=now - timedelta(hours=3))
    db.store(article_url(2), last_seen=now - timedelta(minutes=10))
    spider, mw = open_middleware(db.url, INGEST_RECHECK_AFTER_HOURS=1)
    output = parse_listing(spider, mw, f"{BASE}/", listing([1, 2], next_page=None))
    assert article_requests(output) == [article_url(1)]


def test_a_page_rejected_reject_retries_times_is_no_longer_requested(db: Db) -> None:
    db.reject(article_url(1), attempts=3)  # rejected three times: skipped
    db.reject(article_url(2), attempts=2)  # twice: one more chance
    db.reject(article_url(3), attempts=5, resolved=True)  # stored since (resolved): not a reject any more
    db.reject(article_url(4) + "?utm_source=rss", attempts=4)  # under the URL the feed gives
    spider, mw = open_middleware(db.url)
    assert mw.known is not None
    with statements(mw.known.engine) as seen:
        output = parse_listing(spider, mw, f"{BASE}/", listing([1, 2, 3, 5], next_page=None))
    assert len(seen) == 1  # the reject check rides on the listing page's one query
    assert article_requests(output) == [article_url(n) for n in (2, 3, 5)]
    feed = spider.article_request(article_url(4) + "?utm_source=rss", via="feed")
    assert article_requests(through(mw, None, [feed])) == []
    assert spider.crawler.stats.get_value("ingest/skipped_rejected") == 2
    assert spider.crawler.stats.get_value("ingest/skipped_known") is None
    # 0: every rejected page is requested on every run.
    spider, mw = open_middleware(db.url, INGEST_REJECT_RETRIES=0)
    output = parse_listing(spider, mw, f"{BASE}/", listing([1, 2, 3, 5], next_page=None))
    assert article_requests(output) == [article_url(n) for n in (1, 2, 3, 5)]
    assert spider.crawler.stats.get_value("ingest/skipped_rejected") is None


def test_a_stored_tracking_url_is_fetched_once_under_its_clean_url(db: Db) -> None:
    tracked = article_url(7) + "?utm_source=rss"
    db.store(tracked)
    spider, mw = open_middleware(db.url)
    clean = spider.article_request(article_url(7), via="pattern")
    again = spider.article_request(article_url(8) + "?utm_source=rss", via="feed")
    db.store(article_url(8) + "?utm_source=rss")
    output = through(mw, None, [clean, again])
    assert article_requests(output) == [article_url(7)]  # the cleaner URL is worth one fetch; the stored one is not


def test_a_held_back_tracking_link_is_not_noted_when_its_clean_url_comes(db: Db) -> None:
    # The article was not requested under its tracking link (it is stored): the later clean link is not this run's
    # URL for it, so nothing goes to the store for it (as when the spider asked the database itself).
    db.store(article_url(9))
    spider, mw = open_middleware(db.url)
    tracked = spider.article_request(article_url(9) + "?utm_source=rss", via="feed")
    assert through(mw, None, [tracked]) == []
    assert spider.article_request(article_url(9), via="pattern") is None


def test_a_stored_articles_listed_date_goes_to_the_store(db: Db) -> None:
    db.store(article_url(3))
    spider, mw = open_middleware(db.url)
    feed = (
        "<rss version='2.0'><channel>"
        f"<item><link>{article_url(3)}</link><pubDate>Tue, 08 Jul 2025 09:30:00 +0700</pubDate></item>"
        f"<item><link>{article_url(4)}</link><pubDate>Tue, 08 Jul 2025 10:30:00 +0700</pubDate></item>"
        "</channel></rss>"
    ).encode()
    response = TextResponse(f"{BASE}/rss/home.rss", body=feed)
    with statements(mw.known.engine) as seen:  # type: ignore[union-attr]
        output = through(mw, response, spider.parse_feed(response))
    assert len(seen) == 1
    note, request = output
    assert note == ListedDate(url=article_url(3), listed_published=datetime(2025, 7, 8, 2, 30, tzinfo=UTC),
                              site="baogialai")  # fmt: skip
    assert isinstance(request, Request)
    assert request.url == article_url(4)
    assert request.meta[LISTED_DATE_META] == datetime(2025, 7, 8, 3, 30, tzinfo=UTC)
    assert spider.crawler.stats.get_value("ingest/listed_dates/sent") == 1


def test_a_huge_sitemap_is_checked_in_bounded_batches(db: Db) -> None:
    spider, mw = open_middleware(db.url)
    entries = 2 * BATCH + 7
    sitemap = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{article_url(n)}</loc></url>" for n in range(entries))
        + "</urlset>"
    ).encode()
    response = TextResponse(f"{BASE}/sitemap.xml", body=sitemap)
    with statements(mw.known.engine) as seen:  # type: ignore[union-attr]
        output = through(mw, response, spider.parse_sitemap(response))
    assert len(seen) == 3  # ceil(entries / BATCH): the held requests never exceed one batch
    assert len(article_requests(output)) == entries


def test_output_with_nothing_to_check_costs_no_query(db: Db) -> None:
    _spider, mw = open_middleware(db.url)
    item = {"url": article_url(1)}
    robots = Request(f"{BASE}/sitemap.xml")
    with statements(mw.known.engine) as seen:  # type: ignore[union-attr]
        assert through(mw, None, [item, robots]) == [item, robots]
    assert seen == []


def test_it_is_switched_off_by_the_setting_without_a_database_and_for_the_article_spider(db: Db) -> None:
    cls = spider_class("baogialai")
    for settings in ({"INGEST_DB_URL": db.url, "INGEST_INCREMENTAL": "0"}, {"INGEST_DB_URL": ""}):
        crawler = get_crawler(cls, settings)
        crawler.spider = cls.from_crawler(crawler)
        with pytest.raises(NotConfigured):
            IncrementalMiddleware.from_crawler(crawler)
    crawler = get_crawler(ArticleSpider, {"INGEST_DB_URL": db.url})
    crawler.spider = ArticleSpider.from_crawler(crawler, url=article_url(1))
    with pytest.raises(NotConfigured):
        IncrementalMiddleware.from_crawler(crawler)


def test_an_unreadable_database_closes_the_spider(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "not-a-dir").write_text("a file where the database's folder should be", encoding="utf-8")
    with pytest.raises(CloseSpider) as closed:
        open_middleware(f"sqlite:///{tmp_path}/not-a-dir/news.db")
    assert closed.value.reason == "ingest_db_error"
    assert "cannot read the database" in caplog.text


def test_a_database_error_mid_crawl_fails_the_run_and_requests_nothing(db: Db) -> None:
    spider, mw = open_middleware(db.url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE url_aliases"))
    output = parse_listing(spider, mw, f"{BASE}/", listing(range(3)))
    assert output == []
    assert spider.crawler.stats.get_value("ingest/db/errors") == 1
