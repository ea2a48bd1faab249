"""One hand-written page per failure class of leads, titled names and body edges on unseen layouts (issue 14).

Each fixture in ``classes/`` shows one class with classes and ids no rule knows (``x-body``, ``x-s``, ...): only the
generic rules can pass it. Nothing in the code knows these files.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.extract import Extracted, extract_article
from ingest.extract.lead import is_site_blurb
from ingest.extract.metadata import Meta
from ingest.normalize import VN_TZ, normalize_article, parse_byline
from ingest.normalize.bylines import person_shaped, strip_titles

CLASSES = Path(__file__).resolve().parent / "classes"
FETCHED = datetime(2012, 12, 21, 9, 0, tzinfo=VN_TZ)
URL = "https://baomau.example.vn/giao-thong/sua-chua-duong-lien-xa-123.html"
FIRST = "Chiều nay, Sở Giao thông vận tải tỉnh"
LAST = "khắc phục các điểm sạt lở trước ngày 30 tháng này."
SAPO = "Hơn 120 km đường liên xã xuống cấp sẽ được sửa chữa trước mùa mưa bão"


def _run(name: str, *, html: str | None = None) -> tuple[Extracted, dict[str, Any]]:
    page = html if html is not None else (CLASSES / name).read_text(encoding="utf-8")
    raw = extract_article(page, URL, fetched_at=FETCHED)
    return raw, normalize_article(asdict(raw), reference=FETCHED)


# --- titles before a name: one lexicon wherever names are read ----------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("DS. NGUYỄN BÁ HUY CƯỜNG", "NGUYỄN BÁ HUY CƯỜNG"),  # dược sĩ, abbreviated, capitals
        ("ds nguyễn bá huy", "nguyễn bá huy"),  # any case, no dot
        ("ThS.BSCKII Trần Minh", "Trần Minh"),  # chained, no space
        ("PGS-TS Lê Văn An", "Lê Văn An"),  # chained with a hyphen
        ("GS, TS Phạm Văn Long", "Phạm Văn Long"),
        ("KTS. Ngô Thu Hà", "Ngô Thu Hà"),  # kiến trúc sư
        ("NSƯT Thanh Hoa", "Thanh Hoa"),
        ("Dược sĩ chuyên khoa I Lê Dung", "Lê Dung"),  # written out with its grade
        ("Bác sĩ CKII Trần Cường", "Trần Cường"),
        ("Kiến trúc sư Ngô Thu Hà", "Ngô Thu Hà"),
        ("Thượng tá Lê Hùng", "Lê Hùng"),
        ("Nhà báo Hữu Thọ", "Hữu Thọ"),
    ],
)
def test_title_lexicon_strips_every_form(printed: str, name: str) -> None:
    assert strip_titles(printed) == name


def test_a_name_is_never_read_as_a_title() -> None:
    # No title abbreviation is a Vietnamese syllable: names keep all their words.
    for name in ("Tsang Li", "Cao Văn Ls", "Lương Thị Y"):
        assert strip_titles(name) == name


def test_titled_person_after_theo_is_an_author_not_a_source() -> None:
    byline = parse_byline("Theo ThS.BS Nguyễn Văn An/VnExpress")
    assert byline.names == ["Nguyễn Văn An"]
    assert byline.source == "VnExpress"
    assert person_shaped("BS. Nguyễn Văn An")


def test_title_prefix_before_a_byline_beside_the_date() -> None:
    _, norm = _run("byline_title_prefix.html")  # <span>DS. NGUYỄN BÁ HUY CƯỜNG</span> <span>20/12/2012 16:10</span>
    assert norm["authors"] == ["Nguyễn Bá Huy Cường"]


def test_titled_structured_authors_name_the_printed_signature_and_more() -> None:
    # JSON-LD lists "BS. Lan Anh" (the printed "Lan Anh" with a title) and a second author: the list wins.
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "x",
        "author": [{"@type": "Person", "name": "BS. Lan Anh"}, {"@type": "Person", "name": "Trần Bình"}],
    }
    html = (CLASSES / "body_signature_then_teaser_box.html").read_text(encoding="utf-8")
    html = html.replace("Bác sĩ Nguyễn Trung Cấp", "Lan Anh")
    html = html.replace("</title>", f'</title><script type="application/ld+json">{json.dumps(data)}</script>')
    _, norm = _run("", html=html)
    assert norm["authors"] == ["Lan Anh", "Trần Bình"]


# --- a byline glued to a date on one line ----------------------------------------------------------------------------


@pytest.mark.parametrize("headline", [True, False])
def test_byline_glued_to_the_date_atop_the_body(headline: bool) -> None:
    # "AN AN - VŨ LINH Thứ tư, 20/12/2012 16:10 (GMT+7)" as the first line of the text: two people, and not body.
    html = (CLASSES / "byline_glued_to_date_atop_body.html").read_text(encoding="utf-8")
    if not headline:  # only the top-of-body rule can read it then (no headline to search beside)
        html = html.replace("<h1>Sửa chữa đường liên xã trước mùa mưa</h1>", "")
    raw, norm = _run("", html=html)
    assert norm["authors"] == ["An An", "Vũ Linh"]
    assert raw.body is not None
    assert raw.body.startswith(FIRST)


def test_weekday_before_a_bylines_date_is_not_a_name() -> None:
    assert parse_byline("AN AN - VŨ LINH Thứ tư, 17/04/2024 06:23 (GMT+7)").names == ["An An", "Vũ Linh"]
    assert parse_byline("Lan Anh, CN 12/03/2026").names == ["Lan Anh"]


# --- a signature followed by a related-story teaser box -------------------------------------------------------------


def test_signature_before_a_teaser_box_is_found_and_the_teaser_leaves_the_body() -> None:
    raw, norm = _run("body_signature_then_teaser_box.html")  # <p><strong>Bác sĩ ...</strong></p><div>card</div>
    assert norm["authors"] == ["Nguyễn Trung Cấp"]
    assert raw.body is not None
    assert raw.body.endswith(LAST)
    assert "Cây cầu dài 120 m" not in raw.body


def test_a_paragraph_that_starts_with_a_long_link_stays_body() -> None:
    html = (CLASSES / "body_signature_then_teaser_box.html").read_text(encoding="utf-8")
    card = html[html.index('<div class="x-inner">') : html.index("</div>\n</div>") + len("</div>")]
    kept = (
        '<div class="x-inner"><p><a href="/nghi-dinh-100.html">Nghị định 100 về xử phạt vi phạm giao thông</a>'
        " được áp dụng từ đầu năm, các đơn vị thi công phải rào chắn và đặt biển báo tại mọi điểm sửa chữa.</p></div>"
    )
    raw, _ = _run("", html=html.replace(card, kept))
    assert raw.body is not None
    assert "được áp dụng từ đầu năm" in raw.body


# --- leads -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "lead_summary_named_box.html",  # <div class="post-summary"><p>...: a class that mentions a summary
        "lead_hidden_comment_box.html",  # a hidden comment box's p.description comes first in the known selectors
        "lead_h2_under_headline.html",  # a long <h2> right under the headline
        "lead_bold_first_paragraph.html",  # <p><strong>...</strong></p> before plain paragraphs
        "lead_printed_description.html",  # the block printing og:description (truncated "..."), in a box of its own
        "lead_boxed_before_body.html",  # no description, no class: a paragraph boxed right before the body
    ],
)
def test_displayed_sapo_is_the_lead_and_not_the_body(name: str) -> None:
    raw, norm = _run(name)
    assert norm["lead"] is not None
    assert norm["lead"].startswith(SAPO)
    assert raw.body is not None
    assert raw.body.startswith(FIRST)
    assert raw.body.endswith(LAST)


def test_site_blurb_in_the_sapo_slot_is_no_lead() -> None:
    raw, norm = _run("lead_site_blurb.html")  # p.sapo prints og:description "Báo Mẫu Tỉnh, tin tức, ..."
    assert norm["lead"] is None
    assert raw.body is not None
    assert raw.body.startswith(FIRST)


def test_description_copying_the_first_paragraph_is_no_lead() -> None:
    raw, norm = _run("lead_description_copies_body.html")  # <meta description> = the first <p class="x-p">
    assert norm["lead"] is None
    assert raw.body is not None
    assert raw.body.startswith(FIRST)


def test_description_shown_nowhere_is_the_lead() -> None:
    raw, norm = _run("lead_description_only.html")  # og:type article, a sentence naming the headline's words
    assert norm["lead"] is not None
    assert norm["lead"].startswith(SAPO)
    assert raw.body is not None
    assert raw.body.startswith(FIRST)


def test_section_blurb_shown_nowhere_is_no_lead() -> None:
    html = (CLASSES / "lead_description_only.html").read_text(encoding="utf-8")
    start = html.index('content="Hơn 120 km')
    end = html.index('">', start)
    html = html[:start] + 'content="Tin tức mới nhất về giao thông, đường liên xã, mùa mưa, sửa chữa đường' + html[end:]
    _, norm = _run("", html=html)
    assert norm["lead"] is None


def test_a_sapo_that_is_all_the_text_is_the_body() -> None:
    raw, norm = _run("lead_is_all_the_text.html")  # a video page: the chappeau is the only text
    assert norm["lead"] is None
    assert raw.body is not None
    assert raw.body.startswith(SAPO)


def test_another_storys_teaser_between_headline_and_body_is_no_lead() -> None:
    raw, norm = _run("lead_teaser_box_first.html")  # <div><h3><a>headline</a></h3><p class="x-sapo">...</p></div>
    assert norm["lead"] is None
    assert raw.body is not None
    assert raw.body.startswith(FIRST)


def test_keywords_line_and_site_name_are_blurbs() -> None:
    meta = Meta(tags={"og:site_name": ["Khoa Học Phổ Thông"]})
    url = "https://khoahocphothong.example.vn/a-1.html"
    titles = ["Cách khử mùi hôi chân bằng trà"]
    assert is_site_blurb("Khoa Học Phổ Thông, khoa học, tạp chí, tin tức", meta, url, titles)
    assert not is_site_blurb("Khoa Học Phổ Thông hướng dẫn cách khử mùi hôi chân bằng trà đặc.", meta, url, titles)
