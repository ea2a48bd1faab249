"""Each pipeline stage alone, built with build_from_crawler from a test crawler."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select, text

from ingest.db.engine import get_engine, session_scope
from ingest.db.models import Article, UrlAlias
from ingest.items import ArticleItem
from pipelines.dedup import DedupPipeline
from pipelines.normalize import NormalizePipeline
from pipelines.store import StorePipeline
from pipelines.validate import ValidatePipeline
from tests.db.articles import BODY_COFFEE, BODY_DEFENCE, BODY_FLOOD, FETCHED, VN, article
from tests.pipelines.chain import make_crawler


def normalized(item: ArticleItem) -> ArticleItem:
    return build_from_crawler(NormalizePipeline, get_crawler()).process_item(item)


# --- normalize ----------------------------------------------------------------------------------------------------


def test_normalize_fills_normalised_fields_and_keeps_raw_ones() -> None:
    item = article("https://www.kontumtv.vn/a/1.html?utm_source=fb", title="  Thuỷ điện  hoà bình ")
    out = normalized(item)
    assert out.title == "Thuỷ điện hoà bình"  # spacing cleaned; the printed tone-mark style is kept for display
    assert out.published == datetime(2025, 7, 8, 16, 45, tzinfo=VN)
    assert out.published_precision == "minute"
    assert out.published_raw == "08/07/2025 16:45"
    assert out.authors == ["Hoài Nam"]
    assert set(out.author_roles["Hoài Nam"]) == {"writer", "photographer"}
    assert out.byline_raw == "Tin, ảnh: Hoài Nam"
    assert out.canonical_url == "https://kontumtv.vn/a/1.html"
    assert out.url == "https://www.kontumtv.vn/a/1.html?utm_source=fb"


def test_normalize_uses_fetched_at_as_the_reference() -> None:
    # A year-less dateline ("Chiều 8/7") takes its year from the fetch time, not from today.
    for year in (2019, 2024):
        item = article("https://kontumtv.vn/a/1.html", published_raw=None, fetched_at=FETCHED.replace(year=year))
        out = normalized(item)
        assert out.published is not None
        assert (out.published.year, out.published.month, out.published.day) == (year, 7, 8)
        assert out.part_of_day == "chiều"


def test_normalize_counts_bodies_from_the_generic_fallback_extractor() -> None:
    crawler = get_crawler()
    stage = build_from_crawler(NormalizePipeline, crawler)
    stage.process_item(article("https://kontumtv.vn/a/1.html"))
    stage.process_item(replace(article("https://kontumtv.vn/a/2.html"), fallback_body=True))
    assert crawler.stats is not None
    assert crawler.stats.get_value("ingest/extract/fallback_body") == 1


def test_normalize_accepts_dict_items() -> None:
    out = normalized({"url": "https://kontumtv.vn/a/1.html", "title": " Hòa  bình", "body": "Sáng 8/7, họp."})
    assert out["title"] == "Hòa bình"
    assert out["canonical_url"] == "https://kontumtv.vn/a/1.html"


# --- validate ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"title": None}, "no_title"),
        ({"title": "   "}, "no_title"),
        ({"body": ""}, "no_body"),
        ({"body": "Chiều 8/7, hội nghị tổng kết."}, "short_body"),
        ({"url": ""}, "no_url"),
        ({"canonical_url": "https://kontumtv.vn/" + "a" * 2000}, "url_too_long"),
        ({"published": FETCHED + timedelta(days=3)}, "future_date"),
        # A listing: teaser lines, no date of its own, no byline.
        (
            {"body": "\n\n".join(["Tin mới: khai mạc hội chợ"] * 14), "published": None, "published_raw": None},
            "listing_page",
        ),
    ],
)
def test_validate_drops_non_articles_with_a_counted_reason(changes: dict[str, object], reason: str) -> None:
    crawler = get_crawler()
    stage = build_from_crawler(ValidatePipeline, crawler)
    item = replace(normalized(article("https://kontumtv.vn/a/1.html")), **changes)
    with pytest.raises(DropItem, match=rf"^{reason}:"):
        stage.process_item(item)
    assert crawler.stats.get_value(f"ingest/dropped/{reason}") == 1
    assert crawler.stats.get_value(f"ingest/dropped/{reason}/kontumtv") == 1


def test_validate_passes_articles_and_reads_the_min_body_setting() -> None:
    item = normalized(article("https://kontumtv.vn/a/1.html"))
    assert build_from_crawler(ValidatePipeline, get_crawler()).process_item(item) is item
    strict = get_crawler(settings_dict={"INGEST_MIN_BODY_CHARS": 5000})
    with pytest.raises(DropItem, match=r"^short_body"):
        build_from_crawler(ValidatePipeline, strict).process_item(item)
    site_less = replace(item, site=None, title="")
    crawler = get_crawler()
    with pytest.raises(DropItem):
        build_from_crawler(ValidatePipeline, crawler).process_item(site_less)
    assert crawler.stats.get_value("ingest/dropped/no_title/unknown") == 1


# --- dedup -------------------------------------------------------------------------------------------------------


def test_dedup_sets_keys_and_drops_only_repeats_of_the_same_url() -> None:
    crawler = get_crawler()
    stage = build_from_crawler(DedupPipeline, crawler)
    first = stage.process_item(normalized(article("https://kontumtv.vn/a/1.html")))
    assert first.content_hash is not None
    assert len(first.content_hash) == 64
    assert isinstance(first.fingerprint, int)
    other_url = stage.process_item(normalized(article("https://baokontum.vn/b/9", site="baokontum")))
    assert other_url.content_hash == first.content_hash  # passed on: the store records it as an alias
    with pytest.raises(DropItem, match=r"^repeat_in_run"):
        stage.process_item(normalized(article("https://kontumtv.vn/a/1.html")))
    assert crawler.stats.get_value("ingest/dropped/repeat_in_run") == 1
    changed = stage.process_item(normalized(article("https://kontumtv.vn/a/1.html", body=BODY_FLOOD)))
    assert changed.content_hash != first.content_hash


# --- store -------------------------------------------------------------------------------------------------------


def ready(url: str, **kw: object) -> ArticleItem:
    item = normalized(article(url, **kw))  # type: ignore[arg-type]
    return build_from_crawler(DedupPipeline, get_crawler()).process_item(item)


def stored_urls(db_url: str) -> list[str]:
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        urls = list(session.scalars(select(Article.canonical_url).order_by(Article.id)))
    engine.dispose()
    return urls


def test_store_writes_in_batches_and_flushes_the_rest_on_close(db_url: str) -> None:
    crawler = make_crawler(db_url, INGEST_STORE_BATCH_SIZE=2)
    stage = build_from_crawler(StorePipeline, crawler)
    stage.open_spider()
    urls = [f"https://kontumtv.vn/a/{i}.html" for i in range(3)]
    bodies = [BODY_DEFENCE, BODY_COFFEE, BODY_FLOOD]
    stage.process_item(ready(urls[0], body=bodies[0]))
    assert stored_urls(db_url) == []  # the open batch is in memory only
    stage.process_item(ready(urls[1], body=bodies[1], title="Cà phê"))
    assert stored_urls(db_url) == urls[:2]
    stage.process_item(ready(urls[2], body=bodies[2], title="Mưa lũ"))
    stage.close_spider()
    assert stored_urls(db_url) == urls
    assert crawler.stats.get_value("ingest/stored") == 3


def test_store_counts_each_outcome(db_url: str) -> None:
    crawler = make_crawler(db_url, INGEST_STORE_BATCH_SIZE=10)
    stage = build_from_crawler(StorePipeline, crawler)
    stage.open_spider()
    stage.process_item(ready("https://kontumtv.vn/a/1.html"))
    stage.process_item(ready("https://baokontum.vn/b/9", site="baokontum"))
    stage.close_spider()
    assert crawler.stats.get_value("ingest/stored") == 1
    assert crawler.stats.get_value("ingest/duplicate_exact") == 1
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        assert session.scalars(select(UrlAlias.url)).all() == ["https://baokontum.vn/b/9"]
    engine.dispose()


def test_store_database_error_fails_loudly_and_stops_storing(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    engine = get_engine(db_url)
    with engine.begin() as conn:  # a real database error on every article insert
        conn.execute(text("CREATE TRIGGER boom BEFORE INSERT ON articles BEGIN SELECT RAISE(ABORT, 'disk full'); END"))
    engine.dispose()
    crawler = make_crawler(db_url, INGEST_STORE_BATCH_SIZE=1)
    stage = build_from_crawler(StorePipeline, crawler)
    stage.open_spider()
    stage.process_item(ready("https://kontumtv.vn/a/1.html"))  # the failing flush is logged, not raised here
    assert crawler.stats.get_value("ingest/db/errors") == 1
    assert crawler.stats.get_value("ingest/db/lost") == 1
    with pytest.raises(DropItem, match=r"^ingest_db_error"):
        stage.process_item(ready("https://kontumtv.vn/a/2.html", body=BODY_COFFEE))
    stage.close_spider()
    assert crawler.stats.get_value("ingest/dropped/ingest_db_error/kontumtv") == 1


def test_store_refuses_a_bad_batch_size() -> None:
    with pytest.raises(ValueError, match="INGEST_STORE_BATCH_SIZE"):
        build_from_crawler(StorePipeline, get_crawler(settings_dict={"INGEST_STORE_BATCH_SIZE": 0}))


def test_store_open_fails_on_an_unreachable_database(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    stage = build_from_crawler(StorePipeline, make_crawler(f"sqlite:///{blocker}/news.db"))
    # A parent that is a file: nothing can be stored, so the crawl must not start.
    with pytest.raises(OSError, match=re.escape(str(blocker))):
        stage.open_spider()


def test_project_pipelines_load_without_warnings() -> None:
    from scrapy.pipelines import ItemPipelineManager
    from scrapy.utils.project import get_project_settings

    manager = ItemPipelineManager.from_crawler(get_crawler(settings_dict=dict(get_project_settings())))
    names = [type(m).__name__ for m in manager.middlewares]
    assert names == ["NormalizePipeline", "ValidatePipeline", "DedupPipeline", "StorePipeline"]


def test_counting_helper_sees_rows(db_url: str) -> None:
    crawler = make_crawler(db_url)
    stage = build_from_crawler(StorePipeline, crawler)
    stage.open_spider()
    stage.process_item(ready("https://kontumtv.vn/a/1.html"))
    stage.close_spider()
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 1
    engine.dispose()


def test_dedup_sets_the_search_text_the_store_would_compute() -> None:
    from ingest.dedup import content_hash, fingerprint
    from ingest.normalize import search_key_of_parts

    out = ready("https://kontumtv.vn/a/1.html", title="  Thuỷ điện  Đắk Lắk ")
    assert out.search_text == search_key_of_parts(out.title, out.lead, out.body)
    assert out.search_text.startswith("thuy dien dak lak")
    # The three keys computed at once are the ones each function gives on its own.
    assert (out.content_hash, out.fingerprint) == (content_hash(out.title, out.body), fingerprint(out.title, out.body))


def test_dedup_remembers_a_bounded_window_of_recent_items() -> None:
    crawler = get_crawler(settings_dict={"INGEST_REPEAT_WINDOW": 2})
    stage = build_from_crawler(DedupPipeline, crawler)
    items = [normalized(article(f"https://kontumtv.vn/a/{n}.html")) for n in range(4)]
    stage.process_item(items[0])
    stage.process_item(items[1])
    with pytest.raises(DropItem, match=r"^repeat_in_run"):
        stage.process_item(normalized(article("https://kontumtv.vn/a/1.html")))  # within the window
    stage.process_item(items[2])
    stage.process_item(items[3])
    # Out of the window: passed on (the store records it as unchanged); the memory stays at two digests.
    assert stage.process_item(normalized(article("https://kontumtv.vn/a/0.html"))) is not None
    assert len(stage._recent) == 2
    assert crawler.stats.get_value("ingest/dropped/repeat_in_run") == 1


def test_dedup_refuses_an_empty_window() -> None:
    with pytest.raises(ValueError, match="INGEST_REPEAT_WINDOW"):
        build_from_crawler(DedupPipeline, get_crawler(settings_dict={"INGEST_REPEAT_WINDOW": 0}))


def test_store_records_hold_the_same_fields_as_the_item_adapter_gives() -> None:
    from itemadapter import ItemAdapter

    from pipelines.store import _record

    item = ready("https://kontumtv.vn/a/1.html")
    assert _record(item) == ItemAdapter(item).asdict()
    as_dict = {"url": "https://kontumtv.vn/a/2.html", "images": [{"url": "https://kontumtv.vn/i.jpg"}]}
    assert _record(as_dict) == as_dict
