"""VNI and TCVN3 font text is detected and flagged; Unicode Vietnamese and other Latin languages are not."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.extract import extract_article
from ingest.extract.legacy import detect_legacy_font
from tests.hostile import pages
from tests.hostile.legacy_text import tcvn3, vni
from tests.work import assert_linear

TEXT = "\n\n".join(pages.PARAGRAPHS)


@pytest.mark.parametrize(("encode", "name"), [(vni, "vni"), (tcvn3, "tcvn3")])
def test_legacy_font_text_is_detected(encode: Callable[[str], str], name: str) -> None:
    found = detect_legacy_font(encode(TEXT))
    assert found is not None
    assert found.name == name
    assert found.share > 0.3


@pytest.mark.parametrize(("encode", "name"), [(vni, "vni"), (tcvn3, "tcvn3")])
@pytest.mark.parametrize("codec", ["cp1252", "cp1258"])
def test_legacy_font_page_is_flagged_after_extraction(encode: Callable[[str], str], name: str, codec: str) -> None:
    # The font-era page: Windows-1252 bytes, charset declared or guessed as Windows-1252/1258.
    html = pages.article_html(
        1, title=encode("Nông dân được mùa cà phê"), paragraphs=[encode(p) for p in pages.PARAGRAPHS]
    )
    html = html.replace('charset="utf-8"', f'charset="{codec}"')
    extracted = extract_article(html.encode("cp1252", errors="replace"), "http://127.0.0.1/a/1.html")
    found = detect_legacy_font(extracted.body)
    assert found is not None
    assert found.name == name


def test_unicode_vietnamese_is_not_flagged() -> None:
    assert detect_legacy_font(TEXT) is None
    assert detect_legacy_font(pages.article_html(2)) is None


def test_dev_set_titles_and_bodies_are_not_flagged(dev_set: Path) -> None:
    texts = []
    for line in (dev_set / "pages.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts += [row.get("title") or "", row.get("lead") or "", row.get("body_first") or ""]
    assert len([t for t in texts if t]) > 10
    flagged = [t for t in texts if detect_legacy_font(t, min_words=1, min_share=0.0)]
    assert flagged == []


@pytest.mark.parametrize(
    "text",
    [
        "Où est la gare ? Je ne sais pas où elle se trouve, déjà tard ; à demain, où que tu sois.",
        "Müller und Schäfer gehören zu den Größten; über Nürnberg fährt der Zug nach München.",
        "Sỹ quan Nguyễn Văn Tùng cho biết: «Chúng tôi đã sẵn sàng» — giá 12,5 ® triệu đồng/µg.",
        "Chuyên\u00adnghiệp phát\u00adtriển kinh\u00adtế bền\u00advững, hội\u00adnhập quốc\u00adtế sâu\u00adrộng.",
        "",
        "12 34 56 --- ...",
    ],
)
def test_other_latin_text_and_odd_symbols_are_not_flagged(text: str) -> None:
    assert detect_legacy_font(text) is None


def test_one_stray_word_does_not_flag_a_page() -> None:
    assert detect_legacy_font(TEXT + " " + vni("người Việt")) is None


def test_detector_is_linear_on_huge_input() -> None:
    text = (vni(TEXT) + " ") * 200
    # Bounded work, not time: twice the text, about twice the steps (benchmarks/bench_bounds times 1.5 MB).
    assert_linear(detect_legacy_font, text, text + text)
    huge = (vni(TEXT) + " ") * 2000  # ~1.5 MB
    found = detect_legacy_font(huge)
    assert found is not None
    assert found.name == "vni"
