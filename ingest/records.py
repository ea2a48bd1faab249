"""The article record: the one JSON-ready shape in which an article leaves the project.

``ingest query --format jsonl`` (a stored row, through ``ingest.query``) and the crawl's feed exports
(``scrapy crawl SITE -O out.jsonl``, an item, through ``ingest.exporters``) both build their records with
:func:`article_record`, so the two agree field by field: the crawl's record is what ``ingest query`` later shows
for the stored row, less ``id`` and ``duplicate_of``, which only the store decides.

What is canonical here is what the store makes canonical when it writes a row: dates as ISO 8601 in Vietnam's time
(+07:00), one author per person whatever the tone-mark placement (``normalize_text``, the store's author key), each
author's printed roles sorted, organisations sorted, empty names and labels left out. Pure: no Scrapy, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ingest.normalize import VN_TZ, normalize_text

# The ``ingest extract`` fields (DESIGN.md), in its order, then the stored-row extras.
EXTRACT_FIELDS: tuple[str, ...] = (
    "url", "canonical_url", "site", "title", "lead", "body", "language", "published", "published_raw",
    "published_precision", "part_of_day", "published_year_inferred", "modified", "modified_raw", "authors",
    "byline_raw", "author_roles", "organizations", "source", "category", "tags", "images", "encoding",
)  # fmt: skip
RECORD_FIELDS: tuple[str, ...] = ("id", *EXTRACT_FIELDS, "fetched_at", "duplicate_of")
# What a crawl knows of a record when its item is exported: the database gives `id`, and the store decides
# `duplicate_of` in a later batch, after the item has left the pipeline.
CRAWL_FIELDS: tuple[str, ...] = tuple(f for f in RECORD_FIELDS if f not in ("id", "duplicate_of"))


def iso(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in Vietnam's time (+07:00); None stays None."""
    return value.astimezone(VN_TZ).isoformat() if isinstance(value, datetime) else None


def _labels(value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)):
        return []
    return [v for v in value if isinstance(v, str) and v.strip()]


def _people(authors: Any, author_roles: Any) -> tuple[list[str], dict[str, list[str]]]:
    """Authors in printed order, one per person, and the roles printed for each (sorted)."""
    given: Mapping[str, Any] = author_roles if isinstance(author_roles, Mapping) else {}
    names: dict[str, set[str]] = {}
    for name in _labels(authors):
        # Two spellings of one name ("Thuỷ", "Thủy") are one person, as the store files them.
        names.setdefault(normalize_text(name), set()).update(_labels(given.get(name)))
    return list(names), {name: sorted(roles) for name, roles in names.items() if roles}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Mapping):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    return value


def article_record(values: Mapping[str, Any], fields: Iterable[str] = RECORD_FIELDS) -> dict[str, Any]:
    """The record of one article, JSON-ready, with exactly ``fields`` (a field ``values`` lacks is None).

    ``values`` holds the article's fields by their record names with Python values (aware datetimes, lists,
    dicts), as an ``ArticleItem`` or a stored row read back has them.
    """
    wanted: Sequence[str] = tuple(fields)
    authors, roles = _people(values.get("authors"), values.get("author_roles"))
    canonical = {
        "authors": authors,
        "author_roles": roles,
        "organizations": sorted(set(_labels(values.get("organizations")))),
        "category": _labels(values.get("category")),
        "tags": _labels(values.get("tags")),
        "images": [_value(i) for i in values.get("images") or [] if isinstance(i, Mapping)],
    }
    return {name: canonical[name] if name in canonical else _value(values.get(name)) for name in wanted}
