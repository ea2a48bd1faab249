"""Helpers for the extraction tests: fixture pages of our own, the seed page built at test time."""

from __future__ import annotations

from pathlib import Path

import pytest

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


@pytest.fixture(scope="session")
def fixture_page() -> type[FixturePages]:
    return FixturePages


class FixturePages:
    """Read our hand-written fixture pages (tests/fixtures/pages)."""

    @staticmethod
    def read(name: str) -> bytes:
        return (PAGES / name).read_bytes()

    @staticmethod
    def kontumtv(seed_text: str, *, with_comment_text: bool = False) -> bytes:
        """The kontumtv.vn-style WordPress page carrying the seed article's paragraphs.

        The seed is the page's text: the article, the byline line, then the comment form's text. The form itself
        is markup in the template; ``with_comment_text`` also pastes the form's text into the article container,
        as some themes do, to check that the text rules cut it as well.
        """
        paragraphs = [p.strip() for p in seed_text.split("\n\n") if p.strip()]
        form = next(i for i, p in enumerate(paragraphs) if p.startswith("Trả lời"))
        kept = paragraphs if with_comment_text else paragraphs[:form]
        html = (PAGES / "kontumtv_wordpress.html").read_text(encoding="utf-8")
        inner = "\n".join(f"<p>{p}</p>" for p in kept)
        return html.replace("<!-- ARTICLE -->", inner).encode("utf-8")
