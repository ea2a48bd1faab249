"""The validate stage's use of ``discovered_by``, and ``ingest.rejects.RejectRecorder`` in-process: the real
pipeline stages and a real crawler's signals (sent as Scrapy's scraper sends them), on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from twisted.python.failure import Failure

from ingest.db.engine import get_engine, session_scope
from ingest.db.models import Article, RejectedPage
from ingest.db.rejects import origin
from ingest.items import DISCOVERED_BY_META, ArticleItem
from ingest.registry import load_sites
from ingest.rejects import RejectItem, RejectRecorder
from ingest.validate import REQUESTED_AS_ARTICLE
from ingest.verdict import run_status
from pipelines import normalize as normalize_stage
from pipelines.validate import ValidatePipeline
from tests.crawl.lossless_site import undated_article
from tests.db.articles import FETCHED, article
from tests.pipelines.chain import STAGES, make_crawler


def page_item(url: str, html: str, *, discovered_by: str | None) -> ArticleItem:
    """What a spider yields for ``html`` fetched from ``url`` (``spiders.common.build_item``'s fields)."""
    from dataclasses import fields

    from ingest.extract import extract_article

    extracted = extract_article(html.encode(), url, fetched_at=FETCHED)
    names = {f.name for f in fields(ArticleItem)}
    raw = {k: v for k, v in vars(extracted).items() if k in names and k != "url"}
    return ArticleItem(url=url, site="kontumtv", fetched_at=FETCHED, http_status=200, html=html.encode(),
                       discovered_by=discovered_by, **raw)  # fmt: skip


def run_with_signals(crawler: Crawler, items: Iterable[Any]) -> list[Any]:
    """The four stages on each item, sending ``item_dropped``/``item_scraped``/``item_error`` as Scrapy does."""
    stages = [build_from_crawler(cls, crawler) for cls in STAGES]
    for stage in stages:
        if hasattr(stage, "open_spider"):
            stage.open_spider()
    passed = []
    for item in items:
        try:
            for stage in stages:
                item = stage.process_item(item)
        except DropItem as exc:
            crawler.signals.send_catch_log(signals.item_dropped, item=item, response=None, exception=exc)
        except Exception:
            crawler.signals.send_catch_log(signals.item_error, item=item, response=None, failure=Failure())
        else:
            passed.append(item)
            crawler.signals.send_catch_log(signals.item_scraped, item=item, response=None)
    for stage in stages:
        if hasattr(stage, "close_spider"):
            stage.close_spider()
    return passed


def recorder_for(db_url: str) -> tuple[Crawler, RejectRecorder]:
    crawler = make_crawler(db_url)
    crawler.spider = Spider(name="kontumtv", site=load_sites()["kontumtv"])
    recorder = build_from_crawler(RejectRecorder, crawler)
    recorder.spider_opened()
    return crawler, recorder


def kept(db_url: str) -> dict[str, RejectedPage]:
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        found = {r.url: r for r in session.scalars(select(RejectedPage))}
        session.expunge_all()
    engine.dispose()
    return found


# --- validate: requested as an article, or not ---------------------------------------------------------------------


@pytest.mark.parametrize("route", sorted(REQUESTED_AS_ARTICLE))
def test_a_page_requested_as_an_article_is_never_a_listing(route: str) -> None:
    crawler = get_crawler()
    stage = build_from_crawler(ValidatePipeline, crawler)
    item = normalize_stage.NormalizePipeline(crawler).process_item(
        page_item("https://kontumtv.vn/bai-viet/tu-rss/", undated_article("tu-rss"), discovered_by=route)
    )
    assert item.published is None  # nothing dates it
    assert not item.authors  # nor signs it
    assert stage.process_item(item) is item
    assert crawler.stats.get_value("ingest/undated") == 1
    # The other rules still hold for it.
    with pytest.raises(RejectItem, match=r"^short_body"):
        stage.process_item(replace(item, body="Quá ngắn."))
    with pytest.raises(RejectItem, match=r"^future_date") as raised:
        stage.process_item(replace(item, published=FETCHED + timedelta(days=3)))
    assert raised.value.reason == "future_date"


@pytest.mark.parametrize("route", ["generic", None])
def test_a_page_reached_otherwise_still_passes_the_listing_test(route: str | None) -> None:
    crawler = get_crawler()
    stage = build_from_crawler(ValidatePipeline, crawler)
    item = normalize_stage.NormalizePipeline(crawler).process_item(
        page_item("https://kontumtv.vn/bai-viet/tu-danh-sach/", undated_article("tu-danh-sach"), discovered_by=route)
    )
    with pytest.raises(RejectItem, match=r"^listing_page") as raised:
        stage.process_item(item)
    assert raised.value.reason == "listing_page"
    assert str(route or "an unknown route") in (raised.value.detail or "")
    assert crawler.stats.get_value("ingest/dropped/listing_page") == 1
    assert crawler.stats.get_value("ingest/undated") is None
    # A dated article reached the same way passes: the test is only about listings.
    assert stage.process_item(
        normalize_stage.NormalizePipeline(crawler).process_item(article("https://kontumtv.vn/a/"))
    )


# --- the recorder --------------------------------------------------------------------------------------------------


def test_rejected_items_are_kept_with_their_html_and_counted(db_url: str) -> None:
    crawler, recorder = recorder_for(db_url)
    base = "https://kontumtv.vn/bai-viet"
    listing_like = undated_article("tu-danh-sach")
    items = [
        page_item(f"{base}/tu-rss/", undated_article("tu-rss"), discovered_by="feed"),
        page_item(f"{base}/tu-danh-sach/", listing_like, discovered_by="generic"),
        replace(article(f"{base}/ngan/"), body="Chiều 8/7, họp.", html=b"<p>short</p>", discovered_by="pattern"),
        article(f"{base}/lap-lai/"),
        article(f"{base}/lap-lai/"),  # an in-run repeat: dropped, not a reject
    ]  # fmt: skip
    passed = run_with_signals(crawler, items)
    recorder.spider_closed()
    assert [i.url for i in passed] == [f"{base}/tu-rss/", f"{base}/lap-lai/"]
    rejects = kept(db_url)
    assert {u: r.reason for u, r in rejects.items()} == {f"{base}/tu-danh-sach/": "listing_page",
                                                         f"{base}/ngan/": "short_body"}  # fmt: skip
    listing = rejects[f"{base}/tu-danh-sach/"]
    assert zlib.decompress(listing.html_zlib or b"") == listing_like.encode()
    assert (listing.fetched_at, listing.http_status, listing.site, listing.attempts) == (FETCHED, 200, "kontumtv", 1)
    assert listing.crawl_run_id is None  # no run recorder in this test
    assert origin(listing.detail) == "generic"
    assert origin(rejects[f"{base}/ngan/"].detail) == "pattern"
    stats = crawler.stats.get_stats()
    assert (stats["ingest/rejected"], stats["ingest/rejected/listing_page"], stats["ingest/rejected/short_body"]) == (
        2, 1, 1)  # fmt: skip
    assert stats["ingest/dropped/repeat_in_run"] == 1
    assert stats["ingest/undated"] == 1
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        undated = session.scalars(select(Article).where(Article.url == f"{base}/tu-rss/")).one()
        assert undated.published_at is None
    engine.dispose()


def test_a_normaliser_error_is_kept_as_a_reject(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_a: object, **_k: object) -> dict[str, object]:
        raise RuntimeError("normaliser bug")

    crawler, recorder = recorder_for(db_url)
    monkeypatch.setattr(normalize_stage, "normalize_extracted", broken)  # a fault injected into one stage
    run_with_signals(crawler, [article("https://kontumtv.vn/a/1.html")])
    recorder.spider_closed()
    (row,) = kept(db_url).values()
    assert (row.url, row.reason, row.detail) == ("https://kontumtv.vn/a/1.html", "normalize_error",
                                                 "RuntimeError: normaliser bug")  # fmt: skip
    assert crawler.stats.get_value("ingest/dropped/normalize_error") == 1
    assert crawler.stats.get_value("ingest/rejected/normalize_error") == 1


def test_article_pages_whose_callback_or_pipeline_raised_are_kept(db_url: str) -> None:
    crawler, recorder = recorder_for(db_url)
    body = undated_article("tu-api").encode()
    article_page = HtmlResponse(
        "https://kontumtv.vn/bai-viet/tu-api/", body=body, encoding="utf-8",
        request=Request("https://kontumtv.vn/bai-viet/tu-api/", meta={DISCOVERED_BY_META: "api"}),
    )  # fmt: skip
    listing = HtmlResponse(
        "https://kontumtv.vn/", body=b"<html></html>", encoding="utf-8", request=Request("https://kontumtv.vn/")
    )
    for response in (article_page, listing):
        try:
            raise ValueError("extractor bug\nsecond line")
        except ValueError:
            crawler.signals.send_catch_log(signals.spider_error, failure=Failure(), response=response)
    crawler.signals.send_catch_log(
        signals.item_error, item=article("https://kontumtv.vn/b/"), response=None, failure=Failure(KeyError("x"))
    )
    recorder.spider_closed()
    rejects = kept(db_url)
    assert {u: r.reason for u, r in rejects.items()} == {
        "https://kontumtv.vn/bai-viet/tu-api/": "extract_error", "https://kontumtv.vn/b/": "pipeline_error"
    }  # fmt: skip
    page = rejects["https://kontumtv.vn/bai-viet/tu-api/"]
    assert zlib.decompress(page.html_zlib or b"") == body
    assert page.detail == "ValueError: extractor bug [discovered_by=api]"
    assert page.site == "kontumtv"  # the spider's registry site
    assert crawler.stats.get_value("ingest/rejected") == 2


def test_a_database_error_fails_the_run_and_later_rejects_are_counted_as_lost(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    get_engine(db_url, migrate=True).dispose()
    with sqlite3.connect(tmp_path / "news.db") as conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON rejected_pages BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    crawler, recorder = recorder_for(db_url)
    for n in (1, 2):
        item = replace(article(f"https://kontumtv.vn/{n}/"), title=None)
        crawler.signals.send_catch_log(
            signals.item_dropped, item=item, response=None, exception=RejectItem("no_title", "no headline found")
        )
    recorder.spider_closed()
    stats = crawler.stats.get_stats()
    assert stats["ingest/db/errors"] == 1
    assert stats["ingest/dropped/ingest_db_error"] == 1  # the second one, after the failure
    assert "ingest/rejected" not in stats
    assert run_status("finished", stats) == "failed"
