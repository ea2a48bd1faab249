"""One article's raw fields -> its normalised fields; the single entry point shared by ``ingest extract`` and the crawl.

Owns :func:`normalize_article`. It only combines the other normalisers (text, dates, bylines, URLs), so the CLI and
the ``pipelines.normalize`` stage give identical results for the same raw values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from ingest.normalize.bylines import parse_byline
from ingest.normalize.dates import VN_TZ, ParsedDate, evidence_year, find_dateline, parse_date, year_evidence
from ingest.normalize.text import clean_text, search_key
from ingest.normalize.urls import canonical_url

__all__ = ["normalize_article"]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    # Display text keeps the printed tone-mark placement; hashes and search keys unify it later.
    out = clean_text(value if isinstance(value, str) else str(value))
    return out or None


def _line(value: Any) -> str | None:
    out = _text(value)
    return " ".join(out.split()) if out else None


def _strings(value: Any) -> list[str]:
    """A list of distinct, normalised, non-empty strings (accent- and case-insensitive distinctness)."""
    if value is None:
        return []
    items: Iterable[Any] = [value] if isinstance(value, str) else value if isinstance(value, Iterable) else [value]
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        text = _line(item)
        if not text:
            continue
        key = search_key(text)
        if key not in seen:
            seen.add(key)
            out.append(text)
    return out


def _reference(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


# A publication date in the URL path: WordPress permalinks (/2021/12/14/slug/) and similar (/2021-12-14/).
_URL_DAY = re.compile(r"/((?:19|20)\d\d)[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=[/-]|$)")
# A month archive in the path (/2021/12/slug): the year and month, not the day.
_URL_MONTH = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/(?!\d)")


def _url_day(url: Any) -> date | None:
    if not isinstance(url, str):
        return None
    m = _URL_DAY.search(url.split("?", 1)[0])
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _url_month_end(url: Any) -> date | None:
    """The last day of a /YYYY/MM/ month in the URL path."""
    if not isinstance(url, str):
        return None
    m = _URL_MONTH.search(url.split("?", 1)[0])
    if m is None:
        return None
    year, month = int(m[1]), int(m[2])
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _published(raw: Any, body: str | None, reference: datetime | None, month_first: bool) -> ParsedDate | None:
    found = _date(raw, reference, month_first)
    if found is None and body:
        found = find_dateline(body, reference=reference)
    return found


def _place_year(
    found: ParsedDate, raw: Mapping[str, Any], body: str | None, ref: datetime | None, month_first: bool
) -> ParsedDate:
    """Put a year-less date ("Chiều 14/12") in its year: the URL's, else the page's (``year_evidence``), else the
    fetch year it was read with. The result keeps ``year_inferred``: the year is a conclusion, not a fact."""
    if not found.year_inferred:
        return found

    def again(latest: date, earliest: date) -> ParsedDate | None:
        # A year-less date read as of ``latest`` takes the latest year that puts it on or before that day.
        bound = datetime.combine(latest, time(23, 59), tzinfo=VN_TZ)
        if ref is not None:
            bound = min(bound, ref if ref.tzinfo is not None else ref.replace(tzinfo=VN_TZ))
        got = _published(raw.get("published_raw"), body, bound, month_first)
        return got if got is not None and earliest <= got.value.date() <= latest else None

    urls = (raw.get("url"), raw.get("canonical_url"))
    url_day = _url_day(urls[0]) or _url_day(urls[1])
    if url_day is not None:
        # The post's own URL date: the dateline is that day or a few days before it (written, then posted).
        got = again(url_day, url_day - timedelta(days=31))
        return got if got is not None else found
    month_end = _url_month_end(urls[0]) or _url_month_end(urls[1])
    if month_end is not None:
        got = again(month_end, month_end.replace(day=1) - timedelta(days=31))
        return got if got is not None else found
    counts = year_evidence(
        [(raw.get("title"), 2.0), (raw.get("lead"), 1.0), (body, 1.0)],
        [raw.get("modified_raw"), *_list(raw.get("page_dates"))],
        reference=ref,
    )
    year = evidence_year(found, counts)
    if year is None:
        return found
    got = again(date(year, 12, 31), date(year, 1, 1))
    return got if got is not None else found


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _date(raw: Any, reference: datetime | None, month_first: bool) -> ParsedDate | None:
    if isinstance(raw, datetime):
        raw = raw.isoformat()
    return parse_date(raw, reference=reference, month_first=month_first) if isinstance(raw, str) else None


def normalize_article(
    raw: Mapping[str, Any],
    *,
    reference: datetime | None,
    month_first: bool = False,
    strip_www: bool = True,
    strip_mobile: bool = True,
) -> dict[str, Any]:
    """Normalise one article's raw fields (named as in ``ingest.items.ArticleItem``). Never raises.

    Returns ``title``, ``lead``, ``body`` (normalised text), ``published`` (aware datetime or None),
    ``published_precision``, ``part_of_day``, ``published_year_inferred``, ``modified``, ``authors``,
    ``author_roles``, ``organizations``, ``source``, ``canonical_url``, ``category`` and ``tags``. When
    ``published_raw`` gives no date, the body's dateline does; a date printed without a year takes it from the URL,
    else from the years the title, lead, body and ``page_dates`` point to, else from the fetch time, and
    ``published_year_inferred`` says so. When the byline signs nobody (no name, group, organisation or source),
    ``authors_hint`` (structured author names) does.
    ``reference`` is the fetch time (see :func:`ingest.normalize.parse_date`); ``month_first`` and the URL flags
    are per-site settings.

    >>> out = normalize_article(
    ...     {"title": " Hội nghị ", "body": "Chiều 14/12, UBND tỉnh họp.", "byline_raw": "CTV Hoài Nam",
    ...      "url": "https://www.kontumtv.vn/tin/abc/?utm_source=x"},
    ...     reference=datetime(2021, 12, 20))
    >>> out["title"], out["published"].date().isoformat(), out["part_of_day"], out["authors"]
    ('Hội nghị', '2021-12-14', 'chiều', ['Hoài Nam'])
    >>> out["canonical_url"], out["author_roles"]
    ('https://kontumtv.vn/tin/abc', {'Hoài Nam': ['contributor']})
    """
    ref = _reference(reference)
    if not isinstance(raw, Mapping):
        raw = {}
    body = _text(raw.get("body"))
    published = _published(raw.get("published_raw"), body, ref, month_first)
    if published is not None:
        published = _place_year(published, raw, body, ref, month_first)
    modified = _date(raw.get("modified_raw"), ref, month_first)

    byline_raw = raw.get("byline_raw")
    byline = parse_byline(byline_raw if isinstance(byline_raw, str) else None)
    authors = list(byline.names)
    roles = {k: list(v) for k, v in byline.roles.items()}
    organizations = list(byline.organizations)
    # Structured authors stand in only for a byline that signs nothing: a printed signature of an agency, an office
    # or an upstream source ("TTXVN", "Theo Vietnamnet") wins over metadata that names someone else.
    if not authors and not byline.is_group and not byline.organizations and not byline.source:
        for hint in _strings(raw.get("authors_hint")):
            hinted = parse_byline(hint)  # structured data can carry a role prefix ("Bài và ảnh: Thu Hà")
            for name in hinted.names:
                if name not in authors:
                    authors.append(name)
            for name, rs in hinted.roles.items():
                roles.setdefault(name, list(rs))
            organizations.extend(o for o in hinted.organizations if o not in organizations)

    url = raw.get("canonical_url") or raw.get("url")
    canon = canonical_url(url, strip_www=strip_www, strip_mobile=strip_mobile) if isinstance(url, str) else ""
    if not canon.startswith(("http://", "https://")) and isinstance(raw.get("url"), str):
        canon = canonical_url(raw["url"], strip_www=strip_www, strip_mobile=strip_mobile)

    return {
        "title": _line(raw.get("title")),
        "lead": _text(raw.get("lead")),
        "body": body,
        "published": published.value if published else None,
        "published_precision": published.precision if published else None,
        "part_of_day": published.part_of_day if published else None,
        "published_year_inferred": bool(published and published.year_inferred),
        "modified": modified.value if modified else None,
        "authors": authors,
        "author_roles": roles,
        "organizations": organizations,
        "source": byline.source,
        "canonical_url": canon or None,
        "category": _strings(raw.get("category")),
        "tags": _strings(raw.get("tags")),
    }
