"""normalize_article: the raw -> normalised mapping shared by `ingest extract` and the crawl."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingest.normalize import VN_TZ, normalize_article, normalize_text

REF = datetime(2021, 12, 20, 9, 0, tzinfo=VN_TZ)
KEYS = {
    "title",
    "lead",
    "body",
    "published",
    "published_precision",
    "part_of_day",
    "published_year_inferred",
    "modified",
    "authors",
    "author_roles",
    "organizations",
    "source",
    "canonical_url",
    "category",
    "tags",
}


def test_full_article() -> None:
    raw: dict[str, Any] = {
        "url": "https://m.baogialai.com.vn/abc-post1.html?utm_source=zalo",
        "canonical_url": None,
        "title": "  Hội nghị  tổng kết\n",
        "lead": "(GLO)- Chiều 14/12, ...",
        "body": "Chiều 14/12, UBND tỉnh họp.\n\n\n\nĐoạn hai hoà bình.",
        "published_raw": "Thứ Ba, 14/12/2021 | 16:48",
        "modified_raw": "2021-12-15T08:00:00+07:00",
        "byline_raw": "Tin, ảnh: MINH KHANG",
        "category": ["Thời sự", " Thời sự ", "Xã hội"],
        "tags": ["Kon Tum", "kon tum", ""],
        "images": [],
        "authors_hint": [],
    }
    out = normalize_article(raw, reference=REF)
    assert set(out) == KEYS
    assert out["title"] == "Hội nghị tổng kết"
    # Display text keeps the printed tone marks (hoà); the canonical form for hashing moves them (hòa).
    assert out["body"] == "Chiều 14/12, UBND tỉnh họp.\n\nĐoạn hai hoà bình."
    assert normalize_text(out["body"]) == "Chiều 14/12, UBND tỉnh họp.\n\nĐoạn hai hòa bình."
    assert out["published"] == datetime(2021, 12, 14, 16, 48, tzinfo=VN_TZ)
    assert out["published_precision"] == "minute"
    assert out["modified"] == datetime(2021, 12, 15, 8, 0, tzinfo=VN_TZ)
    assert out["authors"] == ["Minh Khang"]
    assert out["author_roles"] == {"Minh Khang": ["writer", "photographer"]}
    assert out["canonical_url"] == "https://baogialai.com.vn/abc-post1.html"
    assert out["category"] == ["Thời sự", "Xã hội"]
    assert out["tags"] == ["Kon Tum"]


def test_dateline_fallback_and_author_hint() -> None:
    raw = {
        "url": "https://kontumtv.vn/a/",
        "body": "(kontumtv.vn) – Chiều 14/12, UBND tỉnh tổ chức hội nghị.",
        "published_raw": "không rõ",
        "byline_raw": None,
        "authors_hint": ["Bài và ảnh: Thu Hà"],
    }
    out = normalize_article(raw, reference=REF)
    assert out["published"] == datetime(2021, 12, 14, tzinfo=VN_TZ)
    assert out["published_precision"] == "day"
    assert out["part_of_day"] == "chiều"
    assert out["authors"] == ["Thu Hà"]
    assert out["author_roles"] == {"Thu Hà": ["writer", "photographer"]}
    assert out["canonical_url"] == "https://kontumtv.vn/a"


def test_source_and_header_clock() -> None:
    raw = {"url": "https://x.vn/a", "byline_raw": "Nguồn: TTXVN", "published_raw": "Thứ Hai, 27/12/2021 08:00"}
    out = normalize_article(raw, reference=REF)
    assert out["published"] is None  # a week after the fetch: the site's clock, not the publication time
    assert out["authors"] == []
    assert out["source"] == "TTXVN"


def test_empty_and_garbage_input_never_raises() -> None:
    out = normalize_article({}, reference=None)
    assert set(out) == KEYS
    assert out["title"] is None
    assert out["authors"] == []
    assert out["canonical_url"] is None
    weird = {"title": 5, "body": ["x"], "tags": "one", "category": 7, "url": 3, "published_raw": 12}
    out = normalize_article(weird, reference="not a date")  # type: ignore[arg-type]
    assert out["title"] == "5"
    assert out["tags"] == ["one"]
    assert out["category"] == ["7"]


def test_year_less_dateline_takes_the_year_of_a_dated_url() -> None:
    # An old WordPress post fetched years later: the dateline has no year, the permalink has one.
    raw = {"url": "https://kontumtv.vn/2021/12/14/hoi-nghi/", "body": "Chiều 14/12, UBND tỉnh họp tổng kết."}
    out = normalize_article(raw, reference=datetime(2026, 11, 29, tzinfo=VN_TZ))
    assert out["published"].date().isoformat() == "2021-12-14"
    assert out["part_of_day"] == "chiều"


def test_a_printed_full_date_wins_over_the_url_date() -> None:
    raw = {
        "url": "https://example.vn/2021/12/14/bai-viet/",
        "published_raw": "16/12/2021 08:30",
        "body": "Nội dung.",
    }
    out = normalize_article(raw, reference=datetime(2026, 11, 29, tzinfo=VN_TZ))
    assert out["published"] == datetime(2021, 12, 16, 8, 30, tzinfo=VN_TZ)


def test_a_printed_date_after_the_url_date_is_not_reread_month_first() -> None:
    # 05/12/2021 is two days after the URL's date; read as of the URL's day it would only fit month-first (12 May).
    raw = {"url": "https://example.vn/2021/12/03/bai-viet/", "published_raw": "05/12/2021 08:00", "body": "Nội dung."}
    out = normalize_article(raw, reference=datetime(2026, 11, 29, tzinfo=VN_TZ))
    assert out["published"] == datetime(2021, 12, 5, 8, 0, tzinfo=VN_TZ)
