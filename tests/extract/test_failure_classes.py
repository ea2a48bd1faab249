"""One hand-written page per failure class of extraction on unseen layouts (issue 14, items 2, 3 and 5).

Each fixture in ``classes/`` is a minimal page built to show one class: a markup pattern that no site rule names
(no known class, no registry selector), so only the generic rules can pass it. The assertions say what the
class needs; nothing in the code knows these files.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.extract import Extracted, extract_article
from ingest.normalize import VN_TZ, normalize_article

CLASSES = Path(__file__).resolve().parent / "classes"
FETCHED = datetime(2021, 12, 20, 9, 0, tzinfo=VN_TZ)  # the pages' header clocks print this day
URL = "https://example.vn/tin-tuc/sua-chua-duong-lien-xa-123.html"
FIRST = "Chiều nay, Sở Giao thông vận tải tỉnh"
LAST = "khắc phục các điểm sạt lở trước ngày 30 tháng này."


def _run(name: str, *, url: str = URL, fetched: datetime = FETCHED, html: str | None = None) -> tuple[Extracted, Any]:
    page = html if html is not None else (CLASSES / name).read_text(encoding="utf-8")
    raw = extract_article(page, url, fetched_at=fetched)
    return raw, normalize_article(asdict(raw), reference=fetched)


# --- dates: the machine-readable value when it is more precise and agrees ----------------------------------------


def test_time_datetime_attribute_gives_the_seconds_the_text_leaves_out() -> None:
    raw, norm = _run("date_time_datetime_attr.html")  # <time datetime="...17:26:41+07:00">14/12/2021</time>
    assert norm["published"] == datetime(2021, 12, 14, 17, 26, 41, tzinfo=VN_TZ)
    assert norm["published_precision"] == "second"
    assert norm["published_year_inferred"] is False
    assert raw.page_dates == []  # a full date was found: no year context is gathered


def test_itemprop_content_in_utc_is_the_same_day_in_vietnam() -> None:
    _, norm = _run("date_itemprop_content.html")  # content="2021-12-14T10:26:41Z" printed 14/12/2021
    assert norm["published"] == datetime(2021, 12, 14, 17, 26, 41, tzinfo=VN_TZ)


def test_machine_value_agreeing_in_its_own_offset_is_the_same_moment() -> None:
    # A site whose clock is UTC prints the UTC day; the attribute names the instant, 03:00 next day in Vietnam.
    html = (CLASSES / "date_time_datetime_attr.html").read_text(encoding="utf-8")
    html = html.replace('datetime="2021-12-14T17:26:41+07:00"', 'datetime="2021-12-14T20:00:00+00:00"')
    _, norm = _run("", html=html)
    assert norm["published"] == datetime(2021, 12, 15, 3, 0, tzinfo=VN_TZ)


def test_machine_value_on_another_day_loses_to_the_printed_date() -> None:
    raw, norm = _run("date_machine_disagrees.html")
    assert raw.published_raw == "14/12/2021 17:26"
    assert norm["published"] == datetime(2021, 12, 14, 17, 26, tzinfo=VN_TZ)


def test_metadata_with_the_printed_minute_adds_its_seconds() -> None:
    _, norm = _run("date_meta_seconds_same_minute.html")  # printed 17:26, meta 10:26:41Z
    assert norm["published"] == datetime(2021, 12, 14, 17, 26, 41, tzinfo=VN_TZ)


def test_update_stamp_printed_first_is_not_the_publication_date() -> None:
    _, norm = _run("date_updated_beside_published.html")  # "Cập nhật: 16/12/2021 09:12" above "Ngày đăng: ..."
    assert norm["published"] == datetime(2021, 12, 14, 17, 26, tzinfo=VN_TZ)


# --- dates: a printed date near the headline, whatever its classes ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("date_meta_line_pipes.html", datetime(2012, 12, 20, 16, 10, tzinfo=VN_TZ)),  # a long "|" meta line
        ("date_span_id_mentions_date.html", datetime(2012, 12, 21, 15, 20, tzinfo=VN_TZ)),  # "15:20 PM | 21/12/2012"
        ("date_split_siblings.html", datetime(2012, 12, 20, 16, 10, tzinfo=VN_TZ)),  # date and time in two spans
        ("date_entry_header.html", datetime(2021, 12, 15, 16, 30, tzinfo=VN_TZ)),  # <header class="entry-header">
        ("date_article_header_class.html", datetime(2021, 12, 15, 16, 30, tzinfo=VN_TZ)),  # "longform-header-date"
    ],
)
def test_printed_date_near_the_headline(name: str, expected: datetime) -> None:
    _, norm = _run(name)
    assert norm["published"] == expected
    assert norm["published_year_inferred"] is False


def test_month_written_in_words() -> None:
    raw, norm = _run("date_month_words.html")  # WordPress vi_VN: "Tháng Mười Hai 14, 2021"
    assert raw.published_raw is not None
    assert "Tháng Mười Hai 14, 2021" in raw.published_raw
    assert norm["published"] == datetime(2021, 12, 14, tzinfo=VN_TZ)
    assert norm["published_precision"] == "day"


def test_date_written_by_the_page_script_but_not_its_clock() -> None:
    raw, norm = _run("date_script_written.html")
    assert raw.published_raw == "Thứ năm, 20/12/2012, 16:10 GMT+7"  # not the #clock's "20/12/2021 08:00"
    assert norm["published"] == datetime(2012, 12, 20, 16, 10, tzinfo=VN_TZ)


def test_script_stamp_that_disagrees_with_the_dateline_is_not_the_date() -> None:
    raw, norm = _run("date_script_vs_dateline.html", fetched=datetime(2012, 12, 20, 9, 0, tzinfo=VN_TZ))
    assert raw.published_raw is None  # the script writes 17/12/2012, the body opens "Chiều 14/12,"
    assert norm["published"] == datetime(2012, 12, 14, tzinfo=VN_TZ)
    assert norm["part_of_day"] == "chiều"


def test_header_clock_today_strip_and_related_dates_never_date_the_article() -> None:
    raw, norm = _run("date_clocks_only.html")
    assert raw.published_raw is None
    assert norm["published"] is None
    assert norm["published_year_inferred"] is False


# --- dates: a year-less dateline takes its year from the page, and says so ------------------------------------


def test_yearless_dateline_takes_the_year_the_text_speaks_of() -> None:
    late = datetime(2026, 3, 8, 9, 0, tzinfo=VN_TZ)  # fetched years later: the fetch year would say 2025
    _, norm = _run("date_yearless_dateline.html", fetched=late)
    assert norm["published"] == datetime(2021, 12, 14, tzinfo=VN_TZ)
    assert norm["part_of_day"] == "chiều"
    assert norm["published_year_inferred"] is True


def test_yearless_dateline_takes_the_year_of_the_url_month() -> None:
    late = datetime(2026, 3, 8, 9, 0, tzinfo=VN_TZ)
    html = (CLASSES / "date_yearless_page_dates.html").read_text(encoding="utf-8")
    html = html.replace("(10/06/2019)", "").replace("(02/06/2019)", "")  # the URL alone dates it
    _, norm = _run("", url="https://example.vn/2018/06/sua-chua-duong/", fetched=late, html=html)
    assert norm["published"] == datetime(2018, 6, 14, tzinfo=VN_TZ)
    assert norm["published_year_inferred"] is True


def test_yearless_dateline_takes_the_year_of_the_pages_other_dates() -> None:
    raw, norm = _run("date_yearless_page_dates.html")
    assert raw.published_raw is None  # the related items' dates are not the article's
    assert "(10/06/2019)" in raw.page_dates
    assert not any("20/12/2021" in d for d in raw.page_dates)  # the header clock is not even context
    assert norm["published"] == datetime(2019, 6, 14, tzinfo=VN_TZ)
    assert norm["published_year_inferred"] is True


def test_yearless_dateline_without_evidence_keeps_the_fetch_year() -> None:
    html = (CLASSES / "date_yearless_page_dates.html").read_text(encoding="utf-8")
    html = html.replace("(10/06/2019)", "").replace("(02/06/2019)", "")
    _, norm = _run("", html=html)
    assert norm["published"] == datetime(2021, 6, 14, tzinfo=VN_TZ)
    assert norm["published_year_inferred"] is True


# --- headline as displayed ----------------------------------------------------------------------------------


def test_displayed_headline_wins_over_lagging_metadata() -> None:
    raw, norm = _run("title_displayed_differs.html")
    assert raw.title == "Kon Tum khẩn trương sửa đường liên xã trước mùa mưa"  # not og:title, not the category h1
    assert norm["published"] == datetime(2012, 12, 20, 16, 10, tzinfo=VN_TZ)  # the headline anchors the date


def test_edited_h1_beats_a_sticky_bar_printing_the_old_title() -> None:
    raw, _ = _run("title_edited_h1_with_sticky_copy.html")
    assert raw.title == "Kon Tum sửa gấp 120 km đường liên xã trước mùa mưa"


def test_displayed_headline_in_a_div() -> None:
    raw, _ = _run("title_displayed_div.html")
    assert raw.title == "Kon Tum: gấp rút sửa đường liên xã ở các huyện"


def test_section_suffix_is_not_part_of_the_title() -> None:
    raw, _ = _run("title_section_suffix.html")  # og:title "... - Ảnh", <title> "... - Ảnh | Báo Kon Tum"
    assert raw.title == "Đường liên xã sạt lở sau mưa lớn"


def test_category_h1_above_and_related_h1_below_are_not_the_title() -> None:
    raw, norm = _run("title_category_h1_above.html", url="https://baokontum.com.vn/a-1.html")  # <title> = host
    assert raw.title == "Sửa chữa đường liên xã trước mùa mưa"
    assert norm["published"] == datetime(2012, 12, 20, 16, 10, tzinfo=VN_TZ)


def test_site_name_is_never_the_title() -> None:
    raw, _ = _run("title_site_name_only.html", url="https://baokontum.com.vn/a-1.html")
    assert raw.title == "Sửa chữa đường liên xã trước mùa mưa"


# --- body edges ---------------------------------------------------------------------------------------------


def test_headline_and_date_line_repeated_atop_the_body_are_removed() -> None:
    raw, norm = _run("body_repeated_headline_and_date.html")
    assert raw.body is not None
    assert raw.body.startswith(FIRST)
    assert "SỬA CHỮA" not in raw.body
    assert "16:10" not in raw.body
    assert norm["published"] == datetime(2012, 12, 20, 16, 10, tzinfo=VN_TZ)


@pytest.mark.parametrize("label", ["Theo dòng sự kiện:", "Tin liên quan", "Bài liên quan", "Xem thêm", "Xem thêm:"])
def test_trailing_box_label_never_ends_the_body(label: str) -> None:
    html = (CLASSES / "body_trailing_label.html").read_text(encoding="utf-8").replace("LABEL", label)
    raw, norm = _run("", html=html)
    assert raw.body is not None
    assert raw.body.endswith(LAST)
    assert label.rstrip(":") not in raw.body
    assert "Khánh thành cầu treo" not in raw.body
    assert norm["source"] is None  # "Theo dòng sự kiện" is not a "Theo <outlet>" credit


def test_box_label_with_its_item_on_one_line_at_the_end() -> None:
    html = (CLASSES / "body_trailing_label.html").read_text(encoding="utf-8")
    html = html.replace("<p><strong>LABEL</strong></p>", "").replace(
        "<p>Thông xe tuyến tránh thành phố Kon Tum</p>", ""
    )
    html = html.replace("<p>Khánh thành cầu treo", "<p>Xem thêm: Khánh thành cầu treo")
    raw, _ = _run("", html=html)
    assert raw.body is not None
    assert raw.body.endswith(LAST)


def test_embedded_story_card_at_the_end_is_not_body() -> None:
    raw, _ = _run("body_embedded_story_card.html")  # a nested <article>: another story's link, picture and sapo
    assert raw.body is not None
    assert raw.body.endswith(LAST)
    assert "Cây cầu dài" not in raw.body


def test_a_label_in_mid_body_does_not_cut_the_paragraphs_after_it() -> None:
    html = (CLASSES / "body_trailing_label.html").read_text(encoding="utf-8").replace("LABEL", "Tin liên quan")
    closing = "<p>Dự kiến các tuyến đường sẽ được sửa xong trước ngày 15 tháng 8, phục vụ năm học mới.</p>"
    html = html.replace("</div>\n</div>\n</body>", closing + "</div>\n</div>\n</body>")
    raw, _ = _run("", html=html)
    assert raw.body is not None
    assert raw.body.endswith("phục vụ năm học mới.")
    assert LAST in raw.body
