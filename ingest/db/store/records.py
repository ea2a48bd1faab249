"""Records as the store takes them: an item's fields cleaned into column values, beside its dedup keys (pure).

A record is a mapping with ``ingest.items.ArticleItem`` field names. The crawl's dedup stage hands it over with its
keys (``content_hash``, ``fingerprint``, ``search_text``, computed once by ``ingest.dedup.content_keys``); a record
without them (``ingest reprocess``, a caller of the Python API) gets them here, from the same function. Values the
schema cannot hold are cleaned rather than failing a batch: NUL characters removed (PostgreSQL refuses them), a name
longer than its column left out, naive datetimes treated as UTC.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from typing import Any

from ingest.dedup import content_keys, to_signed, to_unsigned
from ingest.normalize import normalize_text, search_key_of_parts

# Role given to a named author when the byline said nothing about what they did.
DEFAULT_ROLE = "author"
# Longest URL and name the schema holds (String columns); longer values are not stored rather than failing a batch.
URL_MAX = 2000
NAME_MAX = 300

# Item field -> column, for the fields ``ingest.normalize.choice.merge_copy`` may change that are plain columns.
MERGED_COLUMNS: dict[str, str] = {
    "published": "published_at",
    "published_precision": "published_precision",
    "published_raw": "published_raw",
    "published_year_inferred": "published_year_inferred",
    "part_of_day": "part_of_day",
    "modified": "modified_at",
    "modified_raw": "modified_raw",
    "lead": "lead",
    "category": "category",
    "tags": "tags",
    "images": "images",
    "language": "language",
}
# The byline group moves as a whole: names, roles, organisations and source read from one byline.
BYLINE_GROUP = ("authors", "author_roles", "organizations", "source", "byline_raw")

# (printed position, normalised name, roles) of one author.
Person = tuple[int, str, list[str]]


def aware(value: Any) -> datetime | None:
    """An aware datetime (a naive one taken as UTC); None for anything else."""
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def clean(value: Any, limit: int | None = None) -> str | None:
    """Text for a column: NUL characters removed; None when it is not text or cannot fit ``limit``."""
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        value = value.replace("\x00", "")
    return None if limit is not None and len(value) > limit else value


def clean_list(value: Any, limit: int | None = None) -> list[str]:
    """The non-blank strings of a list, cleaned like :func:`clean` (anything but a list gives ``[]``)."""
    if not value or not isinstance(value, (list, tuple)):
        return []
    out = []
    for v in value:
        if isinstance(v, str):
            if "\x00" in v:
                v = v.replace("\x00", "")
            if (limit is None or len(v) <= limit) and v.strip():
                out.append(v)
    return out


def json_safe(value: Any) -> Any:
    """``value`` as JSON gives it back, without NUL escapes."""
    if not value:  # nothing to clean (most pages list no images): skip the JSON round trip
        return value
    return json.loads(json.dumps(value, default=str).replace("\\u0000", ""))


def compress_html(html: Any) -> bytes | None:
    """zlib-compressed page bytes (str is UTF-8 encoded), None when there is nothing to keep."""
    if isinstance(html, str):
        html = html.encode("utf-8")
    return zlib.compress(html, 6) if isinstance(html, bytes) and html else None


def decompress_html(blob: bytes | None) -> bytes | None:
    """The page bytes stored by :func:`compress_html`."""
    return zlib.decompress(blob) if blob else None


# The same bylines come back article after article: each name is normalised once. A site prints a few hundred
# names at most; 16,384 entries (about 230 bytes each, 3.7 MB) would grow a crawl's memory with every new byline.
_person = lru_cache(maxsize=2_048)(normalize_text)


def people(rec: Mapping[str, Any]) -> tuple[list[Person], list[str]]:
    """``(position, author name, roles)`` in printed order (names normalised) and the organisation names."""
    given = rec.get("author_roles")
    roles: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    authors = [
        # One row per person however the page placed the tone marks ("Thuỷ" and "Thủy" are one author).
        (position, _person(name), clean_list(roles.get(name), 30) or [DEFAULT_ROLE])
        for position, name in enumerate(dict.fromkeys(clean_list(rec.get("authors"), NAME_MAX)))
    ]
    return authors, clean_list(rec.get("organizations"), NAME_MAX)


def source_name(value: Any) -> str | None:
    """The ``sources`` name of a record's ``source`` (None: no source, or one the column cannot hold)."""
    name = clean(value, NAME_MAX)
    return name if name and name.strip() else None


def merge_view(rec: Mapping[str, Any], authors: list[Person], orgs: list[str]) -> dict[str, Any]:
    """A record's mergeable fields (item names) in the form the database stores them, so a stored row and an
    incoming copy compare like with like (``ingest.db.store.snapshot`` reads the same form back)."""
    names = list(dict.fromkeys(name for _p, name, _r in authors))
    roles: dict[str, set[str]] = {}
    for _p, name, rs in authors:
        roles.setdefault(name, set()).update(rs)
    return {
        "published": aware(rec.get("published")),
        "published_precision": clean(rec.get("published_precision"), 10),
        "published_raw": clean(rec.get("published_raw")),
        "published_year_inferred": bool(rec.get("published_year_inferred")),
        "part_of_day": clean(rec.get("part_of_day"), 10),
        "modified": aware(rec.get("modified")),
        "modified_raw": clean(rec.get("modified_raw")),
        "authors": names,
        "author_roles": {name: sorted(rs) for name, rs in roles.items()},
        "organizations": sorted(set(orgs)),
        "source": source_name(rec.get("source")),
        "byline_raw": clean(rec.get("byline_raw")),
        "lead": clean(rec.get("lead")),
        "category": clean_list(rec.get("category")),
        "tags": clean_list(rec.get("tags")),
        "images": json_safe([i for i in rec.get("images") or [] if isinstance(i, Mapping)]),
        "language": clean(rec.get("language"), 20),
    }


class Record:
    """One record of a batch, ready for the decisions: identity, keys, and (computed when first needed) the
    article's column values, mergeable fields and people."""

    def __init__(self, rec: Mapping[str, Any], *, now: datetime) -> None:
        url = rec["url"]
        canon = rec.get("canonical_url") or url
        if len(canon) > URL_MAX:
            raise ValueError(f"canonical URL longer than {URL_MAX} characters: {canon[:100]}...")
        self.rec = rec
        self.url: str = url
        self.canon: str = canon
        self.site = clean(rec.get("site"), 100)
        self.seen = aware(rec.get("fetched_at")) or now
        given = rec.get("search_text")
        if rec.get("content_hash"):  # the dedup stage's keys
            self.chash: str = rec["content_hash"]
            fp = rec.get("fingerprint")
            self.search_text = given if isinstance(given, str) else self._search_text()
        else:
            keys = content_keys(rec.get("title"), rec.get("lead"), rec.get("body"))
            self.chash, fp = keys.content_hash, keys.fingerprint
            self.search_text = given if isinstance(given, str) else keys.search_text
        self.fp: int | None = to_unsigned(fp) if isinstance(fp, int) else None

    def _search_text(self) -> str:
        rec = self.rec
        return search_key_of_parts(clean(rec.get("title")), clean(rec.get("lead")), clean(rec.get("body")))

    @cached_property
    def people(self) -> tuple[list[Person], list[str]]:
        return people(self.rec)

    @cached_property
    def view(self) -> dict[str, Any]:
        """The mergeable fields, plus the identity ``canonical_url`` and ``site`` (see ``merge_view``)."""
        authors, orgs = self.people
        return {"canonical_url": self.canon, "site": self.site, **merge_view(self.rec, authors, orgs)}

    @cached_property
    def content(self) -> dict[str, Any]:
        """The content columns an insert or a content change writes (not identity, keys or crawl bookkeeping); the
        values ``merge_view`` gives the same fields."""
        rec = self.rec
        get = rec.get
        status = get("http_status")
        images = get("images")
        return {
            "title": clean(get("title")),
            "lead": clean(get("lead")),
            "body": clean(get("body")),
            "language": clean(get("language"), 20),
            "published_at": aware(get("published")),
            "published_raw": clean(get("published_raw")),
            "published_precision": clean(get("published_precision"), 10),
            "published_year_inferred": bool(get("published_year_inferred")),
            "part_of_day": clean(get("part_of_day"), 10),
            "modified_at": aware(get("modified")),
            "modified_raw": clean(get("modified_raw")),
            "byline_raw": clean(get("byline_raw")),
            "category": clean_list(get("category")),
            "tags": clean_list(get("tags")),
            "images": json_safe([i for i in images if isinstance(i, Mapping)]) if images else [],
            "search_text": self.search_text,
            "fetched_at": aware(get("fetched_at")),
            "http_status": status if isinstance(status, int) and 0 <= status < 1000 else None,
            "html_encoding": clean(get("encoding"), 40),
            "html_zlib": compress_html(get("html")),
        }

    @property
    def signed_fp(self) -> int | None:
        return to_signed(self.fp) if self.fp is not None else None
