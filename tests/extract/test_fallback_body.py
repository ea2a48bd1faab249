"""The generic fallback body (issue 14, item 1): one failure class per hand-written fixture.

Each page defeats the body finder in one way (its text in page-builder widgets, a known container holding only the
teaser, a container that is escaped markup) and the fallback must return the article, say so on ``Extracted``,
and leave the page tree as it found it. Pages the finder reads well never use the fallback.
"""

from __future__ import annotations

from datetime import datetime

from ingest.extract import extract_article
from ingest.extract.body import blocks_of
from ingest.extract.fallback import FALLBACK_BELOW, density_blocks
from ingest.extract.tree import parse
from ingest.normalize import VN_TZ
from tests.extract.generic_pages import PARA, frame, paragraphs

FETCHED = datetime(2026, 3, 13, 9, 0, tzinfo=VN_TZ)
URL = "https://baotinh.example.vn/tong-ket-thien-tai-12345.html"


def _widgets(texts: list[str]) -> str:
    # A page builder's markup: each paragraph in its own text widget (the class names say "widget").
    return "".join(
        f'<div class="elementor-widget elementor-widget-text-editor"><div class="elementor-widget-container">'
        f"<p>{t}</p></div></div>"
        for t in texts
    )


def test_ordinary_page_does_not_use_the_fallback() -> None:
    raw = extract_article(frame(paragraphs()), URL, fetched_at=FETCHED)
    assert raw.fallback_body is False
    assert raw.body is not None
    assert raw.body.startswith(PARA[0][:40])


def test_text_in_page_builder_widgets() -> None:
    # The known container is found, but every paragraph sits in a "widget" box, which cleaning removes.
    html = frame(_widgets(PARA) + "<p><strong>Minh Anh</strong></p>", cls="entry-content")
    raw = extract_article(html, URL, fetched_at=FETCHED)
    assert raw.fallback_body is True
    assert raw.body is not None
    assert raw.body.startswith(PARA[0][:40])
    assert raw.body.endswith(PARA[3][-40:])
    assert raw.byline_raw == "Minh Anh"  # the fallback body's signature is lifted like the primary one
    for chrome in ("Chuyên mục", "Tin khác", "Cơ quan chủ quản", "Thứ năm, 12/03/2026"):
        assert chrome not in raw.body


def test_known_container_holds_only_the_teaser() -> None:
    teaser = '<div class="article-content"><p>' + PARA[0] + "</p></div>"
    html = frame(teaser + f'<div class="z1">{paragraphs()}</div>', container="section")
    raw = extract_article(html, URL, fetched_at=FETCHED)
    assert raw.fallback_body is True
    assert raw.body is not None
    assert PARA[2] in raw.body
    assert raw.body.endswith(PARA[3][-40:])


def test_escaped_markup_is_not_the_body() -> None:
    ad = "&lt;a href='http://ads.example/ck.php?n=1'&gt;&lt;img src='http://ads.example/a.php?z=7' /&gt;&lt;/a&gt; " * 8
    html = frame(f'<div class="a1"><div class="a2">{ad}</div></div>' + _widgets(PARA), cls="entry-content")
    raw = extract_article(html, URL, fetched_at=FETCHED)
    assert raw.body is not None
    assert "href" not in raw.body
    assert PARA[1] in raw.body


def test_picture_story_captions_stay_in_the_body() -> None:
    captions = ["Lực lượng cứu hộ tại hiện trường.", "Người dân dọn dẹp sau lũ.", "Một đoạn đường bị sạt lở."]
    story = _widgets(PARA[:2]) + "".join(f'<p><img src="/a{i}.jpg"></p><p>{c}</p>' for i, c in enumerate(captions))
    raw = extract_article(frame(story, cls="entry-content"), URL, fetched_at=FETCHED)
    assert raw.fallback_body is True
    assert raw.body is not None
    assert raw.body.endswith(captions[-1])


def test_fallback_leaves_the_page_tree_alone() -> None:
    tags = (
        '<div class="q8"><a rel="tag" href="/t/thien-tai">thiên tai</a> <a rel="tag" href="/t/mua-lu">mưa lũ</a></div>'
    )
    html = frame(_widgets(PARA), cls="entry-content").replace(b"</body>", tags.encode() + b"</body>")
    raw = extract_article(html, URL, fetched_at=FETCHED)
    assert raw.fallback_body is True
    assert raw.tags == ["thiên tai", "mưa lũ"]


def test_density_run_skips_menus_and_link_lists() -> None:
    root = parse(frame(paragraphs()))
    assert root is not None
    run = [b.text for b in density_blocks(root)]
    assert run[0] == PARA[0]
    assert run[-1] == PARA[3]
    assert len(run) == 4
    fresh = parse(frame(paragraphs()))
    assert fresh is not None
    assert len(blocks_of(fresh)) > len(run)  # the page has more blocks (menu, related list, footer) than the run


def test_threshold_is_above_the_article_page_minimum() -> None:
    from ingest.extract import is_article_page

    # A body the validate stage would call "not an article" (fewer than 200 characters) always asks for the fallback.
    assert is_article_page.__kwdefaults__ is not None
    assert is_article_page.__kwdefaults__["min_body_chars"] <= FALLBACK_BELOW


def test_fallback_signature_followed_by_related_links() -> None:
    # The signature scores below a block's cost and sits just after the densest run, before a list of links.
    links = "".join(f'<p style="text-align:left"><a href="/r{i}.html">Bài liên quan số {i}</a></p>' for i in range(4))
    article = _widgets(PARA) + '<p style="text-align:right"><em>Tin, ảnh</em>: <strong>Vũ Phương Thảo</strong></p>'
    raw = extract_article(frame(article + links, cls="entry-content"), URL, fetched_at=FETCHED)
    assert raw.fallback_body is True
    assert raw.byline_raw == "Tin, ảnh: Vũ Phương Thảo"
    assert raw.body is not None
    assert raw.body.endswith(PARA[3][-40:])
