"""``ingest demo``: serve the bundled offline sites on 127.0.0.1, crawl them with the real spiders and pipelines,
and print what was stored (per-site counts and a sample query). Needs no internet.

Each site is crawled by ``scrapy crawl <site> -a start_url=<fixture URL>`` in a subprocess, exactly as a user
would crawl a mirror, through the runner ``ingest crawl`` uses (``ingest.crawl``), so the demo exercises the same
code as a scheduled crawl. Running it twice shows the incremental behaviour: the second run downloads no stored
article.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ingest.cli._common import shown_url
from ingest.crawl import CrawlJob, CrawlResult, run_crawls
from ingest.db.engine import read_scope
from ingest.demo.server import SITE_NAMES, FixtureServer
from ingest.query import Filters, find_articles

# Fixed ports keep the demo sites' URLs stable, so a second `ingest demo` is an incremental crawl.
DEMO_PORT = 8751

# Politeness settings are for real servers; the demo's sites are ours, on loopback.
_DEMO_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "RETRY_TIMES": "2",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": "0",
}


def _default_db() -> str:
    from ingest import settings

    return settings.INGEST_DB_URL


def _prepare_sqlite(db_url: str) -> None:
    """Create the folder of a SQLite file (``data/`` on a fresh clone)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _report(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with read_scope(engine) as session:  # the counts and the sample from one snapshot
            counts = list(session.execute(text("SELECT site, count(*) FROM articles GROUP BY site ORDER BY site")))
            latest = list(find_articles(session, Filters(limit=5, order="newest")))
    finally:
        engine.dispose()
    click.echo("\nArticles in the database, per site:")
    for site, count in counts:
        click.echo(f"  {site or '(unknown)':<12} {count:>5}")
    click.echo(f"  {'total':<12} {sum(c for _, c in counts):>5}")
    click.echo("\nSample query, the five newest articles (times in Vietnam, +07:00):")
    click.echo("  ingest query --limit 5")
    for article in latest:
        # A day-precision date has no time of day to show.
        width = 10 if article.get("published_precision") == "day" else 16
        published = (article.get("published") or "")[:width].replace("T", " ")
        click.echo(f"  {article.get('site') or '':<10} {published:<16}  {article.get('title')}")


@click.command()
@click.option("--db", "db_url", default=None, help="SQLAlchemy database URL [default: INGEST_DB_URL or data/news.db]")
@click.option(
    "--port",
    type=int,
    default=DEMO_PORT,
    show_default=True,
    help="first port of the demo sites (one per site); 0 = free ports (URLs then change between runs)",
)
@click.option(
    "--site", "sites", multiple=True, type=click.Choice(SITE_NAMES), help="crawl only this demo site (repeatable)"
)
def demo(db_url: str | None, port: int, sites: tuple[str, ...]) -> None:
    """Crawl the bundled offline demo sites into the database and show what was stored.

    Run it twice: the second run finds every article stored and downloads none of them again.

    \b
    Examples:
      ingest demo                                  # all demo sites into data/news.db
      ingest demo --db sqlite:////tmp/demo.db      # somewhere else
    """
    db = db_url or _default_db()
    _prepare_sqlite(db)
    server = FixtureServer(port=port, sites=list(sites) or None)
    try:
        server.start()
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc}; try --port 0 or another port") from exc
    settings = tuple(f"{key}={value}" for key, value in _DEMO_SETTINGS.items())
    jobs = [CrawlJob(name, db, arguments=(f"start_url={url}",), settings=settings) for name, url in server.urls.items()]
    failed: list[CrawlResult] = []

    def start(job: CrawlJob) -> None:
        click.echo(f"crawling {job.site} (offline copy at {server.urls[job.site]}) ...")

    def done(result: CrawlResult) -> None:
        if result.problem:
            failed.append(result)
            # The crawl's own log may echo the URL it was given; the runner hides the password in the tail.
            click.echo(f"  failed: {result.problem}\n{result.log_tail}", err=True)
            return
        stats = result.stats
        click.echo(
            f"  pages downloaded {stats.get('downloader/response_count', 0)}, "
            f"articles stored {stats.get('ingest/stored', 0)}, "
            f"stored ones skipped {stats.get('ingest/skipped_known', 0)}"
        )

    with server, tempfile.TemporaryDirectory() as tmp:
        run_crawls(jobs, log_dir=Path(tmp), on_start=start, on_done=done)
    _report(db)
    click.echo(f"\nDatabase: {shown_url(db)}")
    if failed:
        raise click.ClickException(f"{len(failed)} demo crawl(s) failed")
