"""Dates: a deterministic grammar for the date strings Vietnamese news pages print, with dateparser as a fallback.

Owns :func:`parse_date` (one header, meta or dateline string -> :class:`ParsedDate`) and :func:`find_dateline` (the
date at the start of an article body, e.g. "Chiều 14/12, ..."). Everything is read day-first in Asia/Ho_Chi_Minh.
Two rules protect against invented dates: a date with a day and a month but no year is the latest such date not
after the reference (the crawl time), and no date later than the reference plus one day is ever returned (page
headers print "today" as a clock).
"""

from __future__ import annotations

import calendar
import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ingest.normalize.text import fold_lookalikes

__all__ = ["VN_TZ", "ParsedDate", "evidence_year", "find_dateline", "parse_date", "year_evidence"]

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Precision = Literal["day", "minute", "second"]
# A page may be a few hours ahead of the crawler's clock (time zones, skew); more than a day ahead is a header clock.
_SKEW = timedelta(days=1)
_EARLIEST_YEAR = 1990


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A date read from a page: ``value`` is aware (Asia/Ho_Chi_Minh); ``precision`` says how much was printed.

    ``part_of_day`` is the Vietnamese day-part word printed with the date ("sáng", "trưa", "chiều", "tối", "đêm"),
    lower-case, or None. A ``"day"`` precision value is midnight of that day. ``year_inferred`` is True when the
    string printed no year.
    """

    value: datetime
    precision: Precision
    part_of_day: str | None = None
    # The string printed a day and a month but no year ("Chiều 14/12"): the year was inferred (from the reference
    # here; ``normalize_article`` may place it from the page's evidence), never read.
    year_inferred: bool = False


# --- vocabulary ---------------------------------------------------------------------------------------------------

_PART_OF_DAY = {"sáng": "sáng", "trưa": "trưa", "chiều": "chiều", "tối": "tối", "đêm": "đêm", "khuya": "đêm"}
_VI_MONTHS = {
    "giêng": 1,
    "một": 1,
    "hai": 2,
    "ba": 3,
    "tư": 4,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
    "mười một": 11,
    "mười hai": 12,
    "chạp": 12,
}
_EN_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_WEEKDAYS = {"hai": 0, "ba": 1, "tư": 2, "năm": 3, "sáu": 4, "bảy": 5, "bẩy": 5, "chủ nhật": 6, "cn": 6}
_WEEKDAYS.update({str(n): n - 2 for n in range(2, 8)})

_VI_MONTH_ALT = "|".join(sorted((re.escape(k) for k in _VI_MONTHS), key=len, reverse=True))
_EN_MONTH_ALT = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?"
    r"|nov(?:ember)?|dec(?:ember)?"
)

# --- the grammar (compiled once; applied to lower-cased, folded text) --------------------------------------------

_EPOCH = re.compile(r"\s*(\d{9,10}|\d{12,13})(?:\.\d+)?\s*")
_ISO = re.compile(
    r"(?<![\d/.])(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[t ]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:\s*(z(?![a-zà-ỹ])|[+-]\d{2}(?::?\d{2})?))?)?(?![\d])"
)
_YMD = re.compile(r"(?<![\d/.\-])(\d{4})([/.])(\d{1,2})\2(\d{1,2})(?![\d])")
_DMY = re.compile(r"(?<![\d/.\-:])(\d{1,2})([/.\-])(\d{1,2})(?:\2(\d{4}|\d{2})(?![\d]))?(?![\d]|[/.\-]\d)")
_VI_TEXT = re.compile(
    rf"(?<!\d)(\d{{1,2}})\s+tháng\s+(\d{{1,2}}(?!\d)|(?:{_VI_MONTH_ALT})(?![^\W\d_])(?=\s*,?\s*(?:năm\s+)?\d{{4}}))"
    r"(?:\s*[,/]?\s*(?:năm\s+)?(\d{4})(?!\d))?",
)
# WordPress vi_VN short months: "14 Th12, 2021", "Th12 14, 2021".
_TH_DM = re.compile(r"(?<!\d)(\d{1,2})\s+th\s?(\d{1,2})(?!\d)\s*,?\s*(\d{4})(?!\d)")
_TH_MD = re.compile(r"(?<![^\W\d_])th\s?(\d{1,2})\s+(\d{1,2})\s*,\s*(\d{4})(?!\d)")
_WP = re.compile(rf"tháng\s+({_VI_MONTH_ALT}|\d{{1,2}})\s+(\d{{1,2}})\s*,\s*(\d{{4}})(?!\d)")
_EN_MD = re.compile(rf"(?<![a-z])({_EN_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(\d{{4}})(?!\d)")
_EN_DM = re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+({_EN_MONTH_ALT})\.?\s*,?\s+(\d{{4}})(?!\d)")

_EN_STEM = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
# "17:02", "17:02:09", "6h00", "19h" (a bare "h" must not run into a word: "24h.com" is a name, "3h sáng" a time).
_TIME_HM = re.compile(
    r"(?<![\w:/.])(\d{1,2})\s*(?::\s*(\d{2})|h\s*(\d{2})?(?![^\W\d_])|g(\d{2}))(?:\s*:\s*(\d{2})(?:\.\d+)?)?(?!\d)'?"
)
_TIME_VI = re.compile(
    r"(?<![\d:])(\d{1,2})\s*giờ(?:\s*(\d{1,2})(?:\s*phút|(?!\d)(?!\s*(?:giây|tiếng))))?"
    r"(?:\s*(\d{1,2})\s*giây)?(?!\s*trước)"
)
# "SA"/"CH" are the Vietnamese Windows-locale AM/PM ("8:01:00 SA").
_MERIDIEM = re.compile(r"\s*(a\.?m\.?|p\.?m\.?|sa|ch|sáng|trưa|chiều|tối|đêm|khuya)(?![^\W\d_])")
_OFFSET = re.compile(
    r"\s*\(?\s*(?:(?:gmt|utc)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?|([+-])(\d{2}):?(\d{2})|(z)(?![^\W\d_]))\s*\)?"
)
# "3 giờ trước" (3 hours ago) and "cách đây 3 giờ" (as long ago as 3 hours).
_RELATIVE = re.compile(
    r"(?<![\w.])(\d{1,3})\s*(giây|phút|giờ|tiếng|ngày|tuần|tháng|năm)(?:\s*(\d{1,3})\s*(giây|phút))?\s*trước(?![^\W\d_])"
    r"|cách\s+đây\s+(\d{1,3})\s*(giây|phút|giờ|tiếng|ngày|tuần|tháng|năm)(?:\s*(\d{1,3})\s*(giây|phút))?(?![^\W\d_])"
)
_REL_DAY = re.compile(
    r"(?<![^\W\d_])(?:(sáng|trưa|chiều|tối|đêm|khuya)\s+(nay|qua|hôm nay|hôm qua|hôm kia)|(hôm nay|hôm qua|hôm kia))"
    r"(?![^\W\d_])"
)
_WEEKDAY = re.compile(r"(?<![^\W\d_])(?:thứ\s*(hai|ba|tư|năm|sáu|bảy|bẩy|[2-7])|(chủ\s*nhật|cn))(?![\w])")
# The gap allowed between a date and its time: punctuation, "lúc", "ngày", "at", a GMT+7 label.
_GAP = re.compile(r"(?:[\s,;|\-–—•'\"()\[\]/]|lúc|ngày|vào|hồi|at|on|gmt\s*\+?\s*7|\(gmt\s*\+?\s*7\))*")
# A yearless date with '.' or '-' must follow a word that announces a date (a sports score "2-1" must not).
_CUE = re.compile(
    r"(?:(?<![^\W\d_])(?:ngày|sáng|trưa|chiều|tối|đêm|khuya|nay|qua|hôm|đến|từ|tới|lúc|giờ|trong)|\d\s*h|^)"
    r"[\s(]*$"
)
_PART_BEFORE = re.compile(
    r"(?<![^\W\d_])(sáng|trưa|chiều|tối|đêm|khuya)(?:\s+(?:nay|qua|hôm nay|hôm qua|mai))?\s*(?:ngày\s*)?[\s(]*$"
)
_RANGE_START = re.compile(r"(?<![\d:h.'/])(?<!thứ )(\d{1,2})\s*(?:-|–|—|và|đến|tới)\s*\(?$")


@dataclass(slots=True)
class _Cand:
    """A date found in the text, before validation."""

    start: int
    end: int
    year: int | None
    month: int
    day: int
    hms: tuple[int, int, int | None] | None = None  # a time printed inside the date token (ISO)
    offset: timedelta | None = None
    two_digit_year: bool = False
    swappable: bool = False  # numeric D/M with both <= 12: may be month-first


def _prepare(raw: str) -> str:
    s = raw
    if "&" in s:
        s = html.unescape(html.unescape(s))
    if not s.isascii():
        s = fold_lookalikes(unicodedata.normalize("NFC", s))
    return s.replace("\r", "\n").lower()


def _aware(ref: datetime | date | str | None) -> datetime:
    """The reference as an aware Asia/Ho_Chi_Minh datetime: naive means local; a date is its midnight; an ISO
    string is parsed; None (or anything unreadable) is now."""
    if isinstance(ref, str):
        try:
            ref = datetime.fromisoformat(ref.strip())
        except ValueError:
            ref = None
    if isinstance(ref, date) and not isinstance(ref, datetime):
        ref = datetime.combine(ref, time(0))
    if not isinstance(ref, datetime):
        return datetime.now(VN_TZ)
    if ref.tzinfo is None or ref.tzinfo.utcoffset(ref) is None:
        return ref.replace(tzinfo=VN_TZ)
    return ref.astimezone(VN_TZ)


def _year(two_or_four: str) -> tuple[int, bool]:
    y = int(two_or_four)
    if len(two_or_four) == 2:
        return 2000 + y, True
    return y, False


def _candidates(s: str) -> list[_Cand]:
    """Every date-shaped token of ``s``, in order of position (overlaps resolved in favour of the earlier)."""
    found: list[_Cand] = []
    # Each pattern needs a character or word the string may lack; checking it first keeps the common case fast.
    has_dash, has_month_word = "-" in s, "tháng" in s
    for m in _ISO.finditer(s) if has_dash else ():
        hms = None
        if m.group(4) is not None:
            hms = (int(m.group(4)), int(m.group(5)), int(m.group(6)) if m.group(6) else None)
        found.append(
            _Cand(m.start(), m.end(), int(m.group(1)), int(m.group(2)), int(m.group(3)), hms, _offset_of(m.group(7)))
        )
    for m in _YMD.finditer(s) if "/" in s or "." in s else ():
        found.append(_Cand(m.start(), m.end(), int(m.group(1)), int(m.group(3)), int(m.group(4))))
    for m in _VI_TEXT.finditer(s) if has_month_word else ():
        y = int(m.group(3)) if m.group(3) else None
        mon = m.group(2)
        found.append(_Cand(m.start(), m.end(), y, _month_number(mon), int(m.group(1))))
    for m in _WP.finditer(s) if has_month_word else ():
        found.append(_Cand(m.start(), m.end(), int(m.group(3)), _month_number(m.group(1)), int(m.group(2))))
    for m in _TH_DM.finditer(s) if "th" in s else ():
        found.append(_Cand(m.start(), m.end(), int(m.group(3)), int(m.group(2)), int(m.group(1))))
    for m in _TH_MD.finditer(s) if "th" in s else ():
        found.append(_Cand(m.start(), m.end(), int(m.group(3)), int(m.group(1)), int(m.group(2))))
    english = _EN_STEM.search(s) is not None
    for m in _EN_MD.finditer(s) if english else ():
        found.append(_Cand(m.start(), m.end(), int(m.group(3)), _EN_MONTHS[m.group(1)[:3]], int(m.group(2))))
    for m in _EN_DM.finditer(s) if english else ():
        found.append(_Cand(m.start(), m.end(), int(m.group(3)), _EN_MONTHS[m.group(2)[:3]], int(m.group(1))))
    for m in _DMY.finditer(s):
        d, sep, mo, ytok = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
        if ytok is None and sep != "/" and not _CUE.search(s, max(0, m.start() - 16), m.start()):
            continue
        start = m.start()
        rng = _RANGE_START.search(s, max(0, start - 12), start)
        if rng is not None:
            first = int(rng.group(1))
            if 1 <= first < d:  # "9 - 10/11", "(19 và 20/8)": the range starts on the first day
                d, start = first, rng.start()
        year, two = _year(ytok) if ytok else (None, False)
        found.append(_Cand(start, m.end(), year, mo, d, two_digit_year=two, swappable=d <= 12 and mo <= 12))
    found.sort(key=lambda c: (c.start, -(c.end - c.start)))
    kept: list[_Cand] = []
    for c in found:
        if kept and c.start < kept[-1].end:
            continue
        kept.append(c)
    return kept


def _month_number(token: str) -> int:
    """A month as printed: digits, or a Vietnamese month word ("mười  hai" with any spacing); 0 if unknown."""
    if token.isdigit():
        return int(token)
    return _VI_MONTHS.get(" ".join(token.split()), 0)


def _offset_of(tok: str | None) -> timedelta | None:
    if not tok:
        return None
    if tok == "z":
        return timedelta(0)
    sign = -1 if tok[0] == "-" else 1
    digits = tok[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * timedelta(hours=hours, minutes=minutes)


def _valid(y: int, m: int, d: int) -> bool:
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1] if 1 <= y <= 9999 else False


def _resolve_year(c: _Cand, ref: datetime, month: int, day: int) -> date | None:
    """Build the calendar date; a missing year is the latest year that puts the date on or before the reference."""
    if c.year is not None:
        year = c.year
        if c.two_digit_year and year > ref.year + 1:
            year -= 100
        return date(year, month, day) if _valid(year, month, day) else None
    limit = ref.date()
    for year in range(limit.year, limit.year - 8, -1):
        if _valid(year, month, day) and date(year, month, day) <= limit:
            return date(year, month, day)
    return None


@dataclass(slots=True)
class _Time:
    start: int
    end: int
    hour: int
    minute: int
    second: int | None
    meridiem: str | None
    offset: timedelta | None


def _times(s: str) -> list[_Time]:
    out: list[_Time] = []
    matches: list[tuple[re.Match[str], int, int, int | None]] = []
    if ":" in s or "h" in s or "g" in s:
        for m in _TIME_HM.finditer(s):
            minute = m.group(2) or m.group(3) or m.group(4)
            matches.append((m, int(m.group(1)), int(minute or 0), int(m.group(5)) if m.group(5) else None))
    if "giờ" in s:
        for m in _TIME_VI.finditer(s):
            second = int(m.group(3)) if m.group(3) else None
            matches.append((m, int(m.group(1)), int(m.group(2) or 0), second))
    for m, h, mi, se in matches:
        if h > 23 or mi > 59 or (se or 0) > 59:
            continue  # "24h" (a site name), "25:61": not a clock
        end = m.end()
        mer = None
        mm = _MERIDIEM.match(s, end)
        if mm is not None:
            mer = mm.group(1).replace(".", "")
            end = mm.end()
        off = None
        om = _OFFSET.match(s, end)
        if om is not None and om.group(0).strip():
            off = _offset_from_match(om)
            if off is not None:
                end = om.end()
        out.append(_Time(m.start(), end, h, mi, se, mer, off))
    out.sort(key=lambda t: t.start)
    return out


def _offset_from_match(om: re.Match[str]) -> timedelta | None:
    sign, hh, mm, sign2, hh2, mm2, z = om.groups()
    if z:
        return timedelta(0)
    if sign2:
        return (-1 if sign2 == "-" else 1) * timedelta(hours=int(hh2), minutes=int(mm2))
    if sign:
        return (-1 if sign == "-" else 1) * timedelta(hours=int(hh), minutes=int(mm or 0))
    if "gmt" in om.group(0) or "utc" in om.group(0):
        return timedelta(0)
    return None


def _apply_meridiem(hour: int, mer: str | None) -> int:
    """Turn a 12-hour clock into 24 hours; a 24-hour value with a redundant "PM" (13:05 PM) is kept."""
    if mer is None or hour > 12:
        return hour
    if mer in ("am", "sa", "sáng"):
        return 0 if hour == 12 else hour
    if mer in ("pm", "ch", "chiều", "tối"):
        return hour if hour == 12 else hour + 12
    if mer == "trưa":
        return hour + 12 if 1 <= hour <= 4 else hour
    if mer in ("đêm", "khuya"):
        if hour == 12:
            return 0
        return hour + 12 if hour >= 6 else hour
    return hour


def _weekday(s: str, upto: int) -> int | None:
    m = _WEEKDAY.search(s, max(0, upto - 40), upto)
    if m is None:
        return None
    key = m.group(1) or m.group(2)
    return _WEEKDAYS.get(re.sub(r"\s+", " ", key))


def _pair_time(s: str, c: _Cand, times: list[_Time]) -> _Time | None:
    """The time printed next to the date (before or after it, separated only by punctuation and small words)."""
    best: _Time | None = None
    for t in times:
        if t.start >= c.end:
            gap = s[c.end : t.start]
        elif t.end <= c.start:
            gap = s[t.end : c.start]
        else:
            continue
        if len(gap) > 24 or _GAP.fullmatch(gap) is None:
            continue
        if best is None or (t.start >= c.end and best.start < c.start):
            best = t  # a time after the date wins over one before it
    return best


def _build(s: str, c: _Cand, ref: datetime, times: list[_Time], *, month_first: bool) -> ParsedDate | None:
    """Validate one candidate: a real calendar date and clock, not after the reference + 1 day."""
    day, month = c.day, c.month
    if (month_first and c.swappable) or (month > 12 and day <= 12 and c.hms is None and c.year is not None):
        day, month = month, day  # "08/23/2011": month-first where day-first cannot be
    d = _resolve_year(c, ref, month, day)
    if d is None:
        return None
    if c.swappable and not month_first:
        wd = _weekday(s, c.start)
        if wd is not None and d.weekday() != wd:
            alt = _resolve_year(c, ref, day, month)
            if alt is not None and alt.weekday() == wd:
                d = alt
        if c.year is not None and d > (ref + _SKEW).date():
            # Day-first lands in the future but month-first does not ("3/7/2026 8:01:00 AM" crawled in March):
            # a month-first CMS, not a date to drop. A printed weekday must agree.
            alt = _resolve_year(c, ref, day, month)
            if alt is not None and alt <= ref.date() and (wd is None or alt.weekday() == wd):
                d = alt
    part = None
    pm = _PART_BEFORE.search(s, max(0, c.start - 24), c.start)
    if pm is not None:
        part = _PART_OF_DAY[pm.group(1)]
    offset = c.offset
    precision: Precision = "day"
    hms = c.hms
    if hms is None:
        t = _pair_time(s, c, times)
        if t is not None:
            hour = _apply_meridiem(t.hour, t.meridiem)
            hms = (hour, t.minute, t.second)
            if t.meridiem in _PART_OF_DAY:
                part = _PART_OF_DAY[t.meridiem]
            offset = t.offset if t.offset is not None else offset
    if hms is not None:
        hour, minute, second = hms
        if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= (second or 0) <= 59):
            return None
        tz: Any = VN_TZ if offset is None else timezone(offset)
        value = datetime.combine(d, time(hour, minute, second or 0), tzinfo=tz).astimezone(VN_TZ)
        precision = "minute" if second is None else "second"
    else:
        value = datetime.combine(d, time(0, 0), tzinfo=VN_TZ)
    if d.year < _EARLIEST_YEAR or value > ref + _SKEW:
        return None
    if precision == "day" and d > (ref + _SKEW).date():
        return None
    return ParsedDate(value, precision, part, year_inferred=c.year is None)


_REL_UNITS = {
    "giây": timedelta(seconds=1),
    "phút": timedelta(minutes=1),
    "giờ": timedelta(hours=1),
    "tiếng": timedelta(hours=1),
    "ngày": timedelta(days=1),
    "tuần": timedelta(weeks=1),
}


def _relative(s: str, ref: datetime) -> ParsedDate | None:
    m = _RELATIVE.search(s)
    if m is not None:
        groups = m.groups()[:4] if m.group(1) else m.groups()[4:]
        n, unit, extra_n, extra_unit = int(groups[0]), groups[1], groups[2], groups[3]
        if unit in ("tháng", "năm"):
            months = n if unit == "tháng" else 12 * n
            y, mo = divmod(ref.year * 12 + ref.month - 1 - months, 12)
            if y < 1:
                return None
            day = min(ref.day, calendar.monthrange(y, mo + 1)[1])
            return ParsedDate(datetime.combine(date(y, mo + 1, day), time(0), tzinfo=VN_TZ), "day")
        delta = n * _REL_UNITS[unit]
        if extra_n:
            delta += int(extra_n) * _REL_UNITS[extra_unit]
        value = ref - delta
        if unit in ("ngày", "tuần"):
            return ParsedDate(datetime.combine(value.date(), time(0), tzinfo=VN_TZ), "day")
        precision: Precision = "second" if "giây" in (unit, extra_unit) else "minute"
        return ParsedDate(value.replace(microsecond=0) if precision == "second" else value, precision)
    r = _REL_DAY.search(s)
    if r is None:
        return None
    word = r.group(2) or r.group(3)
    back = 2 if word.endswith("kia") else 1 if word.endswith("qua") else 0
    d = ref.date() - timedelta(days=back)
    part = _PART_OF_DAY[r.group(1)] if r.group(1) else None
    t = next((t for t in _times(s) if 0 <= t.start - r.end() <= 8 and _GAP.fullmatch(s[r.end() : t.start])), None)
    if t is not None:
        hour = _apply_meridiem(t.hour, t.meridiem)
        if 0 <= hour <= 23 and 0 <= t.minute <= 59:
            value = datetime.combine(d, time(hour, t.minute, t.second or 0), tzinfo=VN_TZ)
            if value <= ref + _SKEW:
                return ParsedDate(value, "minute" if t.second is None else "second", part)
    return ParsedDate(datetime.combine(d, time(0), tzinfo=VN_TZ), "day", part)


def _epoch(s: str, ref: datetime) -> ParsedDate | None:
    m = _EPOCH.fullmatch(s)
    if m is None:
        return None
    n = int(m.group(1))
    if len(m.group(1)) > 10:
        n //= 1000
    value = datetime.fromtimestamp(n, tz=VN_TZ)
    if value.year < _EARLIEST_YEAR or value > ref + _SKEW:
        return None
    return ParsedDate(value, "second")


def _grammar(s: str, ref: datetime, *, month_first: bool) -> tuple[ParsedDate | None, bool]:
    """Parse with the grammar: (result, whether a date-shaped token was seen, valid or not)."""
    e = _epoch(s, ref)
    if e is not None:
        return e, True
    cands = _candidates(s)
    if cands:
        times = _times(s)
        for c in cands:
            got = _build(s, c, ref, times, month_first=month_first)
            if got is not None:
                return got, True
        return None, True
    rel = _relative(s, ref)
    if rel is not None:
        return rel, True
    return None, False


# --- dateparser fallback -------------------------------------------------------------------------------------

# The grammar reads every numeric day/month form; dateparser is only trusted where the month is named.
_MONTH_NAME = re.compile(rf"(?<![a-z])(?:{_EN_MONTH_ALT})(?![a-z])|tháng\s+(?:\d{{1,2}}|{_VI_MONTH_ALT})")
_DP_SETTINGS: dict[str, Any] = {
    "DATE_ORDER": "DMY",
    "PREFER_DATES_FROM": "past",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    "REQUIRE_PARTS": ["day", "month"],  # never complete a day or a month from the reference
}


def _confirmed(s: str, value: datetime) -> bool:
    """dateparser's answer stands only if its day is printed as a number and its month as a name in ``s``.

    This rejects what dateparser invents: "11 giờ 25 phút" read as a time ago, "Trong 2 ngày 9" read as 2 September,
    a lone "+7" read as 7 December of some year.
    """
    if re.search(rf"(?<!\d)0?{value.day}(?!\d)", s) is None:
        return False
    for m in _MONTH_NAME.finditer(s):
        word = m.group(0)
        month = _EN_MONTHS.get(word[:3]) if not word.startswith("tháng") else _month_number(word[5:].strip())
        if month == value.month:
            return True
    return False


def _fallback(raw: str, s: str, ref: datetime) -> ParsedDate | None:
    if len(s) > 80 or _MONTH_NAME.search(s) is None:
        return None
    try:
        import dateparser  # imported lazily: it is slow to import and rarely needed

        settings = dict(_DP_SETTINGS, RELATIVE_BASE=ref.replace(tzinfo=None))
        got = dateparser.parse(s, languages=["vi", "en"], settings=settings)
    except Exception:  # dateparser is third-party code on untrusted text; its failure is "no date"
        return None
    if not isinstance(got, datetime):
        return None
    value = got.astimezone(VN_TZ) if got.tzinfo else got.replace(tzinfo=VN_TZ)
    if value.year < _EARLIEST_YEAR or value > ref + _SKEW or not _confirmed(s, value):
        return None
    has_time = _TIME_HM.search(s) is not None
    if not has_time:
        value = datetime.combine(value.date(), time(0), tzinfo=VN_TZ)
    return ParsedDate(value, "minute" if has_time else "day")


# --- public API ----------------------------------------------------------------------------------------------


def parse_date(raw: str | None, *, reference: datetime | None = None, month_first: bool = False) -> ParsedDate | None:
    """Read the date in ``raw`` (a page header, a meta value, a dateline); None when there is none to trust.

    ``reference`` is the crawl time (naive = Asia/Ho_Chi_Minh; None = now): it anchors relative forms ("3 giờ
    trước") and year-less dates (the latest such date not after it), and nothing later than it plus one day is
    returned. ``month_first`` reads ambiguous numeric dates month-first (a per-site override). Never raises.

    >>> parse_date("Thứ Tư, ngày 06/05/2020 10:21 AM (GMT+7)").value.isoformat()
    '2020-05-06T10:21:00+07:00'
    >>> p = parse_date("Cập nhật thứ ba, ngày 25/12/12 10:15 tối", reference=datetime(2012, 12, 27))
    >>> p.value.isoformat(), p.precision, p.part_of_day
    ('2012-12-25T22:15:00+07:00', 'minute', 'tối')
    >>> parse_date("Chiều 30/12, Sở Y tế họp", reference=datetime(2017, 1, 5)).value.date().isoformat()
    '2016-12-30'
    >>> parse_date("30/02/2022") is None
    True
    """
    if not raw or not isinstance(raw, str):
        return None
    if not isinstance(reference, datetime) or len(raw) > 2000:
        # None (now) or a string: the answer may change from call to call; a long text is not worth keeping
        return _parse_date(raw, reference, month_first)
    # The offset too: two references at the same instant in different zones compare (and hash) equal.
    return _parse_date_at(raw, reference, reference.utcoffset(), month_first)


# The dates read last: a page's date strings are read by extraction (to find and choose the page's dates) and again
# by the normalize stage, with the same fetch time. ParsedDate is immutable, so every caller can share one. Bounded:
# a few pages' worth. ``offset`` is only part of the key.
@lru_cache(maxsize=256)
def _parse_date_at(raw: str, reference: datetime, offset: timedelta | None, month_first: bool) -> ParsedDate | None:
    return _parse_date(raw, reference, month_first)


def _parse_date(raw: str, reference: datetime | date | str | None, month_first: bool) -> ParsedDate | None:
    try:
        ref = _aware(reference)
        s = _prepare(raw[:2000])
        got, seen = _grammar(s, ref, month_first=month_first)
        if got is not None or seen:
            return got
        return _fallback(raw, s.strip(), ref)
    except (ValueError, OverflowError, KeyError, IndexError):
        return None


# A news agency tag before the dateline: "(baokontum.vn) –", "(GLO)-", "VOV.VN -", "ND -", "TTXVN:".
_LEAD_TAG = re.compile(
    r"^\s*(?:\([^()\n]{1,40}\)|(?!(?i:sáng|trưa|chiều|tối|đêm|khuya|ngày|hôm|trong)(?![^\W\d_]))"
    r"[A-ZĐ][\w.]{0,15}(?: [^\W\d_][\w.]{0,15}){0,3})\s*[-–—:]\s*"
)
_DATELINE_MAX_START = 40


def find_dateline(text: str | None, *, reference: datetime | None) -> ParsedDate | None:
    """The date an article body opens with ("Chiều 14/12, ...", "(GLO)- Sáng 6-1, ...", "Sáng nay (14/11/2022), ...").

    Only the first paragraph's opening is read, after an optional agency tag; a date deeper in the text is not a
    dateline. The year of a year-less dateline is the latest one not after ``reference``. Never raises.

    >>> p = find_dateline("(baokontum.vn) – Chiều 14/12, Sở Y tế họp giao ban.", reference=datetime(2021, 12, 20))
    >>> p.value.date().isoformat(), p.part_of_day
    ('2021-12-14', 'chiều')
    >>> find_dateline("UBND tỉnh họp ngày 14/12.", reference=datetime(2021, 12, 20)) is None
    True
    """
    if not text or not isinstance(text, str):
        return None
    try:
        head = text.lstrip()[:400].split("\n", 1)[0]
        m = _LEAD_TAG.match(head)
        if m is not None:
            head = head[m.end() :]
        ref = _aware(reference)
        s = _prepare(head[:200])
        cands = _candidates(s)
        times = _times(s)
        for c in cands:
            if c.start > _DATELINE_MAX_START:
                break
            if not _dateline_prefix_ok(s[: c.start]):
                continue
            got = _build(s, c, ref, times, month_first=False)
            if got is not None:
                return got
        return None
    except (ValueError, OverflowError, KeyError, IndexError):
        return None


# Words allowed before a dateline's date, each followed by separators (kept out of the words, so that matching
# stays linear: a separator that could belong to two places makes a regex backtrack exponentially).
_DATELINE_PREFIX = re.compile(
    r"^[\s(),\-–]*(?:(?:sáng|trưa|chiều|tối|đêm|khuya|nay|qua|hôm|ngày|trong|đến|từ|tới|vào|lúc|rạng"
    r"|\d{1,2}\s*(?:giờ|h)(?:\s*\d{1,2}\s*(?:phút)?)?|\d{1,2}:\d{2}|\d{1,2}\s*(?:-|–|và|đến)|\d+\s+ngày)[\s(),\-–]*)*$"
)


def _dateline_prefix_ok(prefix: str) -> bool:
    return _DATELINE_PREFIX.match(prefix) is not None


# --- the year of a year-less date ---------------------------------------------------------------------------------

# "năm 2021" (the year spoken of) and full printed dates "14/12/2021": the years a text is about.
_YEAR_WORD = re.compile(r"(?<![^\W\d_])năm\s+((?:19|20)\d\d)(?!\d)")
_YEAR_IN_DATE = re.compile(r"(?<![\d/.\-])\d{1,2}[/.\-]\d{1,2}[/.\-]((?:19|20)\d\d)(?!\d)")
_MIN_EVIDENCE = 2.0  # weight a year needs to move a date: a title mention, or two mentions or dates
_EVIDENCE_SPAN = 25  # years before the fetch a page's evidence may point to (older ones are history, not the date)


def year_evidence(
    texts: list[tuple[str | None, float]], dates: list[str | None], *, reference: datetime | None
) -> dict[int, float]:
    """Weighted counts of the years a page points to: ``texts`` are (text, weight) pairs read for "năm 2021" and
    full dates; ``dates`` are date strings printed elsewhere on the page (related items, comments, modified), each
    counting 1 when it prints a year. Years more than one after the reference and years far before it are not
    evidence. Never raises."""
    ref = _aware(reference)
    low = max(_EARLIEST_YEAR, ref.year - _EVIDENCE_SPAN)
    counts: dict[int, float] = {}

    def add(year: int, weight: float) -> None:
        if low <= year <= ref.year + 1:  # next year's plans ("kế hoạch năm 2027") support a date late this year
            counts[year] = counts.get(year, 0.0) + weight

    for text, weight in texts:
        if not text or not isinstance(text, str):
            continue
        s = _prepare(text[:20000])
        for m in _YEAR_WORD.finditer(s):
            add(int(m.group(1)), weight)
        for m in _YEAR_IN_DATE.finditer(s):
            add(int(m.group(1)), weight)
    for raw in dates:
        got = parse_date(raw, reference=ref) if isinstance(raw, str) else None
        if got is not None and not got.year_inferred:
            # A date of the fetch day (a "latest news" item, or a clock the extractor did not recognise) counts
            # for the fetch year: it can only keep a date where the fetch time put it.
            add(got.value.year, 1.0)
    return counts


def evidence_year(parsed: ParsedDate, counts: dict[int, float]) -> int | None:
    """The year a year-less ``parsed`` date belongs to according to the page's evidence, or None to keep its year.

    The reference year (the latest year not after the fetch) stands while anything on the page supports it: a
    mention of that year, of the year before when the date is in January or February (year-end reviews), or of
    the year after when it is in November or December (next year's plans). Only a page that points elsewhere
    entirely (an old article fetched years later) moves the date, to its most mentioned year (ties: the later), if
    that year has a weight of at least two (a title mention, or two mentions or dates).
    """
    if not parsed.year_inferred or not counts:
        return None
    year, month = parsed.value.year, parsed.value.month
    support = counts.get(year, 0.0)
    if month <= 2:
        support += counts.get(year - 1, 0.0)
    if month >= 11:
        support += counts.get(year + 1, 0.0)
    if support > 0:
        return None
    best = max((y for y in counts if y < year), key=lambda y: (counts[y], y), default=None)
    # One stray mention is not enough to move a date away from where the fetch time puts it.
    return best if best is not None and counts[best] >= _MIN_EVIDENCE else None
