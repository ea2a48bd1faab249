"""The date discovery listed beside a URL (feed, REST API, news sitemap) in the normalize and validate stages."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from ingest.db.engine import get_engine, session_scope
from ingest.db.models import Article
from ingest.items import ArticleItem, ListedDate
from pipelines.normalize import NormalizePipeline
from pipelines.validate import ValidatePipeline
from tests.db.articles import VN, article
from tests.pipelines.chain import STAGES, make_crawler, run_chain

URL = "https://kontumtv.vn/a/1.html"
API_MINUTE = datetime(2025, 7, 8, 9, 45, tzinfo=UTC)  # 16:45 in Vietnam, on the page's day (8 July)


def _normalized(item: ArticleItem) -> tuple[ArticleItem, int]:
    crawler = get_crawler()
    out = build_from_crawler(NormalizePipeline, crawler).process_item(item)
    assert crawler.stats is not None
    return out, int(crawler.stats.get_value("ingest/published_from_discovery", 0))


def test_a_listed_minute_refines_the_day_the_page_prints() -> None:
    out, counted = _normalized(replace(article(URL, published_raw="08/07/2025"), listed_published=API_MINUTE))
    assert (out.published, out.published_precision) == (API_MINUTE.astimezone(VN), "second")
    assert out.published_raw == API_MINUTE.isoformat()  # the raw string of the date that won
    assert out.listed_published == API_MINUTE  # kept beside it
    assert counted == 1


def test_a_listed_date_on_another_day_does_not_replace_the_page_date() -> None:
    other_day = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
    out, counted = _normalized(replace(article(URL, published_raw="08/07/2025"), listed_published=other_day))
    assert (out.published, out.published_precision) == (datetime(2025, 7, 8, tzinfo=VN), "day")
    assert out.published_raw == "08/07/2025"
    assert counted == 0


def test_the_page_minute_stands_against_a_listed_day() -> None:
    listed_day = datetime(2025, 7, 8, tzinfo=VN)  # a feed that gives only the day
    out, counted = _normalized(replace(article(URL), listed_published=listed_day))
    assert (out.published, out.published_raw) == (datetime(2025, 7, 8, 16, 45, tzinfo=VN), "08/07/2025 16:45")
    assert counted == 0


def test_a_page_without_a_date_takes_the_listed_one() -> None:
    undated = replace(article(URL, published_raw=None, body="Nội dung không có ngày tháng. " * 20))
    out, counted = _normalized(replace(undated, listed_published=API_MINUTE))
    assert out.published == API_MINUTE
    assert counted == 1
    alone, _ = _normalized(undated)
    assert (alone.published, alone.published_raw) == (None, None)


def _validate(item: ArticleItem, **bounds: datetime | None) -> tuple[bool, int]:
    crawler = get_crawler()
    crawler.spider = SimpleNamespace(since=bounds.get("since"), until=bounds.get("until"))
    stage = build_from_crawler(ValidatePipeline, crawler)
    normalized, _ = _normalized(item)
    try:
        stage.process_item(normalized)
    except DropItem:
        kept = False
    else:
        kept = True
    assert crawler.stats is not None
    return kept, int(crawler.stats.get_value("ingest/skipped_out_of_range", 0))


@pytest.mark.parametrize(
    ("since", "until", "kept"),
    [
        (datetime(2025, 7, 9, tzinfo=VN), None, False),  # before `since`
        (None, datetime(2025, 7, 7, 23, 59, tzinfo=VN), False),  # after `until`
        (datetime(2025, 7, 8, tzinfo=VN), datetime(2025, 7, 8, 23, 59, tzinfo=VN), True),  # inside
        (None, None, True),  # no range
    ],
)
def test_the_validate_stage_skips_articles_dated_outside_the_range(
    since: datetime | None, until: datetime | None, kept: bool
) -> None:
    assert _validate(article(URL), since=since, until=until) == (kept, 0 if kept else 1)


def test_the_range_reads_the_combined_date_and_keeps_undated_articles() -> None:
    # The page prints 8 July; discovery's minute refines it. Undated pages are kept: no date, no guess.
    since = datetime(2025, 7, 8, 16, 0, tzinfo=VN)  # the day alone (midnight) lies before it, 16:45 after
    day_only = article(URL, published_raw="08/07/2025")
    assert _validate(day_only, since=since) == (False, 1)
    assert _validate(replace(day_only, listed_published=API_MINUTE), since=since) == (True, 0)
    undated = article(URL, published_raw=None, body="Nội dung không có ngày tháng. " * 20)
    assert _validate(undated, since=since)[1] == 0  # never counted out of range (other checks may still drop it)


# --- the store stage: listed dates that arrive apart from their article -----------------------------------------

LATE_PAGE = "https://kontumtv.vn/a/late.html"


def _stored_date(db_url: str) -> tuple[datetime | None, str | None]:
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        row = session.execute(select(Article.published_at, Article.published_precision)).one()
    engine.dispose()
    return row.published_at, row.published_precision


def _page() -> ArticleItem:
    return article(LATE_PAGE, published_raw="08/07/2025")  # the page prints the day only


@pytest.mark.parametrize("note_first", [False, True])
def test_the_store_stage_applies_a_listed_date_whichever_came_first(db_url: str, note_first: bool) -> None:
    note = ListedDate(url=LATE_PAGE + "?utm_source=rss", listed_published=API_MINUTE, site="kontumtv")
    items: list[Any] = [note, _page()] if note_first else [_page(), note]
    crawler = make_crawler(db_url, INGEST_STORE_BATCH_SIZE=5)
    passed, dropped = run_chain(crawler, items)
    assert [type(i) for i in passed] == [ArticleItem]  # the date is consumed by the store, never exported
    assert dropped == [f"listed_date: {note.url} (consumed by the store)"]
    assert _stored_date(db_url) == (API_MINUTE, "second")
    assert crawler.stats is not None
    assert crawler.stats.get_value("ingest/listed_dates/applied") == 1
    # Same row as when the date came with the page.
    with_item = db_url.replace("news.db", "with_item.db") if db_url.startswith("sqlite") else None
    if with_item is not None:
        run_chain(make_crawler(with_item), [replace(_page(), listed_published=API_MINUTE)])
        assert _stored_date(with_item) == _stored_date(db_url)


def test_a_listed_date_whose_article_never_comes_is_counted(tmp_path: Any) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    crawler = make_crawler(db_url)
    run_chain(crawler, [ListedDate(url=LATE_PAGE, listed_published=API_MINUTE, site="kontumtv")])
    assert crawler.stats is not None
    assert crawler.stats.get_value("ingest/listed_dates/missing") == 1
    assert crawler.stats.get_value("ingest/listed_dates/unmatched") == 1


@pytest.mark.redis
def test_workers_share_waiting_dates_through_redis(tmp_path: Any, redis_srv: Any) -> None:
    # Worker B meets the date while worker A still holds the page in its open batch: B finds no article and leaves
    # the date in redis; A takes it when it commits the page.
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    key = f"test{id(tmp_path)}"
    workers = []
    for _ in range(2):
        crawler = make_crawler(db_url, INGEST_REDIS_URL=redis_srv.url, INGEST_STORE_BATCH_SIZE=10)
        crawler.spider = SimpleNamespace(name=key)
        stages = [build_from_crawler(cls, crawler) for cls in STAGES]
        for stage in stages:
            if hasattr(stage, "open_spider"):
                stage.open_spider()
        workers.append((crawler, stages))

    def push(stages: list[Any], item: Any) -> None:
        with contextlib.suppress(DropItem):
            for stage in stages:
                item = stage.process_item(item)

    (crawler_a, stages_a), (crawler_b, stages_b) = workers
    push(stages_a, _page())  # buffered in A's open batch, not committed
    push(stages_b, ListedDate(url=LATE_PAGE + "?utm_source=rss", listed_published=API_MINUTE, site="kontumtv"))
    stages_b[-1].close_spider()  # B applies its dates: the article is not there yet
    assert crawler_b.stats is not None
    assert crawler_b.stats.get_value("ingest/listed_dates/missing") == 1
    stages_a[-1].close_spider()  # A commits the page, then takes the dates waiting for it
    assert crawler_a.stats is not None
    assert crawler_a.stats.get_value("ingest/listed_dates/applied") == 1
    assert _stored_date(db_url) == (API_MINUTE, "second")
    client = redis.Redis.from_url(redis_srv.url)
    assert client.hlen(f"{key}:listed_dates") == 0  # taken under one of its URLs, gone under both
    client.close()
