"""``ingest stats|runs|sites``: what is stored per site, the recent crawl runs, and the registry with health."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from ingest import query as q
from ingest.cli._common import clean_errors, db_option, is_terminal, missing_sqlite_file, reading


def print_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None) -> None:
    """A rich table on a terminal; tab-separated lines (header first) in a pipe or file."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    if is_terminal():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for i, column in enumerate(columns):
            # The first column names the row: never cut; the others wrap when the terminal is narrow.
            table.add_column(column, no_wrap=i == 0)
        for row in cells:
            table.add_row(*row)
        Console().print(table)
        return
    sys.stdout.write("\t".join(columns) + "\n")
    for row in cells:
        sys.stdout.write("\t".join(row) + "\n")


def _day(value: str | None) -> str:
    return (value or "")[:16].replace("T", " ")


def _flags(flags: dict[str, Any] | None) -> str:
    """A run's flags as ``generic_links=12 registry_stale=1`` (empty when the registry entry sufficed)."""
    return " ".join(f"{k}={v}" for k, v in sorted((flags or {}).items()))


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@db_option
@clean_errors
def stats_cmd(as_json: bool, db_url: str) -> None:
    """Per site: articles, near-duplicates, latest published, last run, share with a date and with an author.

    \b
    Examples:
      ingest stats
      ingest stats --json --db postgresql+psycopg://ingest@db/news
    """
    with reading(db_url) as session:
        rows = q.stats(session)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    columns = ("site", "articles", "near-dup", "latest published", "last run", "status", "dated", "author")
    table = [
        (
            r["site"],
            r["articles"],
            r["near_duplicates"],
            _day(r["latest_published"]),
            _day(r["last_run"]),
            r["last_run_status"],
            _pct(r["share_dated"]),
            _pct(r["share_with_author"]),
        )
        for r in rows
    ]
    total = sum(r["articles"] for r in rows)
    table.append(("total", total, sum(r["near_duplicates"] for r in rows), "", "", "", "", ""))
    print_rows(columns, table)


@click.command("runs")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many recent runs.")
@click.option("--spider", default=None, help="Only runs of this spider.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with every stat) instead of a table.")
@db_option
@clean_errors
def runs_cmd(limit: int, spider: str | None, as_json: bool, db_url: str) -> None:
    """Recent crawl runs, newest first: spider, start, end, status, finish reason, pages, articles, rejects, drops.

    "rejected" counts pages fetched as articles but kept out of the articles table (see `ingest rejects`).

    \b
    Examples:
      ingest runs
      ingest runs --spider baokontum --limit 5 --json
    """
    with reading(db_url) as session:
        rows = q.runs(session, limit, spider=spider)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    columns = ("id", "spider", "started", "finished", "status", "reason", "pages", "stored", "rejected", "errors",
               "drops", "flags")  # fmt: skip
    print_rows(
        columns,
        [
            (
                r["id"],
                r["spider"],
                _day(r["started_at"]),
                _day(r["finished_at"]),
                r["status"],
                r["finish_reason"],
                r["pages"],
                r["items_stored"],
                r["items_rejected"],
                r["errors"],
                " ".join(f"{k}={v}" for k, v in sorted(r["drops"].items())),
                _flags(r["flags"]),
            )
            for r in rows
        ],
    )


@click.group("sites", invoke_without_command=True)
@click.option("--province", default=None, help="Only sites of this province (current or pre-2025 name).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--no-health", is_flag=True, help="Registry only: do not open the database.")
@db_option
@click.pass_context
@clean_errors
def sites_cmd(ctx: click.Context, province: str | None, as_json: bool, no_health: bool, db_url: str) -> None:
    """The site registry with each site's health: articles stored, last successful run, last run's yield, and
    what the last run had to work around (generic link detection standing in for the entry).

    `ingest sites check NAME` checks one entry against the live site (see its --help).

    \b
    Examples:
      ingest sites
      ingest sites --province "Kon Tum" --json
      ingest sites check baogialai
    """
    if ctx.invoked_subcommand is not None:
        return
    from ingest.registry import RegistryError, load_sites, sites_for_province

    try:
        registry = load_sites()
    except RegistryError as exc:
        raise click.ClickException(f"cannot read the site registry: {str(exc).splitlines()[0]}") from exc
    sites = sites_for_province(registry, province) if province else list(registry.values())
    if province and not sites:
        raise click.ClickException(f"no registered site in province {province!r}")
    health: dict[str, dict[str, Any]] = {}
    if not no_health and (missing := missing_sqlite_file(db_url)):
        # A fresh checkout has a registry but no database yet: show the registry, say why health is empty.
        click.echo(f"no database at {missing} yet: no crawl has run (health columns empty)", err=True)
        no_health = True
    if not no_health:
        with reading(db_url) as session:
            health = q.site_health(session, [s.name for s in sites])
    rows = []
    for site in sites:
        h = health.get(site.name, {})
        rows.append(
            {
                "name": site.name,
                "title": site.title,
                "province": site.province,
                "status": site.status,
                "cms": site.cms,
                "domains": list(site.domains),
                "expected_min_articles": site.expected_min_articles,
                **h,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    columns = ["name", "province", "status", "domain"]
    if not no_health:
        columns += ["articles", "last success", "last run", "yield", "flags"]
    table = []
    for r in rows:
        row: list[Any] = [r["name"], r["province"], r["status"], (r["domains"] or [""])[0]]
        if not no_health:
            row += [r["articles"], _day(r["last_success"]), r["last_status"], r["last_yield"], _flags(r["last_flags"])]
        table.append(row)
    print_rows(columns, table)
