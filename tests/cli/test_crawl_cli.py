"""``ingest crawl`` as a scheduler runs it: a real crawl of a fixture site, the yield check, the overlap lock."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ingest.cli.crawl import EXIT_LOCKED, CrawlLocked, crawl_lock
from ingest.demo.server import FixtureServer

pytestmark = pytest.mark.slow  # every test here runs `ingest crawl` in a subprocess

INGEST = str(Path(sys.executable).with_name("ingest"))
ROOT = Path(__file__).resolve().parents[2]

# Politeness is for real servers; the fixture site is ours, on loopback.
FAST = [
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "RETRY_TIMES=0",
    "-s",
    "TELNETCONSOLE_ENABLED=0",
]


def ingest(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([INGEST, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout, check=False)


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    with FixtureServer(sites=["kontumtv"]) as server:
        yield server


def test_crawl_stores_records_and_judges_the_yield(site: FixtureServer, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'news.db'}"
    start = ["-a", f"start_url={site.urls['kontumtv']}", *FAST, "--db", db, "--log-dir", str(tmp_path / "logs")]
    first = ingest("crawl", "kontumtv", *start)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "1 ok, 0 failed" in first.stdout
    engine = create_engine(db)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM articles WHERE site = 'kontumtv'")).scalar_one()
        runs = conn.execute(text("SELECT spider, status, items_stored FROM crawl_runs")).all()
    assert stored > 0
    assert runs == [("kontumtv", "finished", stored)]
    assert (tmp_path / "logs" / "kontumtv.log").exists()
    # A second, incremental run sees the stored articles again; asking for more than the site has fails it.
    second = ingest("crawl", "kontumtv", *start, "--min-articles", str(stored + 1000))
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"expected at least {stored + 1000}" in second.stderr
    engine.dispose()


def test_a_site_that_cannot_be_reached_fails_the_run(tmp_path: Path) -> None:
    # Nothing listens on port 1: the site yields nothing although the registry says it usually does.
    db = f"sqlite:///{tmp_path / 'news.db'}"
    result = ingest(
        "crawl", "kontumtv", "-a", "start_url=http://127.0.0.1:1/", *FAST, "--db", db, "--min-articles", "1"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED kontumtv" in result.stderr
    assert "Traceback" not in result.stdout


def test_second_crawl_exits_at_once_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "crawl.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from ingest.cli.crawl import crawl_lock\n"
         f"with crawl_lock(__import__('pathlib').Path({str(lock)!r})):\n print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        db = f"sqlite:///{tmp_path / 'n.db'}"
        logs = tmp_path / "logs"
        second = ingest("crawl", "kontumtv", "--lock-file", str(lock), "--db", db, "--log-dir", str(logs))
        assert second.returncode == EXIT_LOCKED, second.stdout + second.stderr
        # "At once" as work, not time: no spider was started (no log, no run recorded, no article).
        assert not logs.exists() or not any(logs.iterdir())
        with create_engine(db).connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM crawl_runs")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM articles")).scalar_one() == 0
        assert "another `ingest crawl` is running" in second.stderr
        assert f"pid {holder.pid}" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        holder.communicate("", timeout=120)
    # The holder is gone (its lock with it): the next run may take the lock.
    with crawl_lock(lock), pytest.raises(CrawlLocked), crawl_lock(lock):
        pass


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["kontum"], "did you mean"),
        ([], "name the sites"),
        (["--all", "kontumtv"], "not several"),
        (["kontumtv", "--since", "32/01/2025"], "not a date"),
        (["kontumtv", "-s", "DOWNLOAD_DELAY"], "NAME=VALUE"),
        (["kontumtv", "-s", "INGEST_RECORD_RUNS=0"], "recorded run"),
    ],
)
def test_bad_crawl_input(args: list[str], needle: str, tmp_path: Path) -> None:
    result = ingest("crawl", *args, "--db", f"sqlite:///{tmp_path / 'n.db'}", "--lock-file", str(tmp_path / "l"))
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert needle in lines[0]
    assert not (tmp_path / "n.db").exists()  # nothing started


def test_sigterm_stops_the_spiders_and_records_their_runs(site: FixtureServer, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'news.db'}"
    logs = tmp_path / "logs"
    slow = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=1", "-s", "TELNETCONSOLE_ENABLED=0"]
    proc = subprocess.Popen(
        [INGEST, "crawl", "kontumtv", "-a", f"start_url={site.urls['kontumtv']}", *slow, "--db", db,
         "--log-dir", str(logs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + 120  # a liveness guard for a loaded machine, not a speed claim
    while not site.hits("kontumtv"):  # the spider is crawling
        assert time.monotonic() < deadline
        assert proc.poll() is None
        time.sleep(0.2)
    proc.terminate()  # what systemd does to stop the unit
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, out + err
    assert "interrupted" in err
    assert "Traceback" not in err
    with create_engine(db).connect() as conn:
        runs = conn.execute(text("SELECT status, finish_reason FROM crawl_runs")).all()
    assert runs == [("cancelled", "shutdown")]


def test_crawl_into_an_unreachable_database_starts_nothing(tmp_path: Path) -> None:
    url = "postgresql+psycopg://ingest:hunter2@127.0.0.1:1/news"
    result = ingest("crawl", "kontumtv", "--db", url, "--lock-file", str(tmp_path / "l"), "--log-dir", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: cannot open database postgresql+psycopg://ingest:***@127.0.0.1:1/news")
    assert not (tmp_path / "kontumtv.log").exists()
