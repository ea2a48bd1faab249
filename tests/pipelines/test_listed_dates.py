"""The date discovery listed beside a URL (feed, REST API, news sitemap) in the normalize and validate stages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from ingest.items import ArticleItem
from pipelines.normalize import NormalizePipeline
from pipelines.validate import ValidatePipeline
from tests.db.articles import VN, article

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
