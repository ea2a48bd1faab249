"""``ingest crawl``: the scheduled job. Crawls registered sites, one at a time or a few in parallel, under a lock.

Each site runs as ``scrapy crawl <site>`` in its own subprocess (the same command a user runs by hand), rather
than all spiders in one ``CrawlerProcess``: Twisted's reactor cannot be restarted, so one process per site keeps a
crash, a memory leak or a hung site from taking the others down, lets ``--jobs`` crawl a few sites in parallel on
more cores, and gives each site its own log. Every run is recorded in ``crawl_runs`` by
``ingest.runs.CrawlRunRecorder``; this command reads each run's stats (``INGEST_STATS_FILE``) to judge it.

A site *fails* when its process exits non-zero, its run status is not finished/limited (e.g. ``ingest_db_error``),
when it fetched listing pages but found no article link anywhere (the message names ``ingest sites check <site>``),
or it saw fewer articles than its registry ``expected_min_articles`` (``--min-articles`` overrides,
``--min-articles 0`` turns the check off). Exit codes: 0 all sites fine, 1 a site failed, 2 bad input,
75 (EX_TEMPFAIL) another ``ingest crawl`` holds the lock, so a scheduler can tell "busy" from "broken", 130
interrupted (Ctrl-C or SIGTERM: the running spiders are stopped gracefully and their runs recorded).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ingest.cli._common import BadInput, close_matches, date_callback, db_option, is_terminal, open_engine, shown_url

logger = logging.getLogger(__name__)

EXIT_LOCKED = 75  # sysexits.h EX_TEMPFAIL: "try again later"
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT

# Stats counting the articles a site showed us this run, new or already stored (incremental runs skip these).
SEEN_KEYS = (
    "ingest/stored",
    "ingest/updated",
    "ingest/unchanged",
    "ingest/duplicate_exact",
    "ingest/duplicate_near",
    "ingest/skipped_known",
)
OK_STATUSES = ("finished", "limited")


class CrawlLocked(Exception):
    """Another process holds the crawl lock."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"another `ingest crawl` is running (lock {path} held{' by ' + holder if holder else ''})")
        self.path = path


def default_lock_path(db_url: str) -> Path:
    """Beside a SQLite file (``data/news.db`` -> ``data/news.db.crawl.lock``); ``data/ingest-crawl.lock`` otherwise."""
    try:
        url = make_url(db_url)
    except ArgumentError:
        url = None
    if url is not None and url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(os.path.expanduser(url.database)).with_name(Path(url.database).name + ".crawl.lock")
    return Path("data") / "ingest-crawl.lock"


@contextmanager
def crawl_lock(path: Path) -> Iterator[IO[str]]:
    """Hold an exclusive ``flock`` on ``path`` for the block; raise ``CrawlLocked`` at once if it is taken.

    ``flock`` is released by the kernel when the process dies, so a killed crawl never leaves a stale lock.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raise CrawlLocked(path, fh.read().strip()) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {datetime.now().astimezone().isoformat(timespec='seconds')}\n")
        fh.flush()
        yield fh
    finally:
        fh.close()  # closing the descriptor releases the lock


@dataclass
class SiteResult:
    """How one site's crawl went."""

    site: str
    exit_code: int
    stats: dict[str, Any] = field(default_factory=dict)
    expected_min: int = 0
    seconds: float = 0.0
    log_tail: str = ""

    @property
    def status(self) -> str:
        return str(self.stats.get("ingest/run_status") or ("failed" if self.exit_code else "unknown"))

    @property
    def seen(self) -> int:
        return sum(int(self.stats.get(key, 0) or 0) for key in SEEN_KEYS)

    @property
    def problem(self) -> str | None:
        """Why this site counts as failed, or None."""
        # Before the exit code: such a run is recorded as failed, and its process exits 1 for that reason.
        from ingest.runs import no_articles_found

        if no_articles_found(self.stats):
            pages = self.stats.get("ingest/discovery/listing_pages", 0)
            return (
                f"{pages} listing page(s) fetched but no article link found (nor in feeds or sitemaps): the registry "
                f"entry no longer matches the site; run `ingest sites check {self.site}` to see what it links to"
            )
        if self.exit_code != 0:
            return f"scrapy exited with code {self.exit_code}"
        if not self.stats:
            return "the crawl wrote no stats"
        reason = self.stats.get("finish_reason")
        if self.status not in OK_STATUSES:
            return f"run {self.status} (finish reason {reason})"
        if self.seen < self.expected_min:
            return f"saw {self.seen} articles, expected at least {self.expected_min}"
        return None

    def summary(self) -> str:
        s = self.stats
        return (
            f"{self.site}: {self.problem or 'ok'}; pages {s.get('downloader/response_count', 0)}, "
            f"new {s.get('ingest/stored', 0)}, updated {s.get('ingest/updated', 0)}, "
            f"already stored {s.get('ingest/skipped_known', 0) + s.get('ingest/unchanged', 0)}, "
            f"dropped {sum(v for k, v in s.items() if k.count('/') == 2 and k.startswith('ingest/dropped/'))} "
            f"(kept as rejects {s.get('ingest/rejected', 0)}), "
            f"{self.seconds:.0f}s"
        )


def crawl_command(site: str, db_url: str, stats_file: Path, *, since: datetime | None, settings: Sequence[str],
                  max_pages: int | None, arguments: Sequence[str] = ()) -> list[str]:  # fmt: skip
    """The ``scrapy crawl`` command line for one site."""
    command = [sys.executable, "-m", "scrapy", "crawl", site]
    command += ["-s", f"INGEST_DB_URL={db_url}", "-s", f"INGEST_STATS_FILE={stats_file}"]
    if since is not None:
        command += ["-a", f"since={since.isoformat()}"]
    if max_pages is not None:
        command += ["-a", f"max_pages={max_pages}"]
    for argument in arguments:
        command += ["-a", argument]
    for setting in settings:
        command += ["-s", setting]
    return command


def _start(site: str, command: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": os.environ.get("SCRAPY_SETTINGS_MODULE", "ingest.settings")}
    with log_path.open("wb") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_sites(
    sites: Sequence[str],
    db_url: str,
    *,
    expected: dict[str, int],
    since: datetime | None = None,
    settings: Sequence[str] = (),
    arguments: Sequence[str] = (),
    max_pages: int | None = None,
    jobs: int = 1,
    log_dir: Path,
    on_done: Any = None,
) -> list[SiteResult]:
    """Crawl ``sites`` with at most ``jobs`` scrapy processes at once; one ``SiteResult`` per site, in order."""
    pending = list(sites)
    running: dict[str, tuple[subprocess.Popen[bytes], float]] = {}
    results: dict[str, SiteResult] = {}
    try:
        _crawl_loop(pending, running, results, db_url, expected, since, settings, arguments, max_pages, jobs,
                    log_dir, on_done)  # fmt: skip
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM from systemd) or broken: stop the spiders cleanly, each closes its run.
        for proc, _ in running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc, _ in running.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        raise
    return [results[s] for s in sites]


def _crawl_loop(
    pending: list[str],
    running: dict[str, tuple[subprocess.Popen[bytes], float]],
    results: dict[str, SiteResult],
    db_url: str,
    expected: dict[str, int],
    since: datetime | None,
    settings: Sequence[str],
    arguments: Sequence[str],
    max_pages: int | None,
    jobs: int,
    log_dir: Path,
    on_done: Any,
) -> None:
    while pending or running:
        while pending and len(running) < max(1, jobs):
            site = pending.pop(0)
            stats_file = log_dir / f"{site}.stats.json"
            # A kept --log-dir may hold the last run's stats: a crawl that dies early must not inherit them.
            stats_file.unlink(missing_ok=True)
            command = crawl_command(
                site, db_url, stats_file, since=since, settings=settings, max_pages=max_pages, arguments=arguments
            )
            running[site] = (_start(site, command, log_dir / f"{site}.log"), time.monotonic())
        time.sleep(0.1)
        for site, (proc, started) in list(running.items()):
            code = proc.poll()
            if code is None:
                continue
            del running[site]
            stats_file = log_dir / f"{site}.stats.json"
            stats: dict[str, Any] = {}
            if stats_file.exists():
                try:
                    stats = json.loads(stats_file.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    stats = {}
            stats = _with_recorded_run(db_url, stats)
            result = SiteResult(site, code, stats, expected.get(site, 0), time.monotonic() - started)
            if result.problem:
                result.log_tail = _tail(log_dir / f"{site}.log")
            results[site] = result
            if on_done is not None:
                on_done(result)


def _with_recorded_run(db_url: str, stats: dict[str, Any]) -> dict[str, Any]:
    """The spider's stats file completed from its ``crawl_runs`` row (written after the file, at spider_closed):
    the recorded status and finish reason are the run's verdict. Without a row, the status is derived the same way.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from ingest.db.engine import get_engine, session_scope
    from ingest.db.models import CrawlRun
    from ingest.runs import run_status

    run_id = stats.get("ingest/run_id")
    if isinstance(run_id, int):
        try:
            engine = get_engine(db_url)
            try:
                with session_scope(engine) as session:
                    run = session.get(CrawlRun, run_id)
                    if run is not None and run.status != "running":
                        merged = {**stats, **(run.stats or {})}
                        merged["finish_reason"] = run.finish_reason
                        merged["ingest/run_status"] = run.status
                        return merged
            finally:
                engine.dispose()
        except SQLAlchemyError as exc:
            logger.warning("could not read run %s: %s", run_id, exc)
    if stats and "ingest/run_status" not in stats:
        stats = {**stats, "ingest/run_status": run_status(stats.get("finish_reason"), stats)}
    return stats


def _resolve_sites(names: tuple[str, ...], all_sites: bool, province: str | None) -> tuple[list[str], dict[str, int]]:
    from ingest.registry import RegistryError, load_sites, sites_for_province

    try:
        registry = load_sites()
    except RegistryError as exc:
        raise click.ClickException(f"cannot read the site registry: {str(exc).splitlines()[0]}") from exc
    expected = {name: site.expected_min_articles for name, site in registry.items()}
    if all_sites and (names or province):
        raise BadInput("give site names, --province or --all, not several")
    if all_sites:
        # Archived sites (merged into another outlet) publish nothing new: a scheduled run skips them.
        return [n for n, s in registry.items() if s.status != "archive"], expected
    if province:
        found = [s.name for s in sites_for_province(registry, province)]
        if not found:
            raise BadInput(f"no registered site in province {province!r}")
        return [*found, *[n for n in names if n not in found]], expected
    if not names:
        raise BadInput("name the sites to crawl, or --all (see `ingest sites`)")
    known = set(registry) | {"article"}
    for name in names:
        if name not in known:
            raise BadInput(f"unknown site {name!r}: {close_matches(name, known)}")
    return list(dict.fromkeys(names)), expected


@click.command("crawl")
@click.argument("sites", nargs=-1)
@click.option("--all", "all_sites", is_flag=True, help="Every registered site (archived ones excepted).")
@click.option("--province", default=None, help="The sites of this province (current or pre-2025 name).")
@click.option("--since", default=None, callback=date_callback(), help="Only articles published since (Vietnam time).")
@click.option("--max-pages", type=click.IntRange(min=1), default=None, help="Listing pages per site at most.")
@click.option("--min-articles", type=click.IntRange(min=0), default=None,
              help="Fail a site seeing fewer articles [default: registry expected_min_articles; 0=off].")  # fmt: skip
@click.option("-j", "--jobs", type=click.IntRange(min=1, max=32), default=1, show_default=True,
              help="Sites crawled in parallel (one scrapy process each).")  # fmt: skip
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="A Scrapy setting (repeatable).")
@click.option("-a", "--arg", "arguments", multiple=True, metavar="NAME=VALUE",
              help="A spider argument for every site, e.g. start_url= for a mirror (repeatable).")  # fmt: skip
@click.option("--lock-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The overlap lock [default: beside the SQLite file, else data/ingest-crawl.lock].")  # fmt: skip
@click.option("--log-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep each site's scrapy log and stats here [default: a temporary folder].")  # fmt: skip
@db_option
def crawl(
    sites: tuple[str, ...],
    all_sites: bool,
    province: str | None,
    since: datetime | None,
    max_pages: int | None,
    min_articles: int | None,
    jobs: int,
    settings: tuple[str, ...],
    arguments: tuple[str, ...],
    lock_file: Path | None,
    log_dir: Path | None,
    db_url: str,
) -> None:
    """Crawl registered sites into the database (incrementally), under a lock so scheduled runs never overlap.

    Exits 0 when every site finished, 1 when a site failed or saw fewer articles than it usually does,
    75 at once when another `ingest crawl` holds the lock.

    \b
    Examples:
      ingest crawl --all                       # the scheduled job (cron / systemd timer)
      ingest crawl baokontum baoquangngai --since 2025-07-01
      ingest crawl --province "Kon Tum" -j 2 --log-dir logs/
    """
    for flag, values in (("-s", settings), ("-a", arguments)):
        for value in values:
            if "=" not in value:
                raise BadInput(f"{flag} {value!r}: expected NAME=VALUE")
    names, expected = _resolve_sites(sites, all_sites, province)
    if min_articles is not None:
        expected = dict.fromkeys(names, min_articles)
    # Open (create, migrate) the database once, before any spider: a bad URL or a read-only file is one clear
    # error here, and parallel spiders do not race to migrate a new database.
    open_engine(db_url, write=True).dispose()
    lock_path = lock_file or default_lock_path(db_url)
    # systemd stops a unit with SIGTERM: treat it like Ctrl-C so the spiders are stopped, not orphaned.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with crawl_lock(lock_path), tempfile.TemporaryDirectory(prefix="ingest-crawl-") as tmp:
            logs = log_dir or Path(tmp)
            logs.mkdir(parents=True, exist_ok=True)
            results = _run_with_progress(names, db_url, expected, since, settings, arguments, max_pages, jobs, logs)
    except CrawlLocked as exc:
        click.echo(f"Error: {exc}; not starting a second one.", err=True)
        raise SystemExit(EXIT_LOCKED) from None
    except KeyboardInterrupt:
        click.echo("Error: interrupted; the running spiders were stopped and their runs recorded.", err=True)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except OSError as exc:
        raise click.ClickException(f"cannot use lock file {lock_path}: {exc.strerror or exc}") from exc
    finally:
        signal.signal(signal.SIGTERM, previous)
    failed = [r for r in results if r.problem]
    ok = len(results) - len(failed)
    click.echo(f"crawled {len(results)} site(s) into {shown_url(db_url)}: {ok} ok, {len(failed)} failed")
    for result in failed:
        click.echo(f"FAILED {result.site}: {result.problem}", err=True)
        if result.log_tail:
            click.echo("  " + result.log_tail.replace("\n", "\n  "), err=True)
    if failed:
        raise SystemExit(EXIT_FAILED)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _run_with_progress(
    names: list[str],
    db_url: str,
    expected: dict[str, int],
    since: datetime | None,
    settings: Sequence[str],
    arguments: Sequence[str],
    max_pages: int | None,
    jobs: int,
    logs: Path,
) -> list[SiteResult]:
    kwargs: dict[str, Any] = {
        "expected": expected,
        "since": since,
        "settings": settings,
        "arguments": arguments,
        "max_pages": max_pages,
        "jobs": jobs,
        "log_dir": logs,
    }
    if is_terminal():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("[bold]crawling"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, TextColumn("{task.description}")) as progress:
            task = progress.add_task("", total=len(names))

            def done(result: SiteResult) -> None:
                progress.console.print(("[red]" if result.problem else "[green]") + result.summary())
                progress.update(task, advance=1, description=result.site)

            return run_sites(names, db_url, on_done=done, **kwargs)

    def log(result: SiteResult) -> None:
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        click.echo(f"{stamp} {'ERROR' if result.problem else 'INFO'} {result.summary()}")

    click.echo(f"{datetime.now().astimezone().isoformat(timespec='seconds')} INFO crawling {len(names)} site(s)")
    return run_sites(names, db_url, on_done=log, **kwargs)
