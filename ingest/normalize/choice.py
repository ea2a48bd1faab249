"""Choosing among several readings of one article, by quality and never by the order they arrived in.

One article can be read more than once: its page prints a date and a feed, the WordPress REST API or a news sitemap
gives another beside its URL (the *listed* date); the same text is met under a second URL (an exact duplicate, a URL
variant) whose page carries other metadata. Which reading a crawl meets first depends on the discovery path and, in
a distributed crawl, on the worker: what is stored must not. This module owns the fixed rules, as pure functions:

* :func:`combine_published`: the page's own date and a listed date. **The most precise reading that agrees on the
  day wins**: a listed date refines the page's date when both fall on the same day in Vietnam (or on the same day
  and month when the page's year was only inferred, see ``published_year_inferred``); a listed date on another day
  is ignored, the page is the authority on itself. A page with no date of its own takes the listed date. Only
  publication dates are listed dates (a feed's pubDate, the API's ``date_gmt``, ``news:publication_date``), never
  a sitemap's ``lastmod``, which is when the page last changed.
* :func:`finer`: of two readings, exact year before inferred year, then the more precise, then the earlier instant,
  then the raw string and day-part word: a total order, so the best of any set of readings is the same in every
  order.
* :func:`merge_copy`: what a stored article takes from another copy of itself (same content hash, or same canonical
  URL): each field group independently goes to the better copy by a total order (a date with minutes over a day,
  an exact year over an inferred one, authors over none, a lead over none, ...), so the merged row is the same
  whichever copy was stored first.

Where the rules run: the item's own date and its listed date are combined in the crawl's normalize stage, the one
place that sees both with their origin (``ingest.extract.normalize_extracted``); the store merges copies of a stored
article and listed dates that arrive after the article was stored (``ingest.db.store``), with the rules above.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Final

from ingest.normalize.dates import VN_TZ, ParsedDate, parse_date

__all__ = [
    "PRECISION_RANK",
    "DateReading",
    "agree",
    "combine_published",
    "finer",
    "listed_reading",
    "merge_copy",
    "reading_of",
]

PRECISION_RANK: Final = {"day": 0, "minute": 1, "second": 2}

# Field groups a copy contributes as a whole (a byline's names, roles, organisations and source belong together).
_DATE_FIELDS: Final = ("published", "published_precision", "published_raw", "published_year_inferred", "part_of_day")
_BYLINE_FIELDS: Final = ("authors", "author_roles", "organizations", "source", "byline_raw")


@dataclass(frozen=True)
class DateReading:
    """One reading of an article's publication date: an aware ``value``, how much of it was given (``precision``),
    whether its year was only inferred, the day-part word printed with it and the raw string it was read from."""

    value: datetime
    precision: str = "day"
    year_inferred: bool = False
    part_of_day: str | None = None
    raw: str | None = None

    @property
    def day(self) -> date:
        """The calendar day in Vietnam."""
        return self.value.astimezone(VN_TZ).date()

    def _key(self) -> tuple[int, int, float, str, str]:
        # Larger is better: exact year, more precision, earlier instant, then (for a total order: equal keys only for
        # equal readings) the raw string and the day-part word.
        return (
            0 if self.year_inferred else 1,
            PRECISION_RANK.get(self.precision, 0),
            -self.value.timestamp(),
            "" if self.raw is None else self.raw,
            self.part_of_day or "",
        )


def reading_of(parsed: ParsedDate | None, *, year_inferred: bool = False, raw: str | None = None) -> DateReading | None:
    """A :class:`DateReading` of a ``parse_date`` / ``find_dateline`` result (None stays None)."""
    if parsed is None:
        return None
    return DateReading(parsed.value, parsed.precision, year_inferred, parsed.part_of_day, raw)


def listed_reading(value: datetime | None) -> DateReading | None:
    """The reading of a listed date (a datetime from discovery). Its raw string is its ISO form; a value at
    midnight of its own time zone is taken as a date without a time (feeds and sitemaps that give only the day)."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    raw = value.isoformat()
    if value.timetz().replace(tzinfo=None) == time(0):
        return DateReading(datetime.combine(value.date(), time(0), tzinfo=VN_TZ), "day", False, None, raw)
    parsed = parse_date(raw)
    precision = parsed.precision if parsed is not None else "second"
    return DateReading(value.astimezone(VN_TZ), precision, False, None, raw)


def agree(a: DateReading, b: DateReading) -> bool:
    """Whether two readings can be the same date: the same day in Vietnam, or the same day and month when either
    year was only inferred."""
    if a.day == b.day:
        return True
    if a.year_inferred or b.year_inferred:
        return (a.day.month, a.day.day) == (b.day.month, b.day.day)
    return False


def finer(a: DateReading | None, b: DateReading | None) -> DateReading | None:
    """The better of two readings (None loses): exact year, then precision, then the earlier instant, then the raw
    string and day-part word. A pure maximum: the winner is taken whole (its day-part word with it; a reading to
    the minute shows the part of the day by itself), so the best of many readings is the same in every order."""
    if a is None or b is None:
        return a or b
    return a if a._key() >= b._key() else b


def combine_published(own: DateReading | None, listed: DateReading | None) -> DateReading | None:
    """The page's own date and the date discovery listed beside its URL: the most precise that agrees on the day.

    >>> from datetime import timezone
    >>> own = DateReading(datetime(2025, 5, 30, tzinfo=VN_TZ), "day", raw="30/05/2025")
    >>> api = listed_reading(datetime(2025, 5, 30, 4, 30, tzinfo=timezone.utc))
    >>> combine_published(own, api).value.isoformat()
    '2025-05-30T11:30:00+07:00'
    >>> other_day = listed_reading(datetime(2025, 6, 2, 4, 30, tzinfo=timezone.utc))
    >>> combine_published(own, other_day).raw
    '30/05/2025'
    """
    if own is None or listed is None:
        return own or listed
    return finer(own, listed) if agree(own, listed) else own


def date_fields(reading: DateReading | None) -> dict[str, Any]:
    """The item fields of a reading (``published``, ``published_precision``, ``published_raw``, ...)."""
    if reading is None:
        return dict.fromkeys(_DATE_FIELDS) | {"published_year_inferred": False}
    return {
        "published": reading.value,
        "published_precision": reading.precision,
        "published_raw": reading.raw,
        "published_year_inferred": reading.year_inferred,
        "part_of_day": reading.part_of_day,
    }


def reading_from_fields(fields: Mapping[str, Any]) -> DateReading | None:
    """The reading held by item-named fields (the inverse of :func:`date_fields`)."""
    value = fields.get("published")
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    precision = fields.get("published_precision")
    return DateReading(
        value,
        precision if precision in PRECISION_RANK else "day",
        bool(fields.get("published_year_inferred")),
        fields.get("part_of_day"),
        fields.get("published_raw"),
    )


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def _canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _better_group(a: Mapping[str, Any], b: Mapping[str, Any], fields: Sequence[str], size: str) -> Mapping[str, Any]:
    """Of two copies' values of a field group: the one whose ``size`` field is filled (larger: more names, a longer
    list or text), then the smaller JSON text of the whole group (an arbitrary but fixed tie-break)."""

    def key(copy: Mapping[str, Any]) -> tuple[int, int, str]:
        lead = copy.get(size)
        return (
            1 if _filled(lead) else 0,
            len(lead) if isinstance(lead, (str, list, tuple, dict)) else 0,
            # Negated by sorting descending below: the smaller text wins a tie.
            _canonical_json([copy.get(f) for f in fields]),
        )

    ka, kb = key(a), key(b)
    if ka[:2] != kb[:2]:
        return a if ka[:2] > kb[:2] else b
    return a if ka[2] <= kb[2] else b


def merge_copy(stored: Mapping[str, Any], incoming: Mapping[str, Any]) -> dict[str, Any]:
    """The fields (item names) a stored article changes to when another copy of it arrives; empty when none.

    Both arguments hold item-named fields: the date group (``published``, ``published_precision``,
    ``published_raw``, ``published_year_inferred``, ``part_of_day``), ``modified``/``modified_raw``, the byline
    group (``authors``, ``author_roles``, ``organizations``, ``source``, ``byline_raw``), ``lead``, ``category``,
    ``tags``, ``images`` and ``language``. Each group goes to the better copy by a fixed total order, so
    ``merge_copy`` applied in either order gives the same row:

    * date: :func:`finer` (exact year over inferred, minutes over a day, then the earlier instant);
    * modified: the later modification (a copy that saw a newer edit knows more);
    * byline: authors over none, then more authors, then a fixed tie-break;
    * lead, category, tags, images, language: filled over empty, then longer, then a fixed tie-break.
    """
    out: dict[str, Any] = {}

    def take(fields: Sequence[str], chosen: Mapping[str, Any]) -> None:
        for f in fields:
            if chosen.get(f) != stored.get(f):
                out[f] = chosen.get(f)

    best = finer(reading_from_fields(stored), reading_from_fields(incoming))
    if best is not None and best != reading_from_fields(stored):
        take(_DATE_FIELDS, date_fields(best))

    mod_a, mod_b = stored.get("modified"), incoming.get("modified")
    if isinstance(mod_b, datetime) and mod_b.tzinfo is not None:
        a_key = (mod_a, stored.get("modified_raw") or "") if isinstance(mod_a, datetime) else None
        b_key = (mod_b, incoming.get("modified_raw") or "")
        if a_key is None or b_key > a_key:
            take(("modified", "modified_raw"), incoming)

    take(_BYLINE_FIELDS, _better_group(stored, incoming, _BYLINE_FIELDS, "authors"))
    for single in ("lead", "category", "tags", "images", "language"):
        take((single,), _better_group(stored, incoming, (single,), single))
    return out
