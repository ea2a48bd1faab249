"""The year of a year-less date ("Chiều 14/12"): from the URL, the page's evidence, else the fetch time.

``normalize_article`` places the year and says it did (``published_year_inferred``); a printed year is a fact.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from ingest.normalize import VN_TZ, normalize_article, parse_date
from ingest.normalize.dates import evidence_year, year_evidence

LATE = datetime(2026, 3, 8, 9, 0, tzinfo=VN_TZ)


def _day(raw: dict[str, Any], ref: datetime) -> tuple[date | None, bool]:
    out = normalize_article(raw, reference=ref)
    return (out["published"].date() if out["published"] else None), out["published_year_inferred"]


def test_printed_year_is_not_inferred() -> None:
    assert _day({"published_raw": "14/12/2021 17:26"}, LATE) == (date(2021, 12, 14), False)
    assert parse_date("14/12/2021").year_inferred is False  # type: ignore[union-attr]
    assert parse_date("Chiều 14/12", reference=LATE).year_inferred is True  # type: ignore[union-attr]


def test_fresh_crawl_keeps_the_fetch_year() -> None:
    raw = {"title": "Họp báo", "body": "Sáng 7/3, UBND tỉnh họp báo về kế hoạch năm 2026."}
    assert _day(raw, LATE) == (date(2026, 3, 7), True)


def test_january_review_of_last_year_is_still_this_year() -> None:
    # Early in the year a page speaks of the year just ended; that supports the fetch year, it does not move it.
    raw = {"title": "Tổng kết năm 2025", "body": "Sáng 7/1, Sở Y tế tổng kết công tác năm 2025."}
    assert _day(raw, datetime(2026, 1, 8, 9, 0, tzinfo=VN_TZ)) == (date(2026, 1, 7), True)


def test_december_plans_for_next_year_support_this_year() -> None:
    raw = {"body": "Chiều 14/12, tỉnh triển khai nhiệm vụ năm 2022."}
    assert _day(raw, datetime(2021, 12, 20, tzinfo=VN_TZ)) == (date(2021, 12, 14), True)


def test_old_article_fetched_years_later_takes_the_year_it_speaks_of() -> None:
    raw = {
        "title": "UBND tỉnh tổng kết công tác quốc phòng, quân sự năm 2021",
        "body": "Chiều 14/12, UBND tỉnh tổng kết năm 2021 và triển khai nhiệm vụ năm 2022. Năm 2022, tỉnh ...",
    }
    assert _day(raw, LATE) == (date(2021, 12, 14), True)


def test_url_day_and_url_month_decide_before_the_text() -> None:
    body = {"body": "Chiều 14/12, UBND tỉnh tổng kết năm 2019."}
    assert _day({**body, "url": "https://kontumtv.vn/2021/12/15/tong-ket/"}, LATE) == (date(2021, 12, 14), True)
    assert _day({**body, "url": "https://kontumtv.vn/2020/12/tong-ket/"}, LATE) == (date(2020, 12, 14), True)


def test_page_dates_give_the_year_when_the_text_has_none() -> None:
    raw = {"body": "Sáng 14/6, Sở Giao thông họp.", "page_dates": ["(10/06/2019)", "02/06/2019 08:00"]}
    assert _day(raw, LATE) == (date(2019, 6, 14), True)


def test_a_date_of_the_fetch_year_on_the_page_keeps_the_fetch_year() -> None:
    # A "latest news" item of the fetch day: the page is fresh, whatever its related items say.
    raw = {"body": "Sáng 7/3, Sở Giao thông họp.", "page_dates": ["08/03/2026 08:55", "(10/06/2019)", "01/06/2019"]}
    assert _day(raw, LATE) == (date(2026, 3, 7), True)


def test_one_stray_mention_does_not_move_a_date() -> None:
    raw = {"body": "Sáng 14/6, Sở Giao thông họp về kế hoạch đã đề ra từ năm 2019."}
    assert _day(raw, LATE) == (date(2025, 6, 14), True)


def test_history_long_before_the_fetch_does_not_move_a_date() -> None:
    raw = {"body": "Sáng 29/4, tỉnh kỷ niệm ngày giải phóng miền Nam 30/4/1975, thống nhất đất nước năm 1975."}
    assert _day(raw, datetime(2025, 4, 30, 9, 0, tzinfo=VN_TZ)) == (date(2025, 4, 29), True)


@pytest.mark.parametrize("bad", [None, 12, ["x"], {"a": 1}])
def test_odd_evidence_never_raises(bad: Any) -> None:
    raw = {"body": "Sáng 14/6, Sở Giao thông họp.", "page_dates": bad, "title": bad, "modified_raw": bad}
    assert _day(raw, LATE) == (date(2025, 6, 14), True)


def test_evidence_counts_and_choice() -> None:
    counts = year_evidence([("Tổng kết năm 2021", 2.0), ("năm 2022 và 14/12/2021", 1.0)], [], reference=LATE)
    assert counts == {2021: 3.0, 2022: 1.0}
    parsed = parse_date("Chiều 14/12", reference=LATE)
    assert parsed is not None
    assert evidence_year(parsed, counts) == 2021
    assert evidence_year(parsed, {}) is None
    assert evidence_year(parsed, {2025: 1.0}) is None  # the fetch-based year (2025) is supported
    assert evidence_year(parsed, {2019: 1.0}) is None  # too little to move it
