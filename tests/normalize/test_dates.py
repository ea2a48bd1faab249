"""parse_date and find_dateline: every shared dev-set row, plus our own rows for each rule of the grammar."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingest.normalize import VN_TZ, find_dateline, parse_date
from tests.normalize.devset import load_row, row_ids

VN = timezone(timedelta(hours=7))
_FINENESS = {"day": 0, "minute": 1, "second": 2}


@pytest.mark.parametrize("row_id", row_ids("dates.jsonl"))
def test_dev_set_dates(dev_set: Path, row_id: str) -> None:
    row = load_row(dev_set, "dates.jsonl", row_id)
    got = parse_date(row["raw"], reference=datetime.fromisoformat(row["reference"]))
    if row["expected"] is None:
        assert got is None
        return
    assert got is not None
    assert got.value.tzinfo is not None
    want = datetime.fromisoformat(row["expected"])
    if want.tzinfo is None:
        want = want.replace(tzinfo=VN)
    value = got.value.astimezone(VN)
    if row["precision"] == "day":
        assert value.date() == want.date()
    else:
        unit = "minute" if row["precision"] == "minute" else "second"
        trim = {"second": 0, "microsecond": 0} if unit == "minute" else {"microsecond": 0}
        assert value.replace(**trim) == want.astimezone(VN).replace(**trim)
    # Our precision is never coarser than what the string printed.
    assert _FINENESS[got.precision] >= _FINENESS[row["precision"]]
    assert got.part_of_day == (row["part_of_day"].lower() if row["part_of_day"] else None)


REF = datetime(2026, 3, 10, 12, 0, tzinfo=VN_TZ)

# (raw, expected ISO in +07:00 or None, precision, part_of_day); reference is REF unless the rule needs another.
OWN_ROWS: list[tuple[str, str | None, str | None, str | None]] = [
    # weekday prefixes in any case, labels and junk around the date
    ("Thứ năm, 18/12/2014, 09:41 GMT+7", "2014-12-18T09:41", "minute", None),
    ("thứ sáu, 26/09/2025, 14:51 (GMT+7)", "2025-09-26T14:51", "minute", None),
    ("CN, 08/03/2026", "2026-03-08", "day", None),
    ("Cập nhật: 05/03/2026 08:00", "2026-03-05T08:00", "minute", None),
    ("Ngày đăng: 17/10/2019", "2019-10-17", "day", None),
    ("Đăng lúc 17h30 ngày 14/12/2021", "2021-12-14T17:30", "minute", None),
    ("Xã hội - 09:15, 01/03/2026", "2026-03-01T09:15", "minute", None),
    ("01/03/2026 - 09:15 | Thời sự | Lượt xem: 4321", "2026-03-01T09:15", "minute", None),
    # separators, padding, two-digit years, dotted and ISO-like year-first forms
    ("Thứ hai, 4/8/2025, 00:00 (GMT+7)", "2025-08-04T00:00", "minute", None),
    ("09-03-2026, 16:27", "2026-03-09T16:27", "minute", None),
    ("14.12.2021 17:02", "2021-12-14T17:02", "minute", None),
    ("giaoduc 17:02 14/12/21", "2021-12-14T17:02", "minute", None),
    ("2021/12/14", "2021-12-14", "day", None),
    # time before or after; HH:MM:SS, 6h00, 19h, "11 giờ 25 phút"
    ("14:20, 30/04/2015", "2015-04-30T14:20", "minute", None),
    ("11/06/2020 16:07:05 (GMT+7)", "2020-06-11T16:07:05", "second", None),
    ("6h00 ngày 5/3/2026", "2026-03-05T06:00", "minute", None),
    ("19h ngày 5/3/2026", "2026-03-05T19:00", "minute", None),
    ("9 giờ 40 phút, ngày 5/3", "2026-03-05T09:40", "minute", None),
    ("21 giờ 12 phút 9 giây ngày 20/10", "2025-10-20T21:12:09", "second", None),
    # AM/PM, redundant PM, Vietnamese day parts as 12-hour markers
    ("06-03-2026 - 00:07 AM", "2026-03-06T00:07", "minute", None),
    ("16:45 PM | 20/11/2013", "2013-11-20T16:45", "minute", None),
    ("Cập nhật thứ năm, ngày 29/11/12 05:10 chiều", "2012-11-29T17:10", "minute", "chiều"),
    ("11:05 tối 24/12/2012", "2012-12-24T23:05", "minute", "tối"),
    ("1 giờ trưa ngày 5/3/2026", "2026-03-05T13:00", "minute", "trưa"),
    ("10 giờ đêm ngày 5/3/2026", "2026-03-05T22:00", "minute", "đêm"),
    ("9:30 sáng 5/3/2026", "2026-03-05T09:30", "minute", "sáng"),
    ("5/3/2026 8:01:00 SA", "2026-03-05T08:01:00", "second", None),
    ("5/3/2026 8:01:00 CH", "2026-03-05T20:01:00", "second", None),
    ("lúc 17g30 ngày 5/3/2026", "2026-03-05T17:30", "minute", None),
    ("8 giờ 30 ngày 5/3/2026", "2026-03-05T08:30", "minute", None),
    ("March 5, 2026 at 8:01 pm", "2026-03-05T20:01", "minute", None),
    # textual months: Vietnamese, WordPress vi_VN, English
    ("NGÀY 14 THÁNG 12, 2021 | 17:02", "2021-12-14T17:02", "minute", None),
    ("ngày 08 tháng 12 năm 2024\n16:02 (GMT +7)", "2024-12-08T16:02", "minute", None),
    ("Tháng Mười Một 3, 2020", "2020-11-03", "day", None),
    ("tháng Giêng 2, 2021", "2021-01-02", "day", None),
    ("14 Th12, 2021", "2021-12-14", "day", None),
    ("Th12 14, 2021 10:20", "2021-12-14T10:20", "minute", None),
    ("5 Tháng Ba, 2026", "2026-03-05", "day", None),
    ("ngày 5 tháng Ba năm 2026", "2026-03-05", "day", None),
    ("Dec 5, 2025", "2025-12-05", "day", None),
    ("5 December 2025, 10:00", "2025-12-05T10:00", "minute", None),
    # RSS/RFC 822 feed dates
    ("Fri, 06 Mar 2026 01:01:00 GMT", "2026-03-06T08:01:00", "second", None),
    ("Thu, 5 Mar 2026 8:01:00 +0700", "2026-03-05T08:01:00", "second", None),
    # offsets are converted, never dropped
    ("2026-03-07T01:52:11Z", "2026-03-07T08:52:11", "second", None),
    ("2023-04-11T07:31:04+0700", "2023-04-11T07:31:04", "second", None),
    ("2026-03-06T19:05:42.000 +07:00", "2026-03-06T19:05:42", "second", None),
    ("2026-03-07T10:00:00+09:00", "2026-03-07T08:00:00", "second", None),
    ("05/03/2026 10:00 GMT+8", "2026-03-05T09:00", "minute", None),
    ("05/03/2026 10:00 UTC", "2026-03-05T17:00", "minute", None),
    ("05/03/2026 10:00 GMT-5", "2026-03-05T22:00", "minute", None),
    ("05/03/2026 10:00 -05:00", "2026-03-05T22:00", "minute", None),
    ("05/03/2026 10:00 +0700", "2026-03-05T10:00", "minute", None),
    ("05/03/2026 10:00 (UTC+7)", "2026-03-05T10:00", "minute", None),
    ("10:00 +09:00, 05/03/2026", "2026-03-05T08:00", "minute", None),
    # epochs (seconds, milliseconds)
    ("1772860000", "2026-03-07T12:06:40", "second", None),
    ("1772860000000", "2026-03-07T12:06:40", "second", None),
    # relative forms
    ("4 giờ trước", "2026-03-10T08:00", "minute", None),
    ("(1 giờ 35 phút trước)", "2026-03-10T10:25", "minute", None),
    ("1 tuần trước", "2026-03-03", "day", None),
    ("Cách đây 2 giờ 15 phút", "2026-03-10T09:45", "minute", None),
    ("cách đây 3 ngày", "2026-03-07", "day", None),
    ("hôm qua lúc 10:20", "2026-03-09T10:20", "minute", None),
    ("hôm nay", "2026-03-10", "day", None),
    ("Tối qua, lực lượng chức năng", "2026-03-09", "day", "tối"),
    # body datelines, year inferred as the latest date not after the reference
    ("(GLO)- Sáng nay (20-2), Sở Y tế", "2026-02-20", "day", "sáng"),
    ("Tối qua (14/12), tại Hà Nội", "2025-12-14", "day", "tối"),
    ("Đến 16-9, toàn tỉnh", "2025-09-16", "day", None),
    ("Bản tin Trưa ngày 20/11/2021", "2021-11-20", "day", "trưa"),
    ("Sáng 30/9, 12.500 suất quà", "2025-09-30", "day", "sáng"),
    ("Chiều 10/3, UBND tỉnh", "2026-03-10", "day", "chiều"),
    ("Chiều 11/3, UBND tỉnh", "2025-03-11", "day", "chiều"),
    ("Ngày 29/2, hội nghị", "2024-02-29", "day", None),
    # Unicode: NFD, NBSP, entities, look-alikes
    ("Nga\u0300y 5/3/2026", "2026-03-05", "day", None),
    ("05/03/2026,\u00a017:02", "2026-03-05T17:02", "minute", None),
    ("05/03/2026,17:02", "2026-03-05T17:02", "minute", None),
    ("ng&agrave;y 5/3/2026&nbsp;17:02", "2026-03-05T17:02", "minute", None),
    ("S\u034f\u034f\u03acn\u034fg\u034f 29/8", "2025-08-29", "day", "sáng"),
    ("N\u033cg\u033cà\u033cy\u033c 3/12", "2025-12-03", "day", None),
    ("\u00d0ăng ngày 3/12", "2025-12-03", "day", None),
    # a weekday that only fits month-first picks month-first; weekdays are not read from "thứ 33"
    ("Thứ Ba, 03/10/2026", "2026-03-10", "day", None),
    # day-first in the future but month-first in the past: a month-first CMS (unless a weekday disagrees)
    ("3/7/2026 8:01:00 AM", "2026-03-07T08:01:00", "second", None),
    ("Thứ Ba, 03/07/2026", None, None, None),
    ("kỳ họp thứ 25 của HĐND", None, None, None),
    # impossible, future (header clock), and non-dates
    ("30/02/2022", None, None, None),
    ("Thứ Ba, 29/02/2022 09:30", None, None, None),
    ("25:61 05/03/2026", "2026-03-05", "day", None),  # "25:61" is not a clock; the date stands alone
    ("24h.com.vn - 14/12/2021", "2021-12-14", "day", None),
    ("Thứ Năm, 12/03/2026 09:00", None, None, None),
    ("12/03/2026", None, None, None),
    ("tỷ số 2-1", None, None, None),
    ("Covid-19", None, None, None),
    ("5 giờ qua", None, None, None),
    ("", None, None, None),
    ("không có ngày", None, None, None),
]


@pytest.mark.parametrize(("raw", "expected", "precision", "part"), OWN_ROWS)
def test_own_rows(raw: str, expected: str | None, precision: str | None, part: str | None) -> None:
    got = parse_date(raw, reference=REF)
    if expected is None:
        assert got is None
        return
    assert got is not None
    want = datetime.fromisoformat(expected).replace(tzinfo=VN)
    assert got.value.utcoffset() == timedelta(hours=7)
    assert got.value == want
    assert got.precision == precision
    assert got.part_of_day == part


def test_month_first_override() -> None:
    got = parse_date("03/08/2021", reference=REF, month_first=True)
    assert got is not None
    assert got.value.date().isoformat() == "2021-03-08"
    day_first = parse_date("03/08/2021", reference=REF)
    assert day_first is not None
    assert day_first.value.date().isoformat() == "2021-08-03"


def test_naive_and_missing_reference() -> None:
    naive = parse_date("Chiều 11/3", reference=datetime(2026, 3, 10, 12))
    assert naive is not None
    assert naive.value.year == 2025
    now = parse_date("7 phút trước")
    assert now is not None
    assert abs(datetime.now(VN_TZ) - timedelta(minutes=7) - now.value) < timedelta(minutes=1)


def test_fallback_is_validated() -> None:
    # Shapes only dateparser reads: kept with a day and a month, the year from the past side of the reference.
    short = parse_date("3 Dec", reference=REF)
    assert short is not None
    assert short.value.date().isoformat() == "2025-12-03"
    ordinal = parse_date("Tuesday 3rd of March", reference=REF)
    assert ordinal is not None
    assert ordinal.value.date().isoformat() == "2026-03-03"
    # No day, or no month: nothing, never a date completed from the reference.
    month_word = parse_date("5 tháng ba", reference=REF)
    assert month_word is not None
    assert month_word.value.date().isoformat() == "2026-03-05"
    assert parse_date("March 2026", reference=REF) is None
    # What dateparser invents is rejected: a clock read as a time ago, "day 9" read as September.
    assert parse_date("9 giờ 40 phút", reference=REF) is None
    assert parse_date("Trong 3 ngày 8", reference=REF) is None
    assert parse_date("năm 2024", reference=REF) is None
    assert parse_date("+7", reference=REF) is None


def test_reference_forms() -> None:
    as_date = parse_date("Chiều 5/3", reference=REF.date())  # type: ignore[arg-type]
    as_text = parse_date("Chiều 5/3", reference="2026-03-10T12:00:00+07:00")  # type: ignore[arg-type]
    assert as_date is not None
    assert as_text is not None
    assert as_date.value == as_text.value == datetime(2026, 3, 5, tzinfo=VN_TZ)
    for extreme in (datetime.min, datetime.max, datetime(1, 1, 1, tzinfo=VN_TZ)):
        for raw in ("Chiều 5/3", "3 năm trước", "1700000000", "hôm qua", "9999-12-31T23:59:59-12:00"):
            got = parse_date(raw, reference=extreme)
            assert got is None or got.value.year >= 1990


def test_seed_dateline(seed_text: str) -> None:
    got = find_dateline(seed_text, reference=datetime(2021, 12, 20, tzinfo=VN_TZ))
    assert got is not None
    assert got.value.date().isoformat() == "2021-12-14"
    assert got.part_of_day == "chiều"


@pytest.mark.parametrize(
    ("text", "expected", "part"),
    [
        ("(GLO)- Chiều 23-5, Sở Y tế tổ chức hội nghị.", "2025-05-23", "chiều"),
        ("VOV.VN - Sáng nay (28/2), HĐND tỉnh họp kỳ họp thứ 21.", "2026-02-28", "sáng"),
        ("(CT) - Sáng 6-1, UBND phường tổ chức hội nghị.", "2026-01-06", "sáng"),
        ("ND - Ngày 14-9, tại Hà Nội", "2025-09-14", None),
        ("Dân trí - Chiều 5/3, đoàn công tác", "2026-03-05", "chiều"),
        ("Báo Kon Tum - Sáng 5/3, đoàn công tác", "2026-03-05", "sáng"),
        ("Trong 2 ngày 9 - 10/11, khuôn viên nhà văn hóa", "2025-11-09", None),
        ("\n\n  Tối 28/12 tại hội trường\n\nĐoạn hai.", "2025-12-28", "tối"),
        ("UBND tỉnh cho biết, ngày 14/12 sẽ họp.", None, None),
        ("Hội nghị diễn ra sôi nổi.\n\nChiều 14/12, tỉnh họp.", None, None),
        ("", None, None),
    ],
)
def test_find_dateline(text: str, expected: str | None, part: str | None) -> None:
    got = find_dateline(text, reference=REF)
    if expected is None:
        assert got is None
        return
    assert got is not None
    assert got.value.date().isoformat() == expected
    assert got.part_of_day == part
