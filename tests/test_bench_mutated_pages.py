"""benchmarks.mutated_pages: its lead rule and its page mutations (the scores themselves need the dev set)."""

from __future__ import annotations

from benchmarks.mutated_pages import lead_ok, mutate

PAGE = (
    b'<html><head><script type="application/ld+json">{"@type": "NewsArticle"}</script></head>'
    b'<body><div class="sapo" id="x" itemprop="description">Sapo</div></body></html>'
)


def test_lead_rule() -> None:
    assert lead_ok(None, None)
    assert not lead_ok(None, "Một sapo không có trong bản vàng")
    assert lead_ok("(Dân trí) - Giá vàng giảm.", "(DÂN TRÍ) Giá vàng giảm. Thêm câu.")
    assert not lead_ok("Giá vàng giảm mạnh trong phiên chiều nay.", None)
    assert not lead_ok("Giá vàng giảm mạnh trong phiên chiều nay.", "Đăng nhập hoặc tạo tài khoản")


def test_mutations_hide_the_hooks() -> None:
    assert mutate(PAGE, "saved") == PAGE
    renamed = mutate(PAGE, "renamed")
    assert b'class="sapo"' not in renamed
    assert b"itemprop" not in renamed
    assert b"ld+json" in renamed
    assert b"ld+json" not in mutate(PAGE, "bare")
