"""``ingest sites check``: check registry entries against their sites (or a saved page) and repair them.

A thin layer over ``ingest.sitecheck``: option parsing, the table or JSON output, the progress bar of ``--all``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click

from ingest.cli._common import BadInput, clean_errors, close_matches, is_terminal
from ingest.cli.inspect import print_rows
from ingest.normalize import VN_TZ
from ingest.registry import RegistryError, Site, default_sites_path, load_sites, sites_for_province
from ingest.sitecheck import CheckReport, Fetcher, check_site, entry_changes, write_entry


def _load() -> dict[str, Site]:
    try:
        return load_sites()
    except RegistryError as exc:
        raise click.ClickException(f"cannot read the site registry: {str(exc).splitlines()[0]}") from exc


def _examples(urls: Sequence[str], limit: int = 3) -> str:
    shown = "\n".join(urls[:limit])
    return shown + (f"\n… {len(urls) - limit} more" if len(urls) > limit else "")


def _sources(sources: Sequence[Any]) -> str:
    if not sources:
        return "none found"
    lines = []
    for s in sources:
        state = "not fetched" if s.status is None else f"HTTP {s.status}"
        if s.status == 200:
            state += f", {s.entries} {'sub-sitemaps' if s.kind == 'index' else 'entries'}"
        lines.append(f"{s.url} ({s.origin}; {state})")
    return "\n".join(lines)


def print_report(report: CheckReport) -> None:
    rows: list[tuple[str, Any]] = [("site", report.site or "(no registry entry)"), ("page", report.url)]
    if report.live:
        rows.append(("HTTP status", report.status if report.status is not None else f"failed: {report.error}"))
    if report.redirected_to:
        rows.append(("redirects to", report.redirected_to))
    a = report.analysis
    if a is not None:
        rows.append(("CMS", f"{a.cms}" + (f" ({'; '.join(a.cms_evidence)})" if a.cms_evidence else "")))
        rows.append(("feeds", _sources(report.feeds)))
        rows.append(("sitemaps", _sources(report.sitemaps)))
        if a.registry_knows:
            rows.append((f"articles by the entry: {len(a.registry_links)}", _examples(a.registry_links)))
        else:
            rows.append(("articles by the entry", "the entry has no article_patterns and no links selector"))
        generic = a.generic.articles
        rows.append((f"articles by generic detection: {len(generic)} ({len(a.generic.high)} sure)", _examples(generic)))
        if a.missed:
            rows.append((f"missed by the entry: {len(a.missed)}", _examples(a.missed)))
        rows.append(("listing links (category, tag, pages)", len(a.generic.listings)))
        rows.append(("next page", a.generic.next_url or "none found"))
        rows.append(("proposed article_patterns", "\n".join(a.proposed_article_patterns) or "none"))
        rows.append(("proposed listing_patterns", "\n".join(a.proposed_listing_patterns) or "none"))
        if a.proposed_skip_patterns:
            rows.append(("proposed skip_patterns", "\n".join(a.proposed_skip_patterns)))
    rows.append(("verdict", f"{report.verdict}: {report.explanation}"))
    print_rows(("check", "result"), rows)


def _summary(reports: Sequence[CheckReport]) -> None:
    columns = ("site", "reachable", "redirects to", "CMS", "registry", "generic", "feeds", "sitemaps", "verdict")
    table = []
    for r in reports:
        a = r.analysis
        table.append(
            (
                r.site,
                "yes" if a is not None else f"no ({r.error or r.status})",
                r.redirected_to or "",
                a.cms if a else "",
                len(a.registry_links) if a and a.registry_knows else "-",
                len(a.generic.articles) if a else "",
                sum(1 for s in r.feeds if s.entries),
                sum(1 for s in r.sitemaps if s.entries),
                r.verdict,
            )
        )
    print_rows(columns, table, title="ingest sites check")


def _group(site: Site) -> str:
    """Sites sharing a registrable domain are checked one after the other (one request at a time per domain)."""
    labels = site.domains[0].split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in ("com", "org", "net", "gov", "edu") else 2
    return ".".join(labels[-keep:])


def _check_all(sites: list[Site], fetcher: Fetcher, done: Callable[[CheckReport], None]) -> list[CheckReport]:
    groups: dict[str, list[Site]] = {}
    for site in sites:
        groups.setdefault(_group(site), []).append(site)

    def run(group: list[Site]) -> list[CheckReport]:
        out = []
        for site in group:
            report = check_site(site, fetcher=fetcher)
            done(report)
            out.append(report)
        return out

    by_name: dict[str, CheckReport] = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for reports in pool.map(run, groups.values()):
            by_name.update({r.site or "": r for r in reports})
    return [by_name[s.name] for s in sites]


@click.command("check")
@click.argument("name", required=False)
@click.option("--url", default=None, help="Check this page instead of the entry's first start URL (or a mirror).")
@click.option("--html", "html_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Check a saved page instead of fetching (needs --base-url).")  # fmt: skip
@click.option("--base-url", default=None, help="The URL the saved page was fetched from.")
@click.option("--all", "all_sites", is_flag=True, help="Check every registered site (politely) and print a summary.")
@click.option("--province", default=None, help="With --all: only the sites of this province.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--write", is_flag=True, help="Update the entry in the registry file (patterns, feeds, sitemaps, verified)."
)
@click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between two requests to one host.")  # fmt: skip
@clean_errors
def check(
    name: str | None,
    url: str | None,
    html_file: Path | None,
    base_url: str | None,
    all_sites: bool,
    province: str | None,
    as_json: bool,
    write: bool,
    delay: float,
) -> None:
    """What a crawl of a site would do: feeds and sitemaps found, article links found by the registry entry and by
    generic detection, pagination, the CMS family, and proposed article_patterns / listing_patterns.

    Exits 1 when no article is found (or the site cannot be reached). --write puts the proposals (and the feeds and
    sitemaps found, the CMS family when unknown) into the registry entry, keeping the file's comments and order,
    and sets `verified` to today after a live check. Without NAME, --url or --html checks any page.

    \b
    Examples:
      ingest sites check baogialai
      ingest sites check baogialai --url https://baogialai.com.vn/thoi-su/ --write
      ingest sites check --html saved.html --base-url https://example.vn/thoi-su/ --json
      ingest sites check --all --province "Gia Lai"
    """
    registry = _load()
    if all_sites or province:
        if name or url or html_file:
            raise BadInput("--all checks every registered site: give no NAME, --url or --html with it")
        sites = sites_for_province(registry, province) if province else list(registry.values())
        if not sites:
            raise BadInput(f"no registered site in province {province!r}")
        fetcher = Fetcher(delay=delay)
        reports = _run_all(sites, fetcher)
        if write:
            for report, each in zip(reports, sites, strict=True):
                _write(report, each)
        if as_json:
            click.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
        else:
            _summary(reports)
        if any(r.failed for r in reports):
            raise SystemExit(1)
        return
    site: Site | None = None
    if name is not None:
        if name not in registry:
            raise BadInput(f"unknown site {name!r}: {close_matches(name, registry)}")
        site = registry[name]
    elif not (url or html_file):
        raise BadInput("name a registered site, or give --url or --html (or --all)")
    if html_file is not None:
        if url:
            raise BadInput("give --url or --html, not both")
        if not base_url:
            raise BadInput("--html needs --base-url (the URL the page was saved from)")
        report = check_site(site, html=html_file.read_bytes(), base_url=base_url)
    else:
        report = check_site(site, fetcher=Fetcher(delay=delay), url=url)
    if write:
        if site is None:
            raise BadInput("--write needs a registered site NAME")
        _write(report, site)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_report(report)
    if report.failed:
        click.echo(f"Error: {report.explanation}", err=True)
        raise SystemExit(1)


def _run_all(sites: list[Site], fetcher: Fetcher) -> list[CheckReport]:
    if is_terminal():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("[bold]checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, TextColumn("{task.description}"), transient=True) as progress:
            task = progress.add_task("", total=len(sites))
            return _check_all(
                sites, fetcher, lambda r: progress.update(task, advance=1, description=f"{r.site}: {r.verdict}")
            )

    def log(report: CheckReport) -> None:
        sys.stderr.write(f"checked {report.site}: {report.verdict}\n")

    return _check_all(sites, fetcher, log)


def _write(report: CheckReport, site: Site) -> None:
    if report.analysis is None:
        click.echo(f"{site.name}: not written ({report.verdict})", err=True)
        return
    path = default_sites_path()
    changes = entry_changes(report, site, dt.datetime.now(VN_TZ).date())
    try:
        write_entry(path, site.name, changes)
    except RegistryError as exc:
        raise click.ClickException(f"{site.name}: the registry was not changed: {exc}") from exc
    fields = ", ".join(sorted(changes))
    click.echo(f"{site.name}: wrote {fields} to {path}", err=True)
