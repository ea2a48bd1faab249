"""``ingest crawl``: the scheduled job. Crawls registered sites, one at a time or a few in parallel, under a lock.

The crawls themselves run through ``ingest.crawl`` (one ``scrapy crawl <site>`` process per site, each run recorded
in ``crawl_runs`` and judged from its row); this command picks the sites, holds the lock, turns SIGTERM into a
graceful stop and prints progress and the verdicts.

A site *fails* when its recorded run is not finished/limited (e.g. ``ingest_db_error``, or its process died), when
it fetched listing pages but found no article link anywhere (the message names ``ingest sites check <site>``), or
it saw fewer articles than its registry ``expected_min_articles`` (``--min-articles`` overrides,
``--min-articles 0`` turns the check off). Exit codes: 0 all sites fine, 1 a site failed, 2 bad input,
75 (EX_TEMPFAIL) another ``ingest crawl`` holds the lock, so a scheduler can tell "busy" from "broken", 130
interrupted (Ctrl-C or SIGTERM: the running spiders are stopped gracefully and their runs recorded).
"""

from __future__ import annotations

import fcntl
import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ingest.cli._common import BadInput, close_matches, date_callback, db_option, is_terminal, open_engine, shown_url
from ingest.crawl import CrawlJob, CrawlResult, run_crawls

EXIT_LOCKED = 75  # sysexits.h EX_TEMPFAIL: "try again later"
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT


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
@click.option("-j", "--jobs", "parallel", type=click.IntRange(min=1, max=32), default=1, show_default=True,
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
    parallel: int,
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
    if any(value.partition("=")[0].strip() == "INGEST_RECORD_RUNS" for value in settings):
        raise BadInput("-s INGEST_RECORD_RUNS: `ingest crawl` judges each site by its recorded run (crawl_runs)")
    names, expected = _resolve_sites(sites, all_sites, province)
    jobs = [
        CrawlJob(
            site=name,
            db_url=db_url,
            since=since,
            max_pages=max_pages,
            arguments=arguments,
            settings=settings,
            min_articles=expected.get(name, 0) if min_articles is None else min_articles,
        )
        for name in names
    ]
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
            results = _run_with_progress(jobs, parallel=parallel, log_dir=logs)
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


def _run_with_progress(jobs: list[CrawlJob], *, parallel: int, log_dir: Path) -> list[CrawlResult]:
    if is_terminal():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("[bold]crawling"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, TextColumn("{task.description}")) as progress:
            task = progress.add_task("", total=len(jobs))

            def done(result: CrawlResult) -> None:
                progress.console.print(("[red]" if result.problem else "[green]") + result.summary())
                progress.update(task, advance=1, description=result.site)

            return run_crawls(jobs, log_dir=log_dir, parallel=parallel, on_done=done)

    def log(result: CrawlResult) -> None:
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        click.echo(f"{stamp} {'ERROR' if result.problem else 'INFO'} {result.summary()}")

    click.echo(f"{datetime.now().astimezone().isoformat(timespec='seconds')} INFO crawling {len(jobs)} site(s)")
    return run_crawls(jobs, log_dir=log_dir, parallel=parallel, on_done=log)
