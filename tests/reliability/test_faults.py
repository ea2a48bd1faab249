"""Faults injected into real crawls: kill -9 at random moments, PostgreSQL restarted mid-crawl, a locked SQLite.

Each time the final database must equal the uninterrupted crawl's (same articles, same content, same duplicate
links), with no duplicate and no half-written row; a crawl that could not store must say so with its exit code.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from pathlib import Path

import pytest
import redis

from ingest import distributed
from ingest.db.engine import get_engine
from tests.reliability.conftest import Reference
from tests.reliability.harness import crawl_env, diff, integrity_problems, kill9, run_crawl, snapshot, start_crawl
from tests.servers import RedisServer, postgres_server

KILL_TRIALS = int(os.environ.get("INGEST_KILL_TRIALS", "10"))

# One worker runs the module-scoped crawl once (make test runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("reliability_small_site")


def _wait_for(predicate: object, timeout: float) -> bool:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "trials"), [("sqlite", KILL_TRIALS), pytest.param("postgres", 3, marks=pytest.mark.postgres)]
)
def test_kill9_at_random_moments_then_rerun_equals_the_uninterrupted_crawl(
    small_site: Reference, tmp_path: Path, stats_file: Path, request: pytest.FixtureRequest, backend: str, trials: int
) -> None:
    seed = int(os.environ.get("INGEST_FAULT_SEED", str(time.time_ns() % 100_000)))
    rng = random.Random(seed)
    total = small_site.expected["count"]
    assert isinstance(total, int)
    killed_mid_crawl = 0
    for trial in range(trials):
        if backend == "sqlite":
            db_url = f"sqlite:///{tmp_path / f'trial{trial}.db'}"
        else:
            db_url = request.getfixturevalue("pg_server").create_database(f"kill_{seed}_{trial}")
        mark = len(small_site.server.access_log)
        # The moment: after a random number of article downloads (0 = during start-up), plus a random few ms.
        after = rng.randrange(0, total)
        process = start_crawl("kontumtv", db_url, f"start_url={small_site.base}", log=tmp_path / f"trial{trial}.log")
        _wait_for(lambda: small_site.article_hits(mark) >= after or process.poll() is not None, timeout=180)  # noqa: B023
        time.sleep(rng.random() * 0.05)
        if process.poll() is None:
            killed_mid_crawl += 1
        kill9(process)

        rerun = run_crawl("kontumtv", db_url, f"start_url={small_site.base}", stats_file=stats_file)
        context = f"seed {seed}, trial {trial}, killed after {after} article downloads"
        assert rerun.returncode == 0, f"{context}: {rerun.log[-3000:]}"
        assert integrity_problems(db_url) == [], context
        assert diff(small_site.expected, snapshot(db_url)) == [], context
    # The trials must really interrupt crawls, not only watch finished ones.
    assert killed_mid_crawl >= trials // 2, f"seed {seed}: only {killed_mid_crawl} kills hit a running crawl"


@pytest.mark.slow
@pytest.mark.parametrize("other_is", ["writer", "reader"])
def test_sqlite_locked_by_a_concurrent_writer_or_reader_is_absorbed(
    small_site: Reference, tmp_path: Path, other_is: str
) -> None:
    db_path = tmp_path / "locked.db"
    db_url = f"sqlite:///{db_path}"
    get_engine(db_url).dispose()  # create and migrate the file so the other connection can lock it
    mark = len(small_site.server.access_log)
    process = start_crawl(
        "kontumtv", db_url, f"start_url={small_site.base}", log=tmp_path / "crawl.log",
        INGEST_STORE_BATCH_SIZE="5", INGEST_STATS_FILE=str(tmp_path / "stats.json"),
    )  # fmt: skip
    assert _wait_for(lambda: small_site.article_hits(mark) >= 5, timeout=180)
    other = sqlite3.connect(db_path, isolation_level=None)
    if other_is == "writer":
        other.execute("BEGIN IMMEDIATE")  # the write lock: every write of the crawl now waits for it
        other.execute("UPDATE crawl_runs SET finish_reason = finish_reason")
    else:
        other.execute("BEGIN")  # a long read transaction (a report, Datasette) holding its snapshot
        other.execute("SELECT count(*) FROM articles").fetchall()
    time.sleep(3)
    other.execute("COMMIT")
    other.close()
    assert process.wait(300) == 0, (tmp_path / "crawl.log").read_text()[-3000:]
    assert "database is locked" not in (tmp_path / "crawl.log").read_text()
    assert integrity_problems(db_url) == []
    assert diff(small_site.expected, snapshot(db_url)) == []


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_restart_mid_crawl_retries_or_fails_loudly(small_site: Reference, tmp_path: Path) -> None:
    with postgres_server() as pg:  # our own server: restarting the shared one would disturb other tests
        db_url = pg.create_database("restart")
        log = tmp_path / "crawl.log"
        mark = len(small_site.server.access_log)
        process = start_crawl(
            "kontumtv", db_url, f"start_url={small_site.base}", log=log,
            INGEST_STORE_BATCH_SIZE="5", CONCURRENT_REQUESTS_PER_DOMAIN="1", DOWNLOAD_DELAY="0.05",
        )  # fmt: skip
        assert _wait_for(lambda: small_site.article_hits(mark) >= 10, timeout=180)
        pg.stop("fast")  # connections are cut, new ones refused
        time.sleep(1.5)
        pg.start()
        returncode = process.wait(300)
        if returncode == 0:
            # It retried: then nothing may be missing.
            assert diff(small_site.expected, snapshot(db_url)) == [], log.read_text()[-3000:]
        else:
            # It failed loudly (the store's documented close reason, in the log), and a rerun completes the database.
            assert "ingest_db_error" in log.read_text()
            rerun = run_crawl("kontumtv", db_url, f"start_url={small_site.base}", stats_file=tmp_path / "s.json")
            assert rerun.returncode == 0, rerun.log[-3000:]
            assert diff(small_site.expected, snapshot(db_url)) == []
        assert integrity_problems(db_url) == []


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.postgres
def test_killed_distributed_worker_is_recovered_by_reset_and_rerun(
    small_site: Reference, tmp_path: Path, pg_url: str, redis_srv: RedisServer
) -> None:
    # docs/scaling.md's procedure: a worker dies (kill -9) while the other goes on; the requests it had taken from the
    # shared queue are marked seen but never stored. `python -m ingest.distributed reset` + a rerun completes it.
    redis_url = redis_srv.url.removesuffix("/0") + "/3"  # a database of its own in the session's redis-server
    redis.Redis.from_url(redis_url).flushdb()
    env = crawl_env(INGEST_REDIS_URL=redis_url)
    mark = len(small_site.server.access_log)
    workers = [
        start_crawl(
            "kontumtv",
            pg_url,
            f"start_url={small_site.base}",
            log=tmp_path / f"w{i}.log",
            env=env,
            INGEST_REDIS_MAX_IDLE="2",
        )
        for i in range(2)
    ]
    assert _wait_for(lambda: small_site.article_hits(mark) >= 15, timeout=180)
    kill9(workers[0])
    assert workers[1].wait(300) == 0, (tmp_path / "w1.log").read_text()[-3000:]

    assert distributed.main(["reset", "kontumtv", "--redis-url", redis_url]) == 0
    rerun = run_crawl("kontumtv", pg_url, f"start_url={small_site.base}", stats_file=tmp_path / "rerun.json",
                      env=env, INGEST_REDIS_MAX_IDLE="2")  # fmt: skip
    assert rerun.returncode == 0, rerun.log[-3000:]
    assert integrity_problems(pg_url) == []
    assert diff(small_site.expected, snapshot(pg_url)) == []
