"""Reliability report (``make reliability``): load held, faults injected, hostile inputs tried, items lost.

Everything runs for real on 127.0.0.1: the generated fixture site, ``scrapy crawl`` processes, a throw-away
PostgreSQL and redis-server (``tests/servers.py``), SQLite files in a temporary directory.

* **Load**: one process, then N scrapy-redis workers sharing one queue, crawl the same generated site into
  PostgreSQL; the shared crawl must store every article once and fetch no page twice.
* **Faults**: kill -9 at random moments then rerun (SQLite); PostgreSQL stopped and restarted mid-crawl; SQLite
  write-locked by another process mid-crawl.
* **Hostile input**: the hostile fixture site of ``tests/hostile`` (bad charsets, bombs, loops, junk).

"Items lost" counts articles of the reference crawl missing from a final database, over every scenario. The
command exits 1 when any item was lost, a crawl crashed, or a page was fetched twice.

    python -m benchmarks.reliability [--articles 500] [--workers 3] [--kill-trials 10] [--seed N]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis

from ingest.db.engine import get_engine
from ingest.demo.server import FixtureServer
from tests.hostile.site import HostileSite
from tests.reliability.harness import (
    crawl_env,
    diff,
    integrity_problems,
    kill9,
    run_crawl,
    snapshot,
    start_crawl,
)
from tests.servers import postgres_server, redis_server


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    lost: int = 0
    problems: list[str] = field(default_factory=list)
    faults: int = 0
    hostile: int = 0

    def say(self, line: str) -> None:
        self.lines.append(line)
        print(line, flush=True)

    def compare(self, label: str, expected: dict[str, object], db_url: str) -> None:
        actual = snapshot(db_url)
        exp, act = expected["articles"], actual["articles"]
        assert isinstance(exp, dict)
        assert isinstance(act, dict)
        missing = len(set(exp) - set(act))
        self.lost += missing
        for problem in [*diff(expected, actual), *integrity_problems(db_url)]:
            self.problems.append(f"{label}: {problem}")
        if missing:
            self.problems.append(f"{label}: {missing} article(s) lost")


def _article_hits(server: FixtureServer, since: int) -> int:
    return sum(1 for hit in server.access_log[since:] if hit.target.startswith("/20"))


def _wait(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.01)


def load(report: Report, tmp: Path, articles: int, workers: int) -> None:
    with postgres_server() as pg, redis_server() as rds, FixtureServer(generated=articles) as server:
        base = server.urls["kontumtv"]
        single_db = pg.create_database("single")
        started = time.monotonic()
        single = run_crawl("kontumtv", single_db, f"start_url={base}", stats_file=tmp / "single.json", timeout=600)
        single_s = time.monotonic() - started
        if single.returncode != 0:
            report.problems.append(f"single-process crawl exited {single.returncode}")
        expected = snapshot(single_db)

        redis.Redis.from_url(rds.url).flushdb()
        shared_db = pg.create_database("shared")
        mark = len(server.access_log)
        started = time.monotonic()
        procs = [
            start_crawl(
                "kontumtv",
                shared_db,
                f"start_url={base}",
                log=tmp / f"worker{i}.log",
                env=crawl_env(INGEST_REDIS_URL=rds.url),
                INGEST_REDIS_MAX_IDLE="3",
            )
            for i in range(workers)
        ]
        codes = [p.wait(600) for p in procs]
        shared_s = time.monotonic() - started
        hits = Counter(hit.target for hit in server.access_log[mark:])
        report.compare("distributed", expected, shared_db)
    twice = sum(1 for target, n in hits.items() if n > 1 and target != "/robots.txt")
    if any(codes):
        report.problems.append(f"distributed workers exited {codes}")
    if twice:
        report.problems.append(f"{twice} page(s) fetched more than once by the workers")
    count = expected["count"]
    report.say(
        f"load held: {count} articles; 1 process {single_s:.1f}s ({int(count) / single_s:.0f}/s), "  # type: ignore[call-overload]
        f"{workers} scrapy-redis workers {shared_s:.1f}s (incl. the 3 s idle wait before they close); "
        f"pages fetched twice: {twice}; exit codes {codes}"
    )


def faults(report: Report, tmp: Path, trials: int, rng: random.Random) -> None:
    with FixtureServer(generated=60) as server:
        base = server.urls["kontumtv"]
        ref_db = f"sqlite:///{tmp / 'reference.db'}"
        run_crawl("kontumtv", ref_db, f"start_url={base}", stats_file=tmp / "ref.json")
        expected = snapshot(ref_db)
        total = int(expected["count"])  # type: ignore[call-overload]

        hit_running = 0
        for trial in range(trials):
            db_url = f"sqlite:///{tmp / f'kill{trial}.db'}"
            mark, after = len(server.access_log), rng.randrange(0, total)
            proc = start_crawl("kontumtv", db_url, f"start_url={base}", log=tmp / f"kill{trial}.log")
            _wait(lambda: _article_hits(server, mark) >= after or proc.poll() is not None, 60)  # noqa: B023
            time.sleep(rng.random() * 0.05)
            hit_running += proc.poll() is None
            kill9(proc)
            rerun = run_crawl("kontumtv", db_url, f"start_url={base}", stats_file=tmp / "kill.json")
            if rerun.returncode != 0:
                report.problems.append(f"rerun after kill {trial} exited {rerun.returncode}")
            report.compare(f"kill trial {trial}", expected, db_url)
        report.faults += trials
        report.say(f"faults: kill -9 x{trials} at random moments ({hit_running} mid-crawl), each rerun compared")

        # SQLite write-locked by another process for 3 s mid-crawl.
        db_path = tmp / "locked.db"
        get_engine(f"sqlite:///{db_path}").dispose()
        mark = len(server.access_log)
        proc = start_crawl("kontumtv", f"sqlite:///{db_path}", f"start_url={base}", log=tmp / "locked.log",
                           INGEST_STORE_BATCH_SIZE="5")  # fmt: skip
        _wait(lambda: _article_hits(server, mark) >= 5, 60)
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        time.sleep(3)
        other.execute("COMMIT")
        other.close()
        code = proc.wait(120)
        if code != 0:
            report.problems.append(f"crawl under a SQLite lock exited {code}")
        report.compare("sqlite lock", expected, f"sqlite:///{db_path}")
        report.faults += 1
        report.say(f"faults: SQLite write lock held 3 s by another writer mid-crawl -> exit {code}")

        # PostgreSQL stopped and restarted mid-crawl: retry, or fail loudly and complete on rerun.
        with postgres_server() as pg:
            db_url = pg.create_database("restart")
            mark = len(server.access_log)
            proc = start_crawl("kontumtv", db_url, f"start_url={base}", log=tmp / "restart.log",
                               INGEST_STORE_BATCH_SIZE="5", CONCURRENT_REQUESTS_PER_DOMAIN="1",
                               DOWNLOAD_DELAY="0.05")  # fmt: skip
            _wait(lambda: _article_hits(server, mark) >= 10, 60)
            pg.stop("fast")
            time.sleep(1.5)
            pg.start()
            code = proc.wait(180)
            outcome = "retried" if code == 0 else f"failed loudly (exit {code}), rerun"
            if code != 0:
                rerun = run_crawl("kontumtv", db_url, f"start_url={base}", stats_file=tmp / "restart.json")
                if rerun.returncode != 0:
                    report.problems.append(f"rerun after the PostgreSQL restart exited {rerun.returncode}")
            report.compare("postgres restart", expected, db_url)
        report.faults += 1
        report.say(f"faults: PostgreSQL restarted mid-crawl -> {outcome}")


def hostile(report: Report, tmp: Path) -> None:
    secret = tmp / "secret.txt"
    secret.write_text("RELIABILITY-CANARY", encoding="utf-8")
    site = HostileSite(secret_file=secret)
    base, stop = site.serve()
    db_url = f"sqlite:///{tmp / 'hostile.db'}"
    try:
        crawl = run_crawl("kontumtv", db_url, f"start_url={base}", "max_pages=3", stats_file=tmp / "hostile.json")
    finally:
        stop()
    inputs = len(site.articles) + 5  # the article routes + feed bomb, two XXE sitemaps, hostile JSON, pagination
    report.hostile += inputs
    good = [path for path in site.articles if "/good-" in path]
    stored = set(snapshot(db_url)["articles"])  # type: ignore[arg-type]
    missing = [p for p in good if not any(url.endswith((p.rstrip("/"), p)) for url in stored)]
    report.lost += len(missing)
    if crawl.returncode != 0:
        report.problems.append(f"hostile crawl exited {crawl.returncode}")
    if "/xxe-callback" in site.hits:
        report.problems.append("an external XML entity was fetched")
    dropped = sum(v for k, v in crawl.stats.items() if k.startswith("ingest/dropped/") and k.count("/") == 2)
    report.say(
        f"hostile inputs tried: {inputs} (exit {crawl.returncode}; {dropped} counted drops, "
        f"{len(stored)} stored, good articles missing: {len(missing)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reliability", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=500, help="size of the generated site for the load test")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kill-trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    report = Report()
    report.say(f"reliability report (seed {seed})")
    with tempfile.TemporaryDirectory(prefix="ingest-reliability-") as tmp:
        load(report, Path(tmp), args.articles, args.workers)
        faults(report, Path(tmp), args.kill_trials, random.Random(seed))
        hostile(report, Path(tmp))
    report.say(f"faults injected: {report.faults}; hostile inputs tried: {report.hostile}")
    report.say(f"items lost: {report.lost}")
    for problem in report.problems:
        report.say(f"PROBLEM {problem}")
    return 1 if report.lost or report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
