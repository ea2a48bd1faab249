"""``ingest rejects``: the pages fetched as articles that were not stored, with why. A thin layer over
``ingest.query.find_rejects`` / ``reject_html`` (one session, one snapshot); ``ingest reprocess --rejected``
(``ingest.reprocess``) retries them."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ingest import query as q
from ingest.cli._common import BadInput, clean_errors, close_matches, db_option, is_terminal, reading

_TABLE_COLUMNS = ("id", "site", "reason", "attempts", "last_seen_at", "url", "detail")


def _cell(rec: dict[str, Any], column: str) -> str:
    value = rec.get(column)
    if column == "last_seen_at":
        return (value or "")[:16].replace("T", " ")
    return "" if value is None else str(value).replace("\t", " ").replace("\n", " ")


def _table(records: list[dict[str, Any]]) -> None:
    rows = [[_cell(rec, c) for c in _TABLE_COLUMNS] for rec in records]
    if is_terminal():
        from rich.console import Console
        from rich.table import Table

        table = Table()
        for column in _TABLE_COLUMNS:
            table.add_column(column, no_wrap=column in ("id", "site", "reason", "attempts", "last_seen_at"))
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    sys.stdout.write("\t".join(_TABLE_COLUMNS) + "\n")
    for row in rows:
        sys.stdout.write("\t".join(row) + "\n")


@click.command("rejects")
@click.option("--site", "sites", multiple=True, help="Only this site (registry name; repeatable).")
@click.option("--reason", default=None, help="Only this reason (no_body, listing_page, ...).")
@click.option("--all", "include_resolved", is_flag=True, help="Also pages stored since (resolved rejects).")
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many pages (0 = all).")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl", "json"]), default="table", show_default=True)
@click.option("--html", "html_of", default=None, metavar="ID|URL", help="Write one page's kept raw HTML to stdout.")
@db_option
@clean_errors
def rejects_cmd(
    sites: tuple[str, ...],
    reason: str | None,
    include_resolved: bool,
    limit: int,
    fmt: str,
    html_of: str | None,
    db_url: str,
) -> None:
    """Pages fetched as articles but not stored (no title, no body, legacy font, listing page, future date, ...),
    most recently rejected first, with their raw HTML kept for `ingest reprocess --rejected`.

    \b
    Examples:
      ingest rejects
      ingest rejects --site baokontum --reason no_body --format jsonl
      ingest rejects --html 17 > page.html
    """
    if limit < 0:
        raise BadInput(f"--limit must be 0 or more, not {limit}")
    with reading(db_url) as session:
        if html_of is not None:
            html = q.reject_html(session, html_of)
            if html is None:
                raise click.ClickException(f"no rejected page with id or URL {html_of!r} (or no HTML kept for it)")
            sys.stdout.buffer.write(html)
            return
        if sites:
            from ingest.cli.query import _registry_names

            known_sites = set(_registry_names()) | set(q.reject_sites(session))
            for site in sites:
                if site not in known_sites:
                    raise BadInput(f"unknown site {site!r}: {close_matches(site, known_sites)}")
        if reason is not None:
            known = q.reject_reasons(session)
            if reason not in known:
                hint = close_matches(reason, known, listed_by=None)
                raise BadInput(f"no rejected page has reason {reason!r}: {hint}")
        filters = q.RejectFilters(
            site=list(sites) or None, reason=reason, include_resolved=include_resolved, limit=limit or None
        )
        records = q.find_rejects(session, filters)
    if fmt == "jsonl":
        for rec in records:
            click.echo(json.dumps(rec, ensure_ascii=False))
    elif fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        _table(records)
