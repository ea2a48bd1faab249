"""Hard input: lying charsets, mojibake, truncated pages, binary junk, empty input. Extraction never raises."""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.extract import Extracted, extract_article
from ingest.extract.decode import decode_html, fix_mojibake
from ingest.normalize import VN_TZ

TEXT = "Nông dân Kon Tum trúng mùa cà phê, giá tăng mạnh so với năm trước; người trồng phấn khởi thu hoạch."


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _cp1258(text: str) -> bytes:
    """Windows-1258 keeps the five tone marks as combining characters after a precomposed base letter."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + "".join(c for c in parts if c in _TONES))
    return "".join(out).encode("cp1258")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _page(charset: str) -> str:
    return (
        f'<html><head><meta charset="{charset}"><title>Trúng mùa cà phê</title></head>'
        f'<body><h1>Trúng mùa cà phê</h1><div class="entry-content"><p>{TEXT}</p><p>{TEXT}</p></div></body></html>'
    )


def test_declared_utf8_but_sent_in_windows_1258() -> None:
    text, encoding = decode_html(_cp1258(_page("utf-8")))
    assert encoding == "cp1258"
    assert TEXT in _nfc(text)


def test_declared_latin1_but_sent_in_utf8() -> None:
    text, encoding = decode_html(_page("iso-8859-1").encode("utf-8"))
    assert encoding == "utf-8"
    assert TEXT in text


def test_declared_charset_honoured_when_it_decodes() -> None:
    text, encoding = decode_html(_cp1258(_page("windows-1258")))
    assert encoding == "cp1258"
    assert TEXT in _nfc(text)


WESTERN = "<html><head>{meta}<title>São Paulo</title></head><body><p>Feira de São Paulo, três dias.</p></body></html>"


def test_the_http_charset_is_a_candidate() -> None:
    # Windows-1252 bytes with no <meta>: ã (0xE3) is ă in Windows-1258, the fallback. The HTTP header settles it.
    data = WESTERN.format(meta="").encode("cp1252")
    assert "Săo Paulo" in decode_html(data)[0]
    text, encoding = decode_html(data, "windows-1252")
    assert (encoding, "São Paulo" in text) == ("cp1252", True)
    # The header outranks the page's <meta>, as in browsers, when both decode the bytes.
    text, encoding = decode_html(WESTERN.format(meta='<meta charset="windows-1258">').encode("cp1252"), "cp1252")
    assert (encoding, "São Paulo" in text) == ("cp1252", True)


@pytest.mark.parametrize(
    ("header", "data", "expected"),
    [
        ("iso-8859-1", _page("iso-8859-1").encode("utf-8"), "utf-8"),  # a Western default over UTF-8 bytes
        ("utf-8", _cp1258(_page("windows-1258")), "cp1258"),  # bytes that are not UTF-8
        ("no-such-charset", _page("utf-8").encode("utf-8"), "utf-8"),  # an unknown name is ignored
    ],
)
def test_the_http_charset_passes_the_same_strict_checks(header: str, data: bytes, expected: str) -> None:
    text, encoding = decode_html(data, header)
    assert encoding == expected
    assert TEXT in _nfc(text)


def test_byte_order_mark_wins() -> None:
    text, encoding = decode_html(b"\xef\xbb\xbf" + _page("iso-8859-1").encode("utf-8"))
    assert encoding == "utf-8"
    assert TEXT in text
    text, encoding = decode_html("\ufeff".encode("utf-16-le") + _page("utf-8").encode("utf-16-le"))
    assert encoding == "utf-16-le"
    assert TEXT in text


def test_mojibake_is_repaired() -> None:
    broken = TEXT.encode("utf-8").decode("latin-1")
    assert broken != TEXT
    assert fix_mojibake(broken) == TEXT
    html = _page("utf-8").replace(TEXT, broken).encode("utf-8")
    out = extract_article(html, "https://example.vn/a.html")
    assert out.body is not None
    assert TEXT in out.body


def test_clean_text_is_left_alone() -> None:
    assert fix_mojibake(TEXT) == TEXT


def test_lazy_images_use_data_src() -> None:
    html = _page("utf-8").replace(
        "<p>" + TEXT, '<p><img src="data:image/gif;base64,R0lG" data-src="/img/a.jpg"></p><p>' + TEXT, 1
    )
    out = extract_article(html, "https://example.vn/tin/a.html")
    assert [img["url"] for img in out.images] == ["https://example.vn/img/a.jpg"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b"\x00\x01\x02",
        "<html><body><p>Chỉ một dòng".encode(),
        b"<?xml version='1.0'?><html/>",
        "ð\x9f".encode(),
    ],
)
def test_degenerate_input_gives_empty_fields(data: bytes) -> None:
    out = extract_article(data, "https://example.vn/a.html")
    assert isinstance(out, Extracted)
    assert out.published_raw is None


def test_truncated_real_pages_never_raise(fixture_page: Any) -> None:
    page = fixture_page.read("vccorp_afcbc.html")
    for cut in range(0, len(page), max(1, len(page) // 40)):
        out = extract_article(page[:cut], "https://nld.com.vn/a.htm")
        assert isinstance(out, Extracted)


def test_random_bytes_never_raise() -> None:
    rng = random.Random(20211214)
    for _ in range(30):
        out = extract_article(bytes(rng.randrange(256) for _ in range(rng.randrange(2000))), "https://x.vn/")
        assert isinstance(out, Extracted)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcđơưạ\n&#;pdivhtmlbody0123456789:-")), max_size=400))
def test_arbitrary_markup_never_raises(text: str) -> None:
    out = extract_article(text, "https://example.vn/a.html")
    assert isinstance(out, Extracted)


def test_related_box_in_mid_body_does_not_cut_the_article() -> None:
    html = (
        "<html><head><title>Tiêu đề bài viết thử nghiệm</title></head><body><h1>Tiêu đề bài viết thử nghiệm</h1>"
        f'<div class="entry-content"><p>{TEXT}</p><p><strong>Tin liên quan</strong></p>'
        '<p><a href="/a.html">Một bài khác hoàn toàn không liên quan đến nội dung</a></p>'
        f"<p>Đoạn cuối cùng của bài viết. {TEXT}</p></div></body></html>"
    )
    out = extract_article(html, "https://example.vn/a.html")
    assert out.body is not None
    assert out.body.endswith(TEXT)
    assert "Tin liên quan" not in out.body
    assert "Một bài khác" not in out.body


def test_wordpress_article_header_date_beats_the_page_header_clock() -> None:
    html = (
        '<html><head><meta charset="utf-8"><title>Khánh thành cầu treo ở xã Đăk Pne – Báo Kon Tum</title></head>'
        '<body><header class="site-header"><span class="date">Thứ Hai, 20/12/2021 08:00</span></header>'
        '<article class="post"><header class="entry-header"><h1 class="entry-title">Khánh thành cầu treo ở xã Đăk Pne'
        '</h1><ul class="entry-meta"><li class="posted-on"><time class="entry-date published" '
        'datetime="2021-12-15T16:30:00+07:00">15/12/2021 16:30</time></li></ul></header>'
        f'<div class="entry-content"><p>{TEXT}</p><p>{TEXT}</p></div></article></body></html>'
    )
    out = extract_article(
        html, "https://baokontum.com.vn/a.html", fetched_at=datetime(2021, 12, 20, 9, 0, tzinfo=VN_TZ)
    )
    assert out.title == "Khánh thành cầu treo ở xã Đăk Pne"
    # The <time>'s datetime attribute agrees with the printed minute and adds the seconds: it is the value kept.
    assert out.published_raw == "2021-12-15T16:30:00+07:00"


def test_italic_editors_note_at_the_end_is_not_a_byline() -> None:
    html = (
        "<html><head><title>Bài bình luận về giao thông đô thị</title></head><body>"
        f'<h1>Bài bình luận về giao thông đô thị</h1><div class="entry-content"><p>{TEXT}</p><p>{TEXT}</p>'
        '<p style="text-align:right"><strong>Trần Minh</strong></p>'
        "<p><em>Bài viết thể hiện quan điểm riêng của tác giả</em></p></div></body></html>"
    )
    out = extract_article(html, "https://example.vn/a.html")
    assert out.byline_raw is None or "quan điểm" not in out.byline_raw


def test_onecms_us_order_meta_is_read_month_first_when_it_is_the_only_date() -> None:
    html = (
        '<html><head><meta name="article:published_time" content="3/7/2026 8:47:00 AM">'
        "<title>Đà Nẵng mở rộng tuyến xe buýt</title></head><body><h1>Đà Nẵng mở rộng tuyến xe buýt</h1>"
        f'<div class="c-news-detail"><div class="entry"><p>{TEXT}</p><p>{TEXT}</p></div></div></body></html>'
    )
    out = extract_article(html, "https://baodanang.vn/a-1.html")
    assert out.published_raw == "7/3/2026 8:47:00 AM"  # 7 March, as the page means it, in day-first order


def test_absurdly_deep_nesting_is_survived_quickly() -> None:
    html = "<html><body>" + "<div>" * 5000 + f"<p>{TEXT}</p>" + "</div>" * 5000 + "</body></html>"
    out = extract_article(html, "https://example.vn/a.html")
    assert isinstance(out, Extracted)
