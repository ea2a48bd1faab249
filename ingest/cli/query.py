"""``ingest query|show|export|reprocess``: select stored articles with the same filters, and print, export or
re-derive them. A thin layer over ``ingest.query`` (reads) and ``ingest.reprocess`` (writes): option parsing, the
command's session, output formats, one-line errors.

Each command opens one session and hands it to the functions it calls: the reads of ``query``, ``show`` and
``export`` share one snapshot (``reading``); ``reprocess`` commits after every article, so an error part-way keeps
the articles done before it.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import click
from sqlalchemy.orm import Session

from ingest import query as q
from ingest.cli._common import (
    BadInput,
    clean_errors,
    close_matches,
    database_errors,
    date_callback,
    db_option,
    is_terminal,
    open_engine,
    reading,
)

F = TypeVar("F", bound=Callable[..., Any])


def filter_options(func: F) -> F:
    """The selection options ``query``, ``export`` and ``reprocess`` share."""
    options = [
        click.option("--site", "sites", multiple=True, help="Only this site (registry name; repeatable)."),
        click.option("--province", default=None, help="Only sites of this province (current or pre-2025 name)."),
        click.option("--since", default=None, callback=date_callback(), help="Published on or after (Vietnam time)."),
        click.option("--until", default=None, callback=date_callback(end=True), help="Published on or before."),
        click.option("--author", default=None, help="Author name contains this (accent-insensitive)."),
        click.option("--search", default=None, help="Phrase in title, lead or body (accent-insensitive, đ = d)."),
        click.option(
            "--include-duplicates", is_flag=True, help="Also near-duplicates (syndicated copies) of other articles."
        ),
        click.option("--order", type=click.Choice(q.ORDERS), default="newest", show_default=True),
        db_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_filters(session: Session, *, sites: tuple[str, ...], limit: int | None, **kw: Any) -> q.Filters:
    """``Filters`` from the options, checking site names against the registry and the database."""
    if sites:
        known = set(_registry_names()) | set(q.stored_sites(session))
        for site in sites:
            if site not in known:
                raise BadInput(f"unknown site {site!r}: {close_matches(site, known)}")
    if limit is not None and limit < 0:
        raise BadInput(f"--limit must be 0 or more, not {limit}")
    since: datetime | None = kw["since"]
    until: datetime | None = kw["until"]
    if since and until and since > until:
        raise BadInput(f"--since ({since.date()}) is after --until ({until.date()})")
    return q.Filters(
        site=list(sites) or None,
        province=kw["province"],
        since=since,
        until=until,
        author=kw["author"],
        search=kw["search"],
        include_duplicates=kw["include_duplicates"],
        limit=limit,
        order=kw["order"],
    )


def _registry_names() -> list[str]:
    from ingest.registry import RegistryError, load_sites

    try:
        return list(load_sites())
    except RegistryError as exc:
        raise click.ClickException(f"cannot read the site registry: {str(exc).splitlines()[0]}") from exc


def _checked(records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    try:
        yield from records
    except q.QueryError as exc:
        raise BadInput(str(exc)) from exc


def flat(value: Any) -> Any:
    """A cell for CSV/Parquet: lists of strings joined with "; ", other structures as JSON, scalars as they are."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_records(records: Iterable[dict[str, Any]], fmt: str, out: io.TextIOBase | Any) -> int:
    """Write ``records`` to a text stream as jsonl, json, csv or a table; returns how many were written."""
    count = 0
    if fmt == "jsonl":
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "json":
        out.write("[")
        for rec in records:
            out.write(("," if count else "") + "\n" + json.dumps(rec, ensure_ascii=False))
            count += 1
        out.write("\n]\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(q.RECORD_FIELDS), extrasaction="ignore")
        writer.writeheader()
        for rec in records:
            writer.writerow({k: flat(v) for k, v in rec.items()})
            count += 1
    else:
        count = _table(records, out)
    return count


_TABLE_COLUMNS = ("id", "site", "published", "authors", "title")


def _cell(rec: dict[str, Any], column: str) -> str:
    value = rec.get(column)
    if column == "published":
        return (value or "")[:16].replace("T", " ")
    if column == "authors":
        return ", ".join(value or [])
    return "" if value is None else str(value)


def _table(records: Iterable[dict[str, Any]], out: Any) -> int:
    rows = [[_cell(rec, c) for c in _TABLE_COLUMNS] for rec in records]
    if out is sys.stdout and is_terminal():
        from rich.console import Console
        from rich.table import Table

        table = Table()
        for column in _TABLE_COLUMNS:
            # Short columns keep their width; the title (and a long author list) wraps in what is left.
            table.add_column(column, no_wrap=column in ("id", "site", "published"))
        for row in rows:
            table.add_row(*row)
        Console().print(table)
    else:  # a pipe or a file: tab-separated, one article a line, easy to cut/grep
        out.write("\t".join(_TABLE_COLUMNS) + "\n")
        for row in rows:
            out.write("\t".join(c.replace("\t", " ").replace("\n", " ") for c in row) + "\n")
    return len(rows)


@click.command("query")
@filter_options
@click.option("--limit", type=int, default=20, show_default=True, help="At most this many articles (0 = all).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "jsonl", "csv", "json"]), default="table", show_default=True
)
@clean_errors
def query_cmd(db_url: str, sites: tuple[str, ...], limit: int, fmt: str, **kw: Any) -> None:
    """Find stored articles and print them (a table, or JSONL/CSV/JSON with `ingest extract`'s fields).

    Near-duplicates (syndicated copies) are left out unless --include-duplicates. Dates are read in Vietnam's
    time; a bare --until date includes that whole day.

    \b
    Examples:
      ingest query --search "quoc phong" --since 2025-07-01
      ingest query --province "Kon Tum" --author "nguyen van" --format jsonl | jq .title
      ingest query --site baokontum --until 31/12/2024 --order oldest --limit 0 --format csv > old.csv
    """
    with reading(db_url) as session:
        filters = build_filters(session, sites=sites, limit=limit or None, **kw)
        write_records(_checked(q.find_articles(session, filters)), fmt, sys.stdout)


@click.command("show")
@click.argument("article")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
@clean_errors
def show_cmd(article: str, fmt: str, db_url: str) -> None:
    """Print one stored article, by id or by any URL it was fetched under.

    \b
    Examples:
      ingest show 42
      ingest show https://baokontum.com.vn/thoi-su/abc-123.html --format json
    """
    with reading(db_url) as session:
        rec = q.get_article(session, article)
    if rec is None:
        raise click.ClickException(f"no stored article with id or URL {article!r}")
    if fmt == "json":
        click.echo(json.dumps(rec, ensure_ascii=False, indent=2))
        return
    for key in q.RECORD_FIELDS:
        if key in ("title", "lead", "body"):
            continue
        value = rec.get(key)
        if value not in (None, [], {}, ""):
            shown = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
            click.echo(f"{key + ':':<21}{shown}")
    for key in ("title", "lead", "body"):
        if rec.get(key):
            click.echo(f"\n{key.upper()}\n{rec[key]}")


@click.command("export")
@filter_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl", show_default=True)
@click.option("--limit", type=int, default=None, help="At most this many articles [default: all].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file [default: stdout; parquet needs a file].")  # fmt: skip
@clean_errors
def export_cmd(
    db_url: str, sites: tuple[str, ...], fmt: str, limit: int | None, output: Path | None, **kw: Any
) -> None:
    """Export the selected articles (all by default) as JSONL, CSV or Parquet.

    \b
    Examples:
      ingest export > all.jsonl
      ingest export --format parquet --province "Quảng Ngãi" --since 2025-01-01 -o qn.parquet
      ingest export --format csv --search "bão" -o bao.csv
    """
    if fmt == "parquet" and output is None:
        raise BadInput("--format parquet writes a binary file: give -o FILE")
    with reading(db_url) as session:
        filters = build_filters(session, sites=sites, limit=limit, **kw)
        records = _checked(q.find_articles(session, filters))
        if fmt == "parquet":
            assert output is not None
            count = _write_parquet(records, output)
        elif output is None:
            count = write_records(records, fmt, sys.stdout)
        else:
            try:
                with output.open("w", encoding="utf-8", newline="") as fh:
                    count = write_records(records, fmt, fh)
            except OSError as exc:
                raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc
    if output is not None:
        click.echo(f"{count} articles written to {output}", err=True)


def _write_parquet(records: Iterable[dict[str, Any]], output: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise click.ClickException("Parquet needs pyarrow: pip install 'vn-news-ingest[parquet]'") from exc
    # Nested values as JSON text so every file has the same flat, string-typed schema.
    types = {"id": pa.int64(), "duplicate_of": pa.int64(), "published_year_inferred": pa.bool_()}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in q.RECORD_FIELDS])
    rows = [{k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v) for k, v in r.items()}
            for r in records]  # fmt: skip
    try:
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), str(output))
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc}") from exc
    return len(rows)


@click.command("reprocess")
@filter_options
@click.option("--limit", type=int, default=None, help="At most this many articles [default: all selected].")
@click.option("--dry-run", is_flag=True, help="Only count what would be reprocessed.")
@click.option(
    "--rejected", is_flag=True, help="Retry the rejected pages (`ingest rejects`) instead; stores those that now pass."
)
@clean_errors
def reprocess_cmd(
    db_url: str, sites: tuple[str, ...], limit: int | None, dry_run: bool, rejected: bool, **kw: Any
) -> None:
    """Re-extract and re-normalise stored raw HTML with today's rules, updating the rows (no network).

    Run it after extraction or normalisation rules improve. Changed content is kept as a version. With --rejected,
    the open rejected pages (selected with --site, --province and --limit) are retried from their kept HTML: those
    that now pass validation are stored (the reject is marked resolved), the others keep their newest reason.

    \b
    Examples:
      ingest reprocess --site baokontum
      ingest reprocess --since 2025-07-01 --include-duplicates
      ingest reprocess --rejected --site baokontum --dry-run
    """
    if rejected:
        _reprocess_rejected(db_url, sites, limit, dry_run, **kw)
        return
    from ingest.db.engine import make_sessionmaker
    from ingest.reprocess import reprocess

    engine = open_engine(db_url, write=True)
    counts = {"updated": 0, "unchanged": 0, "no_html": 0, "failed": 0}
    # One session; the commit points are ours: after every article (what is not committed is rolled back on close).
    with database_errors(db_url), make_sessionmaker(engine)() as session:
        filters = build_filters(session, sites=sites, limit=limit, **kw)
        if dry_run:
            n = sum(1 for _ in _checked(q.find_articles(session, filters)))
            click.echo(f"{n} articles would be reprocessed")
            return
        profiles = _profiles()
        for article_id, outcome, detail in reprocess(session, filters, site_profiles=profiles):
            session.commit()
            counts[outcome] += 1
            if outcome == "failed":
                click.echo(f"article {article_id}: {detail}", err=True)
    engine.dispose()
    click.echo(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))
    if counts["failed"]:
        raise SystemExit(1)


# Options of the article selection that mean nothing for rejected pages (they have no date, author or text yet).
_ARTICLE_ONLY = ("since", "until", "author", "search", "include_duplicates")


def _reprocess_rejected(db_url: str, sites: tuple[str, ...], limit: int | None, dry_run: bool, **kw: Any) -> None:
    given = [name for name in _ARTICLE_ONLY if kw.get(name)]
    if given:
        shown = ", ".join("--" + name.replace("_", "-") for name in given)
        raise BadInput(f"{shown}: not for --rejected (select rejected pages with --site, --province, --limit)")
    if limit is not None and limit < 0:
        raise BadInput(f"--limit must be 0 or more, not {limit}")
    from ingest.db.engine import make_sessionmaker
    from ingest.reprocess import reprocess_rejected

    engine = open_engine(db_url, write=True)
    # One session; the commit points are ours: after every page (what is not committed is rolled back on close).
    with database_errors(db_url), make_sessionmaker(engine)() as session:
        chosen: list[str] | None = list(sites) or None
        if chosen:
            known = set(_registry_names()) | set(q.reject_sites(session))
            for site in chosen:
                if site not in known:
                    raise BadInput(f"unknown site {site!r}: {close_matches(site, known)}")
        if kw.get("province"):
            try:
                in_province = q.province_sites(kw["province"])
            except q.QueryError as exc:
                raise BadInput(str(exc)) from exc
            # Both given: the sites named that are in the province (as for articles, both conditions hold).
            chosen = [s for s in chosen if s in in_province] if chosen else in_province
        filters = q.RejectFilters(site=chosen, limit=limit or None)
        if dry_run:
            n = q.count_rejects(session, filters)
            click.echo(f"{n} rejected pages would be reprocessed")
            engine.dispose()
            return
        from ingest import settings

        counts = {"stored": 0, "rejected": 0, "no_html": 0, "failed": 0}
        outcomes = reprocess_rejected(
            session, filters, site_profiles=_profiles(), min_body_chars=settings.INGEST_MIN_BODY_CHARS
        )
        for reject_id, outcome, detail in outcomes:
            session.commit()
            counts[outcome] += 1
            if outcome == "failed":
                click.echo(f"rejected page {reject_id}: {detail}", err=True)
    engine.dispose()
    labels = {"stored": "stored", "rejected": "still rejected", "no_html": "no html", "failed": "failed"}
    click.echo(", ".join(f"{labels[k]} {v}" for k, v in counts.items()))
    if counts["failed"]:
        raise SystemExit(1)


def _profiles() -> dict[str, Any]:
    from ingest.registry import RegistryError, load_sites

    try:
        return {name: site.profile() for name, site in load_sites().items()}
    except RegistryError:
        return {}


COMMANDS = cast(list[click.Command], [query_cmd, show_cmd, export_cmd, reprocess_cmd])
