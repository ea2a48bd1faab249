"""The crawl runner: crawls sites, each as its own ``scrapy crawl <site>`` process, and judges each run from its
``crawl_runs`` row. ``ingest crawl`` (the scheduled job) and ``ingest demo`` both run their crawls through it.

This module owns what one site's crawl is (:class:`CrawlJob`, frozen: the site, the database, the spider arguments
and settings, the articles the run must show), how jobs run (:func:`run_crawls`: a ``ThreadPoolExecutor`` of
``parallel`` workers, each starting one ``scrapy crawl`` subprocess and waiting for it; Ctrl-C or SIGTERM stops the
processes gracefully), and the verdict (:func:`verdict`: ok, or which problem).

One process per site, rather than all spiders in one ``CrawlerProcess``: Twisted's reactor cannot be restarted, so
one process per site keeps a crash, a memory leak or a hung site from taking the others down, lets several sites
run in parallel on more cores, and gives each site its own log.

The run's ``crawl_runs`` row is the one record of how it went. The runner opens it (``running``) before starting the
process and hands its id to the spider (``-s INGEST_RUN_ID``), whose ``ingest.runs.CrawlRunRecorder`` adopts it and
records the end. When the process is gone the runner adds its exit code to the row's stats (``ingest/exit_code``);
a process that died before recording its end leaves the row ``running``, which the runner closes as ``failed``
(``cancelled`` when the crawl was being stopped) with finish reason ``process_exited``; a run recorded as fine whose
process still exited non-zero becomes ``failed``. The verdict is then read from the row alone.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ingest.db.engine import get_engine, session_scope
from ingest.db.models import CrawlRun
from ingest.verdict import OK_STATUSES, no_articles_found

__all__ = ["SEEN_KEYS", "CrawlJob", "CrawlResult", "RunRecord", "close_run", "open_run", "run_crawls", "verdict"]

logger = logging.getLogger(__name__)

# Stats counting the articles a site showed us this run, new or already stored (incremental runs skip these).
SEEN_KEYS: Final = (
    "ingest/stored",
    "ingest/updated",
    "ingest/unchanged",
    "ingest/duplicate_exact",
    "ingest/duplicate_near",
    "ingest/skipped_known",
)
EXIT_CODE_KEY: Final = "ingest/exit_code"
# The finish reason of a run whose process ended without recording the end (killed, crashed at start-up).
PROCESS_EXITED: Final = "process_exited"
# The finish reason of a run opened for a job that the runner, being stopped, did not start after all.
NOT_STARTED: Final = "not_started"
# Seconds a stopped spider gets to close its run before it is killed.
STOP_GRACE_SECONDS: Final = 60.0


@dataclass(frozen=True)
class CrawlJob:
    """One site's crawl: what ``scrapy crawl`` is asked to do, and how many articles its run must show."""

    site: str
    db_url: str
    since: datetime | None = None
    max_pages: int | None = None
    # Spider arguments and Scrapy settings as NAME=VALUE (``-a``/``-s``); the settings come last and win.
    arguments: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    # The run fails when it saw fewer articles (new or already stored); 0 = no expectation.
    min_articles: int = 0

    def command(self, *, run_id: int | None = None, stats_file: Path | None = None) -> list[str]:
        """The ``scrapy crawl`` command line (recording into run ``run_id``, stats written to ``stats_file``)."""
        command = [sys.executable, "-m", "scrapy", "crawl", self.site, "-s", f"INGEST_DB_URL={self.db_url}"]
        if run_id is not None:
            command += ["-s", f"INGEST_RUN_ID={run_id}"]
        if stats_file is not None:
            command += ["-s", f"INGEST_STATS_FILE={stats_file}"]
        if self.since is not None:
            command += ["-a", f"since={self.since.isoformat()}"]
        if self.max_pages is not None:
            command += ["-a", f"max_pages={self.max_pages}"]
        for argument in self.arguments:
            command += ["-a", argument]
        for setting in self.settings:
            command += ["-s", setting]
        return command


@dataclass(frozen=True)
class RunRecord:
    """A ``crawl_runs`` row as the verdict reads it."""

    id: int
    status: str
    finish_reason: str | None
    stats: Mapping[str, Any] = field(default_factory=dict)

    @property
    def seen(self) -> int:
        """Articles the site showed this run, new or already stored."""
        return sum(int(self.stats.get(key, 0) or 0) for key in SEEN_KEYS)


def verdict(job: CrawlJob, run: RunRecord) -> str | None:
    """Why ``run`` fails ``job``, or None when it is fine: read from the recorded run alone."""
    stats = run.stats
    if no_articles_found(stats):
        pages = stats.get("ingest/discovery/listing_pages", 0)
        return (
            f"{pages} listing page(s) fetched but no article link found (nor in feeds or sitemaps): the registry "
            f"entry no longer matches the site; run `ingest sites check {job.site}` to see what it links to"
        )
    code = stats.get(EXIT_CODE_KEY)
    if run.finish_reason == PROCESS_EXITED:
        hint = " (is INGEST_RECORD_RUNS off?)" if code == 0 else ""
        return f"scrapy exited with code {code} without recording the end of its run{hint}"
    if run.status not in OK_STATUSES:
        exited = f"; scrapy exited with code {code}" if code else ""
        return f"run {run.status} (finish reason {run.finish_reason}){exited}"
    if run.seen < job.min_articles:
        return f"saw {run.seen} articles, expected at least {job.min_articles}"
    return None


@dataclass(frozen=True)
class CrawlResult:
    """How one job went: its recorded run (None when none could be opened), the verdict, its log."""

    job: CrawlJob
    run: RunRecord | None
    problem: str | None
    seconds: float = 0.0
    log_path: Path | None = None
    log_tail: str = ""  # the log's last lines when the job failed (kept: the log folder may be temporary)

    @property
    def site(self) -> str:
        return self.job.site

    @property
    def stats(self) -> Mapping[str, Any]:
        return self.run.stats if self.run is not None else {}

    def summary(self) -> str:
        """One line: the verdict and the run's main counts."""
        s = self.stats
        return (
            f"{self.site}: {self.problem or 'ok'}; pages {s.get('downloader/response_count', 0)}, "
            f"new {s.get('ingest/stored', 0)}, updated {s.get('ingest/updated', 0)}, "
            f"already stored {s.get('ingest/skipped_known', 0) + s.get('ingest/unchanged', 0)}, "
            f"dropped {sum(v for k, v in s.items() if k.count('/') == 2 and k.startswith('ingest/dropped/'))} "
            f"(kept as rejects {s.get('ingest/rejected', 0)}), "
            f"{self.seconds:.0f}s"
        )


def run_crawls(
    jobs: Sequence[CrawlJob],
    *,
    log_dir: Path,
    parallel: int = 1,
    on_start: Callable[[CrawlJob], None] | None = None,
    on_done: Callable[[CrawlResult], None] | None = None,
) -> list[CrawlResult]:
    """Run ``jobs`` with at most ``parallel`` scrapy processes at once; one result per job, in order.

    Each site logs to ``log_dir/<site>.log`` (its stats go to ``<site>.stats.json`` beside it, for people: the
    verdict reads ``crawl_runs``). ``on_start``/``on_done`` are called one at a time, from the workers, as jobs
    start and end. An exception here (KeyboardInterrupt from Ctrl-C, or from a SIGTERM handler) stops the running
    spiders gracefully (SIGINT, killed after a grace period), starts no further job, waits until every started run
    is closed (``cancelled``), and is raised again."""
    log_dir.mkdir(parents=True, exist_ok=True)
    runner = _Runner(log_dir, on_start, on_done)
    results: dict[Future[CrawlResult], int] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="ingest-crawl")
    try:
        results = {pool.submit(runner.crawl, job): index for index, job in enumerate(jobs)}
        pending = set(results)
        while pending:
            # A bounded wait keeps the main thread where a signal handler's KeyboardInterrupt can reach it.
            _, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
    except BaseException:
        runner.stop()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        runner.dispose()
    ordered = sorted(results.items(), key=lambda item: item[1])
    return [future.result() for future, _ in ordered]


class _Runner:
    """The state the workers share: the running processes (to stop them), the engines, the callbacks' lock."""

    def __init__(
        self,
        log_dir: Path,
        on_start: Callable[[CrawlJob], None] | None,
        on_done: Callable[[CrawlResult], None] | None,
    ) -> None:
        self.log_dir = log_dir
        self.on_start = on_start
        self.on_done = on_done
        self._lock = threading.Lock()
        self._callbacks = threading.Lock()
        self._engine_lock = threading.Lock()
        self._stopping = False
        self._running: dict[int, subprocess.Popen[bytes]] = {}
        self._engines: dict[str, Engine] = {}

    def engine(self, db_url: str) -> Engine:
        # Its own lock: creating an engine may migrate a new database, and stop() must not wait for that.
        with self._engine_lock:
            if db_url not in self._engines:
                self._engines[db_url] = get_engine(db_url, migrate=True)
            return self._engines[db_url]

    def crawl(self, job: CrawlJob) -> CrawlResult:
        """Run one job to its end (in a worker thread)."""
        log_path = self.log_dir / f"{job.site}.log"
        stats_file = self.log_dir / f"{job.site}.stats.json"
        # A kept --log-dir may hold the last run's stats: a crawl that dies early must not leave them looking new.
        stats_file.unlink(missing_ok=True)
        if self._stopping:
            return CrawlResult(job, None, "not started: the crawl was interrupted")
        try:
            engine = self.engine(job.db_url)
            run_id = open_run(engine, job.site)
        except SQLAlchemyError as exc:
            return self._done(CrawlResult(job, None, f"could not record the run: {_first_line(exc)}"))
        self._call(self.on_start, job)
        started = time.monotonic()
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": os.environ.get("SCRAPY_SETTINGS_MODULE", "ingest.settings")}
        with self._lock:
            if self._stopping:
                proc = None
            else:
                with log_path.open("wb") as log:
                    # Its own session: a terminal's Ctrl-C reaches this process only, which stops the spider with
                    # one SIGINT (a second one would make Scrapy stop without closing the run).
                    proc = subprocess.Popen(
                        job.command(run_id=run_id, stats_file=stats_file),
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=env,
                        start_new_session=True,
                    )
                self._running[run_id] = proc
        code = proc.wait() if proc is not None else None
        with self._lock:
            self._running.pop(run_id, None)
        problem: str | None
        try:
            run = close_run(engine, run_id, code, stopping=self._stopping)
        except SQLAlchemyError as exc:
            run, problem = None, f"could not read run {run_id}: {_first_line(exc)}"
        else:
            problem = verdict(job, run) if run is not None else f"run {run_id} is no longer in crawl_runs"
        tail = _hide_password(_tail(log_path), job.db_url) if problem else ""
        return self._done(CrawlResult(job, run, problem, time.monotonic() - started, log_path, tail))

    def _done(self, result: CrawlResult) -> CrawlResult:
        if not self._stopping:
            self._call(self.on_done, result)
        return result

    def _call(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        if callback is not None:
            with self._callbacks:
                callback(value)

    def stop(self) -> None:
        """Start nothing more; ask each running spider to stop (SIGINT: it closes its run), kill it after the
        grace period."""
        with self._lock:
            self._stopping = True
            running = list(self._running.values())
        for proc in running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in running:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()


def open_run(engine: Engine, site: str) -> int:
    """A new ``running`` row for a crawl of ``site`` about to start; its id (for ``INGEST_RUN_ID``)."""
    with session_scope(engine) as session:
        run = CrawlRun(spider=site, started_at=datetime.now(UTC), status="running", stats={}, drops={})
        session.add(run)
        session.flush()
        return run.id


def close_run(engine: Engine, run_id: int, code: int | None, *, stopping: bool) -> RunRecord | None:
    """Run ``run_id`` as recorded, completed with its process's exit code (None: never started), or None when the
    row is gone: a run the process left open is closed, a fine run whose process failed becomes ``failed``."""
    with session_scope(engine) as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            return None
        stats = {**(run.stats or {}), EXIT_CODE_KEY: code}
        if run.status == "running":
            run.status = "cancelled" if stopping else "failed"
            run.finish_reason = PROCESS_EXITED if code is not None else NOT_STARTED
            run.finished_at = datetime.now(UTC)
        elif code and run.status in OK_STATUSES:
            run.status = "failed"
        run.stats = stats
        return RunRecord(run.id, run.status, run.finish_reason, stats)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _hide_password(text: str, db_url: str) -> str:
    """``text`` with the database URL's password hidden (a spider may log the URL it was given)."""
    try:
        shown = make_url(db_url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return text
    return text.replace(db_url, shown)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__).split("(Background on this error")[0].strip()
