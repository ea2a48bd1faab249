"""Generic byline rules (issue 14, item 4), one failure class per hand-written fixture (tests/extract/generic_pages).

The pages have no known CMS container and no byline selector: what is tested is the generic rule that reads the
byline from the end of the body, the "Theo" person-vs-outlet rule, quote attributions, bracketed and caption
credits, and which of the printed byline and the metadata's author wins.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

import pytest

from ingest.extract import Extracted, extract_article
from ingest.normalize import VN_TZ, normalize_article
from tests.extract.generic_pages import PARA, frame, paragraphs

FETCHED = datetime(2026, 3, 13, 9, 0, tzinfo=VN_TZ)
URL = "https://baotinh.example.vn/tong-ket-thien-tai-12345.html"


def _run(html: bytes) -> tuple[Extracted, dict[str, Any]]:
    raw = extract_article(html, URL, fetched_at=FETCHED)
    return raw, normalize_article(asdict(raw), reference=FETCHED)


def _ld(author: Any) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "x", "author": author}
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


# --- a short last line of the body is the byline, and leaves the body --------------------------------------------


@pytest.mark.parametrize(
    ("last", "authors"),
    [
        ('<p style="text-align: right;">H.V.</p>', ["H.V."]),  # right-aligned initials
        ("<p><strong>K. Miên</strong></p>", ["K. Miên"]),  # bold initial + name
        ("<p><em>Papai</em></p>", ["Papai"]),  # italic pen name
        ('<p align="right"><b>MINH ANH</b></p>', ["Minh Anh"]),  # capitals, old align attribute
        ("<p>Lê Hoàng Nam</p>", ["Lê Hoàng Nam"]),  # a plain short name line
        ("<p>H.V.</p>", ["H.V."]),  # plain initials with their final dot
    ],
)
def test_trailing_name_line_is_the_byline(last: str, authors: list[str]) -> None:
    raw, norm = _run(frame(paragraphs(last)))
    assert norm["authors"] == authors
    assert raw.body is not None
    assert raw.body.endswith(PARA[3][-40:])  # the byline left the body, the last paragraph did not


def test_last_sentence_is_not_a_byline() -> None:
    # A short closing sentence in capitals is prose: it ends with a full stop and stays body.
    raw, norm = _run(frame(paragraphs("<p>Hội nghị kết thúc lúc 11 giờ cùng ngày.</p>")))
    assert norm["authors"] == []
    assert raw.body is not None
    assert raw.body.endswith("Hội nghị kết thúc lúc 11 giờ cùng ngày.")


# --- "Theo <person>/<outlet>": the person is the author, the outlet the source ---------------------------------


@pytest.mark.parametrize(
    ("line", "authors", "source"),
    [
        ("Theo Minh Anh/VTC News", ["Minh Anh"], "VTC News"),
        ("Theo Hoàng Hà - Thanh Niên", ["Hoàng Hà"], "Thanh Niên"),
        ("Theo Lệ Chi", ["Lệ Chi"], None),  # a person alone is still the author, never the source
        ("Theo TTXVN", [], "TTXVN"),
        ("Theo Ngoisao", [], "Ngôi Sao"),
        ("Theo Lao Động", [], "Lao Động"),  # two capitalised syllables, but a newspaper's words
        ("Theo Giáo dục và Thời đại", [], "Giáo dục và Thời đại"),
    ],
)
def test_theo_person_or_outlet(line: str, authors: list[str], source: str | None) -> None:
    raw, norm = _run(frame(paragraphs(f'<p style="text-align:right"><strong>{line}</strong></p>')))
    assert norm["authors"] == authors
    assert norm["source"] == source
    assert raw.body is not None
    assert line not in raw.body


# --- a quote's attribution after a closing quotation is not a byline ---------------------------------------------

QUOTE = "<p>“Chúng tôi sẽ tiếp tục đồng hành cùng bà con để khắc phục hậu quả mưa lũ, ổn định cuộc sống.”</p>"


@pytest.mark.parametrize(
    "attribution",
    [
        "Cô Nguyễn Thị Hoa - Trưởng phòng GD&amp;ĐT huyện",
        "Anh Y Blơ Niê, Trưởng thôn Kon Brắp",
        "Thầy Lê Văn Nam",
    ],
)
def test_quote_attribution_is_not_a_byline(attribution: str) -> None:
    raw, norm = _run(frame(paragraphs(QUOTE, f'<p style="text-align:right"><em>{attribution}</em></p>')))
    assert norm["authors"] == []
    assert raw.body is not None
    assert raw.body.endswith(attribution.replace("&amp;", "&"))  # it stays in the body


def test_byline_after_a_quote_attribution() -> None:
    attribution = "Cô Nguyễn Thị Hoa - Trưởng phòng GD&amp;ĐT huyện"
    article = paragraphs(QUOTE, f"<p><em>{attribution}</em></p>", '<p style="text-align:right"><b>Hà Thu</b></p>')
    raw, norm = _run(frame(article))
    assert norm["authors"] == ["Hà Thu"]
    assert raw.body is not None
    assert raw.body.endswith("Cô Nguyễn Thị Hoa - Trưởng phòng GD&ĐT huyện")


# --- credits in brackets and in captions --------------------------------------------------------------------------


def test_parenthesised_photo_credit_has_no_stray_bracket() -> None:
    _, norm = _run(frame(paragraphs('<p style="text-align:right"><b>Lan Hương (Ảnh: Quang Trung)</b></p>')))
    assert norm["authors"] == ["Lan Hương", "Quang Trung"]
    assert norm["author_roles"] == {"Quang Trung": ["photographer"]}


def test_caption_credit_stays_a_photographer() -> None:
    figure = (
        '<figure><img src="/anh/1.jpg"><figcaption>Lực lượng chức năng gia cố bờ kè. '
        "(Ảnh: Quang Trung)</figcaption></figure>"
    )
    article = paragraphs(count=2) + figure + paragraphs(count=4)[len(paragraphs(count=2)) :]
    raw, norm = _run(frame(article + "<p><strong>Lan Hương</strong></p>"))
    assert norm["authors"] == ["Lan Hương"]  # the photographer is credited on the picture, not as the writer
    assert [i["credit"] for i in raw.images] == ["Quang Trung"]
    assert raw.body is not None
    assert "Ảnh: Quang Trung" not in raw.body


# --- the printed byline against the metadata's author -----------------------------------------------------------


def test_printed_byline_wins_over_metadata_naming_someone_else() -> None:
    head = _ld([{"@type": "Person", "name": "Trần Văn Biên"}, {"@type": "Person", "name": "Lê Thị Duyệt"}])
    _, norm = _run(frame(paragraphs('<p style="text-align:right"><b>Hà Thu</b></p>'), head=head))
    assert norm["authors"] == ["Hà Thu"]  # JSON-LD names the editors; the page is signed by the reporter


def test_meta_author_account_loses_to_printed_byline() -> None:
    head = '<meta name="author" content="Nguyễn Quản Trị">'
    _, norm = _run(frame(paragraphs("<p><strong>K. Miên</strong></p>"), head=head))
    assert norm["authors"] == ["K. Miên"]


def test_structured_authors_the_printed_byline_abbreviates() -> None:
    # "NHẬT XUÂN và 1 tác giả khác": the printed byline names one of the metadata's two people.
    head = _ld([{"@type": "Person", "name": "Nhật Xuân"}, {"@type": "Person", "name": "Phạm Linh"}])
    article = paragraphs('<p style="text-align:right"><b>NHẬT XUÂN và 1 tác giả khác</b></p>')
    _, norm = _run(frame(article, head=head))
    assert norm["authors"] == ["Nhật Xuân", "Phạm Linh"]


def test_metadata_author_used_when_nothing_is_printed() -> None:
    head = _ld({"@type": "Person", "name": "Phạm Linh"})
    _, norm = _run(frame(paragraphs(), head=head))
    assert norm["authors"] == ["Phạm Linh"]


# --- signatures: an agency alone, and a note printed after the signature ----------------------------------------


def test_agency_signature_wins_over_a_metadata_person() -> None:
    # The structured "Person" is the agency plus its street address; the page is signed by the agency only.
    head = _ld({"@type": "Person", "name": "TTXVN - Lý Thường Kiệt, Hà Nội"})
    raw, norm = _run(frame(paragraphs("<p><strong>TTXVN</strong></p>"), head=head))
    assert norm["authors"] == []
    assert norm["organizations"] == ["TTXVN"]
    assert raw.body is not None
    assert not raw.body.endswith("TTXVN")


def test_source_line_wins_over_a_metadata_person() -> None:
    head = _ld({"@type": "Person", "name": "Nguyễn Quản Trị"})
    _, norm = _run(frame(paragraphs('<p style="text-align:right">Theo Vietnamnet</p>'), head=head))
    assert norm["authors"] == []
    assert norm["source"] == "VietNamNet"


@pytest.mark.parametrize(
    "note",
    [
        "* Mời bạn đọc vào chuyên mục Y tế xem các tin, bài liên quan.",
        "(*) Bài viết có sử dụng tư liệu của Bảo tàng tỉnh.",
        'Xem thêm: <a href="/a.html">Bão số 3 đổ bộ vào đất liền</a>',
        "https://baotinh.example.vn/",  # the outlet's address printed under the signature
        "baotinh.example.vn",
    ],
)
def test_signature_before_a_trailing_note(note: str) -> None:
    raw, norm = _run(frame(paragraphs("<p><strong>Minh Anh</strong></p>", f"<p>{note}</p>")))
    assert norm["authors"] == ["Minh Anh"]
    assert raw.body is not None
    assert "Minh Anh" not in raw.body


# --- a byline printed beside the date under the headline ----------------------------------------------------------


def _header_page(header: str, article: str) -> bytes:
    # The frame's date line is replaced by ``header``, a neutral-class block between the headline and the body.
    return frame(article).replace(b'<div class="q5">Th\xe1\xbb\xa9 n\xc4\x83m, 12/03/2026 08:30</div>', header.encode())


@pytest.mark.parametrize(
    ("header", "authors"),
    [
        ('<div class="r1"><a href="/tg/1">Nguyên Minh</a><span> - 12/03/2026 08:30</span></div>', ["Nguyên Minh"]),
        ('<div class="r1"><span>Thu Hằng</span> <span>12/03/2026 08:30</span></div>', ["Thu Hằng"]),
        ('<div class="r1">Ngọc Chí - 08:30, 12/03/2026</div>', ["Ngọc Chí"]),
        # a weekday beside the date is not a name, and a date line alone is no byline
        ('<div class="r1"><span>Thứ Năm</span>, <span>12/03/2026 08:30</span></div>', []),
    ],
)
def test_byline_beside_the_date(header: str, authors: list[str]) -> None:
    _, norm = _run(_header_page(header, paragraphs()))
    assert norm["authors"] == authors


def test_signature_at_the_end_wins_over_a_name_beside_the_date() -> None:
    header = '<div class="r1"><span>Trần Văn Biên</span> <span>12/03/2026 08:30</span></div>'
    _, norm = _run(_header_page(header, paragraphs('<p style="text-align:right"><b>Hà Thu</b></p>')))
    assert norm["authors"] == ["Hà Thu"]


def test_name_in_the_menu_beside_a_clock_is_not_a_byline() -> None:
    # A header clock and a title-cased menu item sit before the headline: only what follows the headline counts.
    page = frame(paragraphs()).replace(
        b'<div class="q1">', b'<div class="q0"><a href="/">Minh Anh</a> 08:30</div><div class="q1">'
    )
    _, norm = _run(page)
    assert norm["authors"] == []


def test_section_name_beside_the_date_is_not_a_byline() -> None:
    _, norm = _run(
        _header_page('<div class="r1"><a href="/thoi-su">Thời Sự</a> - 12/03/2026 08:30</div>', paragraphs())
    )
    assert norm["authors"] == []
