"""The publication date: gather every candidate the page offers, then pick one in an order of trust.

The order, justified on the dev set (VIETNAMESE.md section 5):

1. the site's own selector (registry data);
2. JSON-LD ``datePublished`` carrying a time and an offset (VnExpress, Dân trí, Tuổi Trẻ: exact to the second);
3. the date printed next to the headline (baodautu, 24h, Thanh Niên, Zing and 2012 VnExpress have no usable
   metadata; 24h's meta ``pubdate`` is 13 hours before the printed date, so the printed one beats meta);
4. JSON-LD with a naive time (cafef), then ``article:published_time`` / ``pubdate`` / ``datePublished`` meta;
5. date-only metadata (dantri 2012 ``datePublished=2012-12-25``), upgraded to a candidate of the same day that
   has a time;
6. nothing: ``normalize_article`` falls back to the body's dateline ("Chiều 14/12, ...");
7. a date in the URL (``/2012/12/24/``), only when the body has no dateline either.

Choosing is done with ``ingest.normalize.parse_date``; this module never parses a date itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import lxml.etree
from lxml.html import HtmlElement

from ingest.extract.metadata import Meta
from ingest.extract.tree import attrs_of, is_page_header, memo, own_text, select, squash, text_of
from ingest.normalize import parse_date

_EN_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# A printed date with its year (or "ngày D tháng M"): numeric D/M/Y, ISO, and "ngày 20 tháng 12".
_NUMERIC_DATE = re.compile(
    r"\b\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*(?:\d{4}|\d{2})\b|\b\d{4}-\d{2}-\d{2}\b|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}",
    re.IGNORECASE,
)
# Months in words: "20 tháng 12 năm 2012", WordPress vi_VN "Tháng Mười Hai 14, 2021" and "14 Th12, 2021", English
# "December 14, 2021" / "14 Dec 2021". Slower: only tried on text holding one of _WORD_DATE_HINTS.
_WORD_DATE = re.compile(
    r"\b\d{1,2}\s+tháng\s+\d{1,2}\s*,?\s*(?:năm\s+)?\d{4}\b"
    r"|tháng\s+[^\W\d_]+(?:\s+[^\W\d_]+)?\s+\d{1,2}\s*,\s*\d{4}\b"
    r"|\b\d{1,2}\s+th\s?\d{1,2}\s*,?\s*\d{4}\b|\bth\s?\d{1,2}\s+\d{1,2}\s*,\s*\d{4}\b"
    rf"|\b{_EN_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\s*,?\s+\d{{4}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_EN_MONTH}\s*,?\s+\d{{4}}\b",
    re.IGNORECASE,
)
_WORD_DATE_HINT = re.compile(r"háng|th\s?\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE)


def _has_date(text: str) -> bool:
    """Whether ``text`` prints a date with its year (or "ngày D tháng M")."""
    if _NUMERIC_DATE.search(text):
        return True
    return _WORD_DATE_HINT.search(text) is not None and _WORD_DATE.search(text) is not None


def _strip_dates(text: str) -> str:
    return _WORD_DATE.sub(" ", _NUMERIC_DATE.sub(" ", text))


# Separators of a meta line ("Thứ năm, 20/12/2012, 16:10 | Thời sự | Lượt xem: 1234"): a longer line is read
# piece by piece.
_META_SEPARATORS = re.compile(r"\s*[|•·]\s*|\s{3,}")
_HAS_TIME = re.compile(r"\d{1,2}\s*[:h]\s*\d{2}")
_HAS_OFFSET = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z)\s*$")
_DATE_HINT = re.compile(r"date|time|publish|ngay|dateline|post-time|timestamp|pubdate|created", re.IGNORECASE)
# Zones whose dates are the serve time: they are not even year context for a dateline (``page_dates``).
_CLOCK = re.compile(
    r"clock|today|date-?now|current-?date|(?:^|\s)(?:header-?date|top-?date)|datetimenow|data_time|title-time|weather",
    re.IGNORECASE,
)
# Zones whose dates are never the article's: the header clock, menus, related lists, comments, footers.
_NOT_HERE = re.compile(
    r"(^|[\s_-])(footer|menu|navbar|topbar|top-bar|clock|today|weather|comment|comments|related|relate|"
    r"tinkhac|tin-khac|list-news|news-list|title-time)([\s_-]|$)|cungchuyenmuc|lienquan|datetimenow|data_time|"
    r"date-?now|current-?date|today|clock|(?:^|\s)(?:header-?date|top-?date)|weather|other-?news|news-?other|more-?news|"
    r"same-?cate|cung-?chuyen-?muc|tin-?cung",
    re.IGNORECASE,
)
_META_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "pubdate",
    "publishdate",
    "datepublished",
    "date",
    "dc.date",
    "dc.date.issued",
    "sailthru.date",
    "article.published",
    "published_time",
    "datecreated",
)
_US_META = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4} \d{1,2}:\d{2}(?::\d{2})? ?[AP]M)$", re.IGNORECASE)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)")
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(?!\d)")
VISIBLE_RANK = 3  # printed dates: below the site selector (1) and JSON-LD with a time and an offset (2)
_MAX_VISIBLE = 10
_MAX_OWN_TEXT = 80  # longer text around a date is prose that mentions a date, not a printed dateline
_MAX_AFTER_ANCHOR = 400
_REGION_LEVELS = 4  # elements after the headline still searched for its printed date
_MAX_DAY_ONLY_DISTANCE = 60  # elements between a date-only text and the headline


@dataclass(frozen=True)
class Candidate:
    """One date string and where it came from."""

    raw: str
    source: str
    rank: int  # lower is more trusted


def _clean_iso(raw: str) -> str:
    # vietnamnet: "2026-03-07T08:52:11.000 +07:00" (a space before the offset is not ISO 8601).
    return re.sub(r"(\d)\s+([+-]\d{2}:?\d{2})$", r"\1\2", raw.strip())


def metadata_candidates(meta: Meta, *, month_first: bool = False) -> list[Candidate]:
    """Dates from JSON-LD and ``<meta>``, ranked as in the module docstring."""
    out: list[Candidate] = []
    for obj in meta.ld_articles:
        raw = obj.get("datePublished") or obj.get("dateCreated")
        if isinstance(raw, str) and raw.strip():
            raw = _clean_iso(raw)
            if _HAS_TIME.search(raw):
                out.append(Candidate(raw, "json-ld", 2 if _HAS_OFFSET.search(raw) else 4))
            else:
                out.append(Candidate(raw, "json-ld", 6))
    for key in _META_DATE_KEYS:
        for raw in meta.tags.get(key, ()):
            raw = _clean_iso(raw)
            us = None if month_first else _US_META.match(raw)  # a month-first site is parsed month-first anyway
            if us:
                # OneCMS/ASP.NET "3/7/2026 8:47:00 AM" is month-first; reorder it to the day-first form every
                # other Vietnamese date uses, so any later re-parse (normalize_article) reads it the same way.
                month, day, rest = us.groups()
                out.append(Candidate(f"{day}/{month}/{rest}", f"meta {key} (US order)", 7))
            elif raw:
                out.append(Candidate(raw, f"meta {key}", 5 if _HAS_TIME.search(raw) else 6))
    return out


def modified_raw(meta: Meta) -> str | None:
    """The last-modified date string, if the page gives one."""
    value = meta.ld("dateModified")
    if isinstance(value, str) and value.strip():
        return _clean_iso(value)
    found = meta.first("article:modified_time", "og:updated_time", "lastmod", "datemodified", "last-modified")
    return _clean_iso(found) if found else None


# Every text node, filtered in Python: XPath string predicates (contains(), ancestor::) copy each node's text
# several times inside libxml2, which cost more than the whole Python filter below.
_TEXT_NODES = lxml.etree.XPath(".//text()")
_NOT_PRINTED_IN = ("a", "option", "title")  # link text, select options and the <title> are never the dateline


def visible_candidates(root: HtmlElement, anchor: HtmlElement | None) -> list[Candidate]:
    """Printed dates, nearest to the headline first (by position in the document), header clocks excluded."""
    scope = _region(root, anchor)
    found = _printed_dates(scope)
    if not found and scope is not root:
        scope = root  # the date sits far from the headline (a separate top bar): look at the whole page
        found = _printed_dates(scope)
    if not found:
        return []
    order = _document_order(scope, anchor, set(found))

    anchor_index = order.get(anchor) if anchor is not None else None
    scored: list[tuple[float, str]] = []
    not_here = memo(_NOT_HERE.search)  # the candidates share most of their ancestors
    for el, raw in found.items():
        if _excluded(el, root, not_here, anchor) or _item_date(el, anchor):
            continue
        if el not in order:
            continue  # far below the headline: related-news and footer dates
        index = order[el]
        distance = abs(index - anchor_index) if anchor_index is not None else index / 10
        if anchor_index is not None and index > anchor_index:
            distance *= 1.5  # related-news dates come after the article, the printed date mostly before or just after
        if not _HAS_TIME.search(raw):
            if distance > _MAX_DAY_ONLY_DISTANCE:
                continue  # a bare date far from the headline is a clock or a teaser, not the article's date
            distance += 40
        if _UPDATED.search(attrs_of(el)) or _UPDATED.search(_label_of(el, raw)):
            distance += 30  # "Cập nhật: ..." beside "Ngày đăng: ...": the update is not the publication
        elif _DATE_HINT.search(attrs_of(el)) or el.tag == "time" or el.get("data-role") == "publishdate":
            distance -= 15
        scored.append((distance, raw))
    scored.sort(key=lambda pair: pair[0])
    return [Candidate(raw, "visible", VISIBLE_RANK) for _, raw in scored[:_MAX_VISIBLE]]


_UPDATED = re.compile(r"cập nhật|cap-?nhat|capnhat|updated|modified|sửa đổi|chỉnh sửa|last-?update", re.IGNORECASE)


def _label_of(el: HtmlElement, raw: str) -> str:
    """The words printed just before a date: its own text, the previous sibling's, the parent's own text."""
    parts = [raw[:30]]
    prev = el.getprevious()
    if prev is not None:
        parts.append(text_of(prev)[-30:])
    parent = el.getparent()
    if parent is not None:
        parts.append(squash(parent.text)[-30:])
    return " ".join(parts)


_ITEM_LEVELS = 3
_HEADLINE_LINK_WORDS = 5


def _item_date(el: HtmlElement, anchor: HtmlElement | None) -> bool:
    """A date printed beside a link to another story (a list item of related or latest news), whatever the box's
    class: within a few levels, an ancestor holds a headline-long link but not the page's own headline."""
    node = el
    for _ in range(_ITEM_LEVELS):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return False
        node = parent
        if anchor is not None and (node is anchor or any(a is node for a in anchor.iterancestors())):
            return False  # the block of the headline itself: its date is the article's
        for link in node.iter("a"):
            if link is not el and len(text_of(link).split()) >= _HEADLINE_LINK_WORDS and _story_link(link, node):
                return True
    return False


_LIST_TAGS = frozenset({"li", "h2", "h3", "h4", "h5", "dt", "dd"})


def _story_link(link: HtmlElement, stop: HtmlElement) -> bool:
    """A link listed as a story (in a list item or a heading), not one in a paragraph of the article's own text
    nor a "follow us" link beside the date."""
    between = _ancestors_until(link, stop)
    if any(p.tag == "p" for p in between):
        return False
    return any(p.tag in _LIST_TAGS for p in (link, *between, stop))


def _ancestors_until(el: HtmlElement, stop: HtmlElement) -> list[HtmlElement]:
    out = []
    node = el.getparent()
    while node is not None and node is not stop:
        out.append(node)
        node = node.getparent()
    return out


def _printed_dates(scope: HtmlElement) -> dict[HtmlElement, str]:
    found: dict[HtmlElement, str] = {}
    for node in _TEXT_NODES(scope):
        # A printed date holds one of these (a cheap test before the regex); spelled out, it is twice as fast.
        if not ("/" in node or "-" in node or "." in node or "háng" in node or "HÁNG" in node or "," in node):
            continue
        el = node.getparent()
        if el is None or not isinstance(el.tag, str):
            continue
        if getattr(node, "is_tail", False):
            el = el.getparent()
            if el is None:
                continue
        # el is now the text node's parent element.
        if (
            len(node) > _MAX_OWN_TEXT
            and el.tag != "time"
            and _squashes_longer(node, _MAX_OWN_TEXT)
            and not ("|" in node or "•" in node or "·" in node)
        ):
            # A paragraph of prose: the element's own text is longer still, so _date_text would refuse it (a meta
            # line of "|"-separated pieces is read piece by piece). The date regex over every paragraph was most
            # of this step's cost.
            continue
        if not _has_date(node):
            continue
        if el.tag in _NOT_PRINTED_IN or next(el.iterancestors(*_NOT_PRINTED_IN), None) is not None:
            continue
        if el not in found:
            raw = _date_text(el)
            if raw:
                found[el] = raw
    for el in scope.iter("time"):
        if el not in found:
            raw = _date_text(el)
            if raw:
                found[el] = raw
    return found


def _squashes_longer(text: str, limit: int) -> bool:
    """``len(squash(text)) > limit``, squashing a prefix first: a paragraph of prose runs to a thousand characters
    and more, and a prefix's squashed form is never longer than the whole text's (its words are the text's first
    words, the last one perhaps cut), so a long enough prefix answers for the whole."""
    head = text[: 3 * limit]
    return len(squash(head)) > limit or (len(head) < len(text) and len(squash(text)) > limit)


def _region(root: HtmlElement, anchor: HtmlElement | None) -> HtmlElement:
    """The part of the page searched for the printed date: a few levels around the headline (whole page if none).

    Pages print the date beside the headline, in the same block or the one next to it; the header clock and the
    footer sit outside this region on every family in VIETNAMESE.md.
    """
    if anchor is None:
        return root
    region = anchor
    for _ in range(_REGION_LEVELS):
        parent = region.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        region = parent
    return region


def _document_order(root: HtmlElement, anchor: HtmlElement | None, wanted: set[HtmlElement]) -> dict[HtmlElement, int]:
    """Positions (in document order) of the anchor and the wanted elements, stopping well past the anchor."""
    order: dict[HtmlElement, int] = {}
    stop: int | None = None
    for index, el in enumerate(root.iter()):
        if el is anchor:
            order[el] = index
            stop = index + _MAX_AFTER_ANCHOR
        elif el in wanted:
            order[el] = index
        if stop is not None and index > stop:
            break
    return order


def _date_text(el: HtmlElement) -> str | None:
    if el.tag == "time":
        text = text_of(el)
        if _has_date(text):
            return _machine_value(el, text) or text
        value = el.get("datetime")
        return squash(value) if value and _has_date(value) else None
    text = own_text(el)
    if not text or not _has_date(text):
        return None
    if len(text) > _MAX_OWN_TEXT:
        text = _date_piece(text) or ""
        if not text:
            return None
    else:
        whole = text_of(el)
        if len(whole) <= _MAX_OWN_TEXT and _HAS_TIME.search(whole) and not _HAS_TIME.search(text):
            text = whole  # "<span>07/03/2026</span> <b>08:47</b>": keep the time printed in a child
    if not _HAS_TIME.search(text):
        text = _with_time_beside(el, text)
    text = text.strip(" |-–—·•")
    return _machine_value(el, text) or text


def _date_piece(text: str) -> str | None:
    """The date of a long meta line, with a time printed in the piece next to it ("15:20 PM | 21/12/2012")."""
    pieces = [p for p in _META_SEPARATORS.split(text) if p]
    for index, piece in enumerate(pieces):
        if not _has_date(piece):
            continue
        out = piece
        if not _HAS_TIME.search(piece):
            for near in (index - 1, index + 1):
                if 0 <= near < len(pieces) and len(pieces[near]) <= 24 and _HAS_TIME.search(pieces[near]):
                    out = f"{pieces[near]} | {piece}" if near < index else f"{piece} | {pieces[near]}"
                    break
        return out if len(out) <= _MAX_OWN_TEXT else None
    return None


def _with_time_beside(el: HtmlElement, text: str) -> str:
    """A date with its time printed in the next (or previous) element or after it:
    ``<span>20/12/2012</span> <span>16:10</span>``."""
    for side in (el.getnext(), el.tail, el.getprevious()):
        if side is None:
            continue
        near = squash(side) if isinstance(side, str) else text_of(side)
        if near and len(near) <= 24 and _HAS_TIME.search(near) and not _has_date(near):
            return f"{near} {text}" if side is el.getprevious() else f"{text} {near}"
    return text


_PRECISION = {"day": 0, "minute": 1, "second": 2}


def _machine_value(el: HtmlElement, text: str) -> str | None:
    """The element's machine-readable date (``datetime``, or ``content`` of ``itemprop=datePublished``) when it is
    more precise than the printed ``text`` and agrees with it (same day; same minute when a time is printed)."""
    value = el.get("datetime")
    if not value and (el.get("itemprop") or "").strip().lower() in ("datepublished", "datecreated"):
        value = el.get("content")
    value = _clean_iso(value) if value else ""
    if not value or value == text:
        return None
    try:
        machine, shown = parse_date(value), parse_date(text)
    except Exception:  # a normaliser bug must not lose the printed date
        return None
    if machine is None or shown is None or _PRECISION[machine.precision] <= _PRECISION[shown.precision]:
        return None
    # The text is printed in the site's clock: the value agrees in Vietnam's time or in its own offset
    # ("2016-09-21T12:33:25-07:00" printed "September 21, 2016").
    readings = [machine.value]
    try:
        own = datetime.fromisoformat(value)
    except ValueError:
        own = None
    if own is not None and own.tzinfo is not None:
        readings.append(own)
    return value if any(_agrees(m, shown) for m in readings) else None


def _agrees(m: datetime, shown: Any) -> bool:
    t = shown.value
    if (m.month, m.day) != (t.month, t.day) or (not shown.year_inferred and m.year != t.year):
        return False
    return shown.precision == "day" or (m.hour, m.minute) == (t.hour, t.minute)


def _excluded(
    el: HtmlElement, root: HtmlElement, not_here: Callable[[str], bool], anchor: HtmlElement | None = None
) -> bool:
    node: HtmlElement | None = el
    depth = 0
    while node is not None and node is not root and depth < 12:
        if node.tag in ("nav", "select"):
            return True
        if node.tag in ("header", "footer") and is_page_header(node, anchor):
            return True  # the page's header (clock) or footer; an article's own header holds its date
        attrs = attrs_of(node)
        if attrs and not_here(attrs):
            return True
        node = node.getparent()
        depth += 1
    return False


# The written value, up to the statement's end: 'Thứ sáu, 21/12/2012' + ', 15:20' and the like. Writers:
# el.innerHTML / innerText / textContent = ..., document.write(...), jQuery $(...).html(...) / .text(...).
_SCRIPT_WRITE = re.compile(
    r"""(?:\.(?:innerHTML|innerText|textContent)\s*\+?=|document\.write(?:ln)?\s*\(|\.(?:html|text)\s*\()\s*([^;\n]{6,160})"""
)
_JS_STRING_GLUE = re.compile(r"""["']\s*\+\s*["']|^["']|["']\s*\)?\s*$""")
SCRIPT_RANK = 8  # below every printed and metadata date: used when nothing else dates the page


def script_candidates(root: HtmlElement) -> list[Candidate]:
    """Date strings an inline script writes into the page (``pDateTime.innerHTML = '20/12/2012 10:18'``).

    Only literal dates with a time count; a write into a clock (``#clock``, ``.today``, ``datetimenow``) does not.
    """
    out: list[Candidate] = []
    for script in root.iter("script"):
        code = script.text or ""
        if not ("innerHTML" in code or "innerText" in code or "textContent" in code or "write" in code
                or ".html(" in code or ".text(" in code):  # fmt: skip
            continue
        for match in _SCRIPT_WRITE.finditer(code):
            target = re.split(r"[;\n{}]", code[max(0, match.start() - 120) : match.start()])[-1]
            if _NOT_HERE.search(target) or _CLOCK.search(target):
                continue  # the page's clock, written at serve time
            raw = squash(_JS_STRING_GLUE.sub("", match.group(1).strip()))
            if "<" in raw or "(" in raw.split(",")[0]:
                continue  # markup or a function call, not a printed date
            if _has_date(raw) and _HAS_TIME.search(raw):
                out.append(Candidate(raw, "script", SCRIPT_RANK))
    return out[:3]


_MAX_PAGE_DATES = 20


def page_dates(root: HtmlElement) -> list[str]:
    """Full dates (with a year) printed anywhere on the page but its clock: related items, comments, stamps.

    They are never the publication date; ``normalize_article`` reads them as year context for a year-less
    dateline ("Chiều 14/12"). The page header, menus and clock zones are skipped (they print the serve date).
    """
    clock = memo(_CLOCK.search)
    out: list[str] = []
    for el, raw in _printed_dates(root).items():
        if _excluded(el, root, clock):
            continue
        if raw not in out:
            out.append(raw)
        if len(out) >= _MAX_PAGE_DATES:
            break
    return out


# Words a printed date stamp may carry besides the date and time.
_STAMP_WORDS = re.compile(
    r"(?<![^\W\d_])(?:cập nhật|đăng|ngày đăng|ngày|lúc|thứ\s*(?:hai|ba|tư|năm|sáu|bảy|bẩy|[2-7])|chủ\s*nhật|"
    r"gmt|utc|am|pm|sa|ch|sáng|trưa|chiều|tối|đêm|giờ|phút|posted|updated|published|on|at|tháng)(?![^\W\d_])",
    re.IGNORECASE,
)


def is_date_line(text: str) -> bool:
    """A short line that only prints a date stamp ("Thứ Ba, 14/12/2021 - 17:26 (GMT+7)", "15/06/2025 - 12:34 |
    Xã hội"), as a body container repeats it above the text; not a dateline sentence, not a name with a time."""
    if not text or len(text) > 100 or not _has_date(text):
        return False
    if text.rstrip().endswith((".", "!", "?", ";")) and not text.rstrip().endswith("(GMT+7)."):
        return False  # a sentence
    rest = _STAMP_WORDS.sub(" ", _strip_dates(text))
    rest = re.sub(r"\d+|[^\w\s]", " ", rest)
    words = rest.split()
    if len(words) > 3:
        return False
    # "Ngọc Chí - 22:08, 02/09/2023": a byline with its time is the byline finders' to read, not a stamp.
    return not (len(words) >= 2 and all(w[0].isupper() for w in words) and "|" not in text)


def selector_candidates(root: HtmlElement, selector: str) -> list[Candidate]:
    """Dates from a registry selector (rank 1)."""
    out: list[Candidate] = []
    for el in select(root, selector)[:3]:
        raw = el.get("datetime") or el.get("content") or text_of(el)
        if raw:
            out.append(Candidate(squash(raw), "site", 1))
    return out


def url_candidate(url: str) -> Candidate | None:
    """``/2012/12/24/`` in the URL, day precision; ``/2012/12/`` alone is too vague to use."""
    match = _URL_DATE.search(url or "")
    if not match:
        return None
    year, month, day = match.groups()
    return Candidate(f"{int(day):02d}/{int(month):02d}/{year}", "url", 9)


def choose(
    candidates: list[Candidate], reference: datetime | None, *, month_first: bool = False
) -> tuple[Candidate, Any] | None:
    """The most trusted candidate that parses and is not after the crawl; a same-day one with a time upgrades it."""
    parsed: list[tuple[Candidate, Any]] = []
    limit = reference + timedelta(days=1) if reference is not None else None
    seen: set[str] = set()
    for cand in sorted(candidates, key=lambda c: c.rank):
        if cand.raw in seen:
            continue
        seen.add(cand.raw)
        try:
            value = parse_date(cand.raw, reference=reference, month_first=month_first)
        except Exception:  # a normaliser bug must not lose the whole page
            value = None
        if value is None:
            continue
        if limit is not None and _aware(value.value) and value.value > _aware_ref(limit, value.value):
            continue
        if (
            cand.source == "visible"
            and value.precision == "day"
            and reference is not None
            and value.value.date() == reference.date()
        ):
            continue  # a bare "today" near the headline is most likely the site's clock (DESIGN.md)
        parsed.append((cand, value))
    if not parsed:
        return None
    best_cand, best = parsed[0]
    if best.precision == "day":
        for cand, value in parsed[1:]:
            if value.precision != "day" and value.value.date() == best.value.date():
                return cand, value
    elif best.precision == "minute" and best_cand.source == "visible":
        # The printed minute, and metadata giving the same minute with its seconds: the metadata is the same
        # moment, told more precisely. (A registry selector's value is kept as the site's word.)
        for cand, value in parsed[1:]:
            if (
                value.precision == "second"
                and (cand.source == "json-ld" or cand.source.startswith("meta"))
                and value.value.replace(second=0, microsecond=0) == best.value.replace(second=0, microsecond=0)
            ):
                return cand, value
    return best_cand, best


def settled(chosen: tuple[Candidate, Any] | None) -> bool:
    """Whether ``choose`` over more candidates of rank ``VISIBLE_RANK`` or lower would return the same choice.

    ``choose`` takes the most trusted candidate that parses and is accepted; one ranked above the printed dates
    stays ahead of anything added, unless it is a bare day, which a same-day candidate with a time upgrades.
    """
    return chosen is not None and chosen[0].rank < VISIBLE_RANK and chosen[1].precision != "day"


def _aware(value: datetime) -> bool:
    return value.tzinfo is not None


def _aware_ref(limit: datetime, like: datetime) -> datetime:
    if limit.tzinfo is None and like.tzinfo is not None:
        return limit.replace(tzinfo=like.tzinfo)
    return limit
