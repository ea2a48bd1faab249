"""The crawl runner (``ingest.crawl``): the job's command line, the run row it opens and closes, the verdict read
from that row, and real ``scrapy crawl`` processes run side by side."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.crawl import CrawlJob, CrawlResult, RunRecord, close_run, open_run, run_crawls, verdict
from ingest.db.engine import get_engine
from ingest.demo.server import FixtureServer
from ingest.normalize import VN_TZ
from tests.crawl.conftest import FAST, rows

SEEN = {
    "ingest/stored": 3,
    "ingest/skipped_known": 4,
    "ingest/discovery/listing_pages": 2,
    "ingest/discovery/article_urls": 9,
}


def test_job_command_passes_run_arguments_and_settings_in_order() -> None:
    job = CrawlJob(
        "kontumtv",
        "sqlite:///x.db",
        since=datetime(2025, 7, 1, tzinfo=VN_TZ),
        max_pages=3,
        arguments=("start_url=http://127.0.0.1:1/",),
        settings=("DOWNLOAD_DELAY=0",),
    )
    command = job.command(run_id=7, stats_file=Path("/tmp/s.json"))
    assert command[:5] == [sys.executable, "-m", "scrapy", "crawl", "kontumtv"]
    pairs = list(zip(command[5::2], command[6::2], strict=True))
    assert pairs == [
        ("-s", "INGEST_DB_URL=sqlite:///x.db"),
        ("-s", "INGEST_RUN_ID=7"),
        ("-s", "INGEST_STATS_FILE=/tmp/s.json"),
        ("-a", "since=2025-07-01T00:00:00+07:00"),
        ("-a", "max_pages=3"),
        ("-a", "start_url=http://127.0.0.1:1/"),
        ("-s", "DOWNLOAD_DELAY=0"),  # last: the caller's settings win
    ]
    assert CrawlJob("x", "sqlite://").command() == [sys.executable, "-m", "scrapy", "crawl", "x", "-s",
                                                    "INGEST_DB_URL=sqlite://"]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "reason", "stats", "min_articles", "expected"),
    [
        ("finished", "finished", SEEN, 7, None),
        ("limited", "closespider_pagecount", SEEN, 0, None),
        ("finished", "finished", SEEN, 8, "saw 7 articles, expected at least 8"),
        ("failed", "finished", {"ingest/discovery/listing_pages": 3}, 0, "`ingest sites check kontumtv`"),
        ("failed", "ingest_db_error", {**SEEN, "ingest/exit_code": 1}, 0, "run failed (finish reason ingest_db_error)"),
        ("failed", "process_exited", {"ingest/exit_code": -9}, 0, "scrapy exited with code -9 without recording"),
        ("failed", "process_exited", {"ingest/exit_code": 0}, 0, "INGEST_RECORD_RUNS"),
        ("failed", "finished", {**SEEN, "ingest/exit_code": 2}, 0, "scrapy exited with code 2"),
        ("cancelled", "shutdown", SEEN, 0, "run cancelled (finish reason shutdown)"),
    ],
)
def test_verdict_is_read_from_the_run(
    status: str, reason: str, stats: dict[str, Any], min_articles: int, expected: str | None
) -> None:
    problem = verdict(CrawlJob("kontumtv", "sqlite://", min_articles=min_articles), RunRecord(1, status, reason, stats))
    if expected is None:
        assert problem is None
    else:
        assert problem is not None
        assert expected in problem


def test_close_run_records_the_exit_and_closes_what_the_process_left_open(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'runs.db'}", migrate=True)
    try:
        left_open, killed, fine, broken = (open_run(engine, "kontumtv") for _ in range(4))
        with engine.begin() as conn:  # as CrawlRunRecorder records a run's end
            conn.exec_driver_sql(
                "UPDATE crawl_runs SET status = 'finished', finish_reason = 'finished', "
                f"stats = '{{\"ingest/stored\": 2}}' WHERE id IN ({fine}, {broken})"
            )
        dead = close_run(engine, left_open, 1, stopping=False)
        stopped = close_run(engine, killed, -9, stopping=True)
        ok = close_run(engine, fine, 0, stopping=False)
        bad = close_run(engine, broken, 3, stopping=False)
        assert close_run(engine, 999, 0, stopping=False) is None
    finally:
        engine.dispose()
    assert dead is not None
    assert (dead.status, dead.finish_reason, dict(dead.stats)) == ("failed", "process_exited", {"ingest/exit_code": 1})
    assert stopped is not None
    assert (stopped.status, stopped.finish_reason) == ("cancelled", "process_exited")
    assert ok is not None
    assert (ok.status, dict(ok.stats)) == ("finished", {"ingest/stored": 2, "ingest/exit_code": 0})
    assert bad is not None
    assert (bad.status, bad.finish_reason) == ("failed", "finished")
    # What the verdict read is what the table says.
    table = rows(f"sqlite:///{tmp_path / 'runs.db'}", "SELECT id, status, finish_reason FROM crawl_runs ORDER BY id")
    assert table == [
        (left_open, "failed", "process_exited"),
        (killed, "cancelled", "process_exited"),
        (fine, "finished", "finished"),
        (broken, "failed", "finished"),
    ]


@pytest.mark.slow
def test_runner_crawls_in_parallel_one_row_per_job_and_judges_each(tmp_path: Path, db_url: str) -> None:
    settings = tuple(f"{k}={v}" for k, v in FAST.items())
    with FixtureServer(sites=["kontumtv"]) as server:
        good = CrawlJob("kontumtv", db_url, arguments=(f"start_url={server.urls['kontumtv']}",), settings=settings,
                        min_articles=1)  # fmt: skip
        missing = CrawlJob("no_such_site", db_url, settings=settings)
        started: list[str] = []
        done: list[CrawlResult] = []
        results = run_crawls([missing, good], log_dir=tmp_path / "logs", parallel=2, on_start=lambda j: started.append(
            j.site), on_done=done.append)  # fmt: skip
    assert [r.site for r in results] == ["no_such_site", "kontumtv"]  # in job order, whichever ended first
    assert sorted(started) == ["kontumtv", "no_such_site"]
    assert sorted(r.site for r in done) == ["kontumtv", "no_such_site"]
    bad, ok = results
    assert ok.problem is None, ok.log_tail
    assert ok.run is not None
    assert ok.stats["ingest/stored"] > 0
    assert ok.stats["ingest/exit_code"] == 0
    assert bad.problem is not None
    assert "scrapy exited with code 1 without recording the end of its run" in bad.problem
    assert "no_such_site" in bad.log_tail  # Scrapy's "Spider not found" line
    assert (tmp_path / "logs" / "kontumtv.log").exists()
    assert (tmp_path / "logs" / "kontumtv.stats.json").exists()
    # One row per job: the spider adopted the row the runner opened; the other process never recorded one.
    table = rows(db_url, "SELECT spider, status, finish_reason, items_stored FROM crawl_runs ORDER BY spider")
    assert table == [
        ("kontumtv", "finished", "finished", ok.stats["ingest/stored"]),
        ("no_such_site", "failed", "process_exited", 0),
    ]
    assert ok.run.id == ok.stats["ingest/run_id"]
