"""canonical_url: one spelling per article address."""

from __future__ import annotations

import pytest

from ingest.normalize import canonical_url

ROWS: list[tuple[str | None, dict[str, bool], str]] = [
    ("HTTPS://WWW.Example.VN/a/b.html", {}, "https://example.vn/a/b.html"),
    ("https://example.vn:443/a", {}, "https://example.vn/a"),
    ("http://example.vn:8080/a", {}, "http://example.vn:8080/a"),
    ("https://www.example.vn/a", {"strip_www": False}, "https://www.example.vn/a"),
    ("https://m.example.vn/a", {}, "https://example.vn/a"),
    ("https://m.example.vn/a", {"strip_mobile": False}, "https://m.example.vn/a"),
    ("https://example.vn/a/amp/", {}, "https://example.vn/a"),
    ("https://amp.example.vn/a.html", {}, "https://example.vn/a.html"),
    ("https://example.vn/a?utm_source=fb&utm_medium=x&id=5&fbclid=1&gclid=2&zarsrc=3", {}, "https://example.vn/a?id=5"),
    ("https://example.vn/a?b=2&a=1", {}, "https://example.vn/a?a=1&b=2"),
    ("https://example.vn/a#comments", {}, "https://example.vn/a"),
    ("https://example.vn/a/", {}, "https://example.vn/a"),
    ("https://example.vn", {}, "https://example.vn/"),
    ("https://example.vn/", {}, "https://example.vn/"),
    ("  https://example.vn/tin tức  ", {}, "https://example.vn/tin%20t%E1%BB%A9c"),
    ("https://báo.vn/a", {}, "https://xn--bo-mia.vn/a"),
    ("//example.vn/a", {}, "https://example.vn/a"),
    ("https://www.vn/a", {}, "https://www.vn/a"),
    ("mailto:a@b.vn", {}, "mailto:a@b.vn"),
    ("not a url", {}, "not a url"),
    ("http://[::1", {}, "http://[::1"),
    ("", {}, ""),
    (None, {}, ""),
]


@pytest.mark.parametrize(("url", "flags", "expected"), ROWS)
def test_canonical_url(url: str | None, flags: dict[str, bool], expected: str) -> None:
    assert canonical_url(url, **flags) == expected


def test_idempotent_on_rows() -> None:
    for url, flags, _ in ROWS:
        once = canonical_url(url, **flags)
        assert canonical_url(once, **flags) == once
