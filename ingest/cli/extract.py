"""``ingest extract``: one saved page in, one JSON object out (the contract in DESIGN.md).

The fields are ``normalize_extracted(asdict(extract_article(...)), site=profile)``, exactly what the crawl's
normalize stage computes with the same site profile, so a page extracts the same way here and in a crawl.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ingest.extract import SiteProfile, extract_article, normalize_extracted
from ingest.normalize import VN_TZ


def _parse_fetched_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 date-time: {value!r}", param_hint="--fetched-at") from exc
    # A bare date-time is read as Vietnam's local time, like every date on these pages.
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def _profile(name: str | None) -> SiteProfile | None:
    if not name:
        return None
    from ingest.registry import RegistryError, load_sites

    try:
        sites = load_sites()
    except RegistryError as exc:
        raise click.ClickException(f"cannot read the site registry: {exc}") from exc
    site = sites.get(name)
    if site is None:
        known = ", ".join(sorted(sites)) or "none"
        raise click.BadParameter(f"unknown site {name!r} (registered: {known})", param_hint="--site")
    return site.profile()


def _iso(value: Any) -> str | None:
    return value.astimezone(VN_TZ).isoformat() if isinstance(value, datetime) else None


def extract_record(
    html: bytes, url: str, *, fetched_at: datetime | None = None, site: SiteProfile | None = None
) -> dict[str, Any]:
    """The ``ingest extract`` JSON object for one page (dates as ISO 8601 strings in +07:00)."""
    raw = extract_article(html, url, fetched_at=fetched_at, site=site)
    fields = normalize_extracted(asdict(raw), reference=fetched_at, site=site)
    return {
        "url": url or None,
        "canonical_url": fields["canonical_url"],
        "site": site.name if site else None,
        "title": fields["title"],
        "lead": fields["lead"],
        "body": fields["body"],
        "language": raw.language,
        "published": _iso(fields["published"]),
        "published_raw": fields["published_raw"],
        "published_precision": fields["published_precision"],
        "part_of_day": fields["part_of_day"],
        "published_year_inferred": fields["published_year_inferred"],
        "modified": _iso(fields["modified"]),
        "modified_raw": raw.modified_raw,
        "authors": fields["authors"],
        "byline_raw": raw.byline_raw,
        "author_roles": fields["author_roles"],
        "organizations": fields["organizations"],
        "source": fields["source"],
        "category": fields["category"],
        "tags": fields["tags"],
        "images": raw.images,
        "encoding": raw.encoding,
    }


@click.command("extract")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
@click.option("--url", default="", help="The URL the page was fetched from (resolves links, canonical URL).")
@click.option("--fetched-at", "fetched_at", default=None, help="When the page was fetched (ISO 8601); dates later "
              "than this are rejected and year-less dates take their year from it.")  # fmt: skip
@click.option("--site", default=None, help="A registered site name: use its selectors and date order.")
def extract(file: str, url: str, fetched_at: str | None, site: str | None) -> None:
    """Extract one saved article page and print it as one JSON object.

    \b
    Example:
      ingest extract page.html --url https://kontumtv.vn/tin-tuc/... --fetched-at 2021-12-20T08:00:00+07:00
    """
    moment = _parse_fetched_at(fetched_at)
    profile = _profile(site)
    if file == "-":
        html = sys.stdin.buffer.read()
    else:
        try:
            html = Path(file).read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {file}: {exc.strerror or exc}") from exc
    record = extract_record(html, url, fetched_at=moment, site=profile)
    click.echo(json.dumps(record, ensure_ascii=False))
