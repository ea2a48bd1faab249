"""ingest.runs: the crawl_runs record, in-process and through a real `scrapy runspider` process."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.misc import build_from_crawler
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from ingest.db.engine import get_engine, session_scope
from ingest.db.models import Article, CrawlRun
from ingest.runs import CrawlRunRecorder, json_stats
from ingest.verdict import drops_per_reason, run_status
from tests.pipelines.chain import make_crawler

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("reason", "stats", "status"),
    [
        ("finished", {}, "finished"),
        ("finished", {"ingest/db/errors": 1}, "failed"),  # the last batch failed while closing
        ("ingest_db_error", {}, "failed"),
        ("shutdown", {}, "cancelled"),
        ("closespider_pagecount", {}, "limited"),
        ("since_reached", {}, "finished"),  # a spider's own deliberate reason
    ],
)
def test_run_status(reason: str, stats: dict[str, int], status: str) -> None:
    assert run_status(reason, stats) == status


def test_drops_per_reason_and_json_stats() -> None:
    stats = {
        "ingest/dropped/short_body": 3,
        "ingest/dropped/short_body/kontumtv": 2,
        "ingest/dropped/short_body/baogialai": 1,
        "ingest/dropped/listing_page": 1,
        "item_scraped_count": 9,
        "start_time": datetime(2025, 7, 10, tzinfo=UTC),
        "odd": {1, 2},
    }
    assert drops_per_reason(stats) == {"short_body": 3, "listing_page": 1}
    safe = json_stats(stats)
    assert safe["start_time"] == "2025-07-10T00:00:00+00:00"
    assert safe["item_scraped_count"] == 9
    assert isinstance(safe["odd"], str)


def test_recorder_writes_one_row_per_run(db_url: str) -> None:
    crawler = make_crawler(db_url)
    crawler.spider = Spider(name="kontumtv")
    recorder = build_from_crawler(CrawlRunRecorder, crawler)
    recorder.spider_opened()
    run_id = crawler.stats.get_value("ingest/run_id")
    assert isinstance(run_id, int)
    crawler.stats.set_value("ingest/stored", 4)
    crawler.stats.set_value("ingest/duplicate_near", 1)
    crawler.stats.set_value("ingest/dropped/short_body", 2)
    crawler.stats.set_value("ingest/dropped/short_body/kontumtv", 2)
    recorder.spider_closed("finished")
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        run = session.scalars(select(CrawlRun)).one()
        assert (run.id, run.spider, run.status, run.finish_reason) == (run_id, "kontumtv", "finished", "finished")
        assert run.items_stored == 5
        assert run.drops == {"short_body": 2}
        assert run.stats["ingest/dropped/short_body/kontumtv"] == 2
        assert run.finished_at is not None
        assert run.started_at <= run.finished_at
    engine.dispose()
    assert crawler.stats.get_value("ingest/run_status") == "finished"


SPIDER = """
import scrapy
from tests.db.articles import BODY_COFFEE, article


class FixtureItems(scrapy.Spider):
    # Items come from a response (a data: URL, so no network), as from a news spider's article callback.
    name = "fixture_items"

    async def start(self):
        yield scrapy.Request("data:text/plain,listing", callback=self.parse)

    def parse(self, response):
        yield article("https://kontumtv.vn/a/1.html")
        yield article("https://kontumtv.vn/a/2.html", title="Cà phê được mùa", body=BODY_COFFEE)
        yield article("https://kontumtv.vn/a/3.html", title="Ngắn", body="Quá ngắn.")
"""


def runspider(tmp_path: Path, db_url: str) -> subprocess.CompletedProcess[str]:
    spider = tmp_path / "fixture_spider.py"
    spider.write_text(SPIDER, encoding="utf-8")
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "ingest.settings", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-s", f"INGEST_DB_URL={db_url}"]
    command += ["-s", "INGEST_STORE_BATCH_SIZE=1", "-s", "TELNETCONSOLE_ENABLED=False", "-s", "ROBOTSTXT_OBEY=False"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def runs(db_url: str) -> list[tuple[str, str | None, int, dict[str, int]]]:
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        rows = [(r.status, r.finish_reason, r.items_stored, r.drops) for r in session.scalars(select(CrawlRun))]
    engine.dispose()
    return rows


@pytest.mark.slow
def test_scrapy_process_records_runs_and_stores_articles(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    for _ in range(2):
        result = runspider(tmp_path, db_url)
        assert result.returncode == 0, result.stderr[-3000:]
    assert runs(db_url) == [
        ("finished", "finished", 2, {"short_body": 1}),
        ("finished", "finished", 0, {"short_body": 1}),
    ]
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        first_run = session.scalars(select(CrawlRun.id).order_by(CrawlRun.id)).first()
        assert set(session.scalars(select(Article.crawl_run_id))) == {first_run}
    engine.dispose()


@pytest.mark.slow
def test_database_error_fails_the_process(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    engine = get_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER boom BEFORE INSERT ON articles BEGIN SELECT RAISE(ABORT, 'disk full'); END"))
    engine.dispose()
    result = runspider(tmp_path, db_url)
    assert result.returncode == 1
    assert "disk full" in result.stderr
    assert "ingest_db_error" in result.stderr
    [(status, reason, stored, _drops)] = runs(db_url)
    assert (status, reason, stored) == ("failed", "ingest_db_error", 0)


KILLED_SPIDER = """
import time

import scrapy
from tests.db.articles import BODY_COFFEE, BODY_DEFENCE, BODY_FLOOD, article

BODIES = [BODY_DEFENCE, BODY_COFFEE, BODY_FLOOD]


class FiveThenHang(scrapy.Spider):
    name = "five_then_hang"

    async def start(self):
        yield scrapy.Request("data:text/plain,listing", callback=self.parse)

    def parse(self, response):
        for i in range(5):
            yield article(f"https://kontumtv.vn/a/{i}.html", title=f"Bài số {i}", body=BODIES[i % 3] + f" Số {i}.")
        if self.settings.getbool("HANG"):
            yield scrapy.Request("data:text/plain,wait", callback=self.hang)

    def hang(self, response):
        time.sleep(120)  # the process is killed while here
"""


@pytest.mark.slow
def test_killed_crawl_loses_at_most_its_open_batch(tmp_path: Path) -> None:
    import signal
    import time

    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    spider = tmp_path / "five_then_hang.py"
    spider.write_text(KILLED_SPIDER, encoding="utf-8")
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "ingest.settings", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-s", f"INGEST_DB_URL={db_url}"]
    command += ["-s", "INGEST_STORE_BATCH_SIZE=2", "-s", "TELNETCONSOLE_ENABLED=False", "-s", "ROBOTSTXT_OBEY=False"]

    def stored() -> int:
        engine = get_engine(db_url, migrate=False)  # never race the crawl's own migration
        try:
            with session_scope(engine) as session:
                return len(session.scalars(select(Article.id)).all())
        except OperationalError:  # the crawl has not created the tables yet
            return 0
        finally:
            engine.dispose()

    with (tmp_path / "killed.log").open("w") as log:
        proc = subprocess.Popen([*command, "-s", "HANG=1"], cwd=ROOT, env=env, stderr=log)
        try:
            deadline = time.monotonic() + 180  # liveness guard on a loaded machine
            while time.monotonic() < deadline and stored() < 4:
                time.sleep(0.2)
            time.sleep(0.5)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=120)
    assert stored() == 4  # two full batches committed; the fifth article was in the open batch
    assert runs(db_url)[0][:2] == ("running", None)  # the killed run never finished

    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert stored() == 5  # the next run picks the lost article up
