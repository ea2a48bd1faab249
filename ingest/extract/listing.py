"""Article or listing? A cheap structural test for the validate stage and for spiders.

An article page has one long run of prose; a listing (home page, category page) has many short teasers, each a
link. The test needs no site knowledge: ``og:type`` "article" and a JSON-LD NewsArticle count for an article,
and a body of at least a few hundred characters of non-link text in one container decides the rest.
"""

from __future__ import annotations

from ingest.extract.article import Extracted


def is_article_page(extracted: Extracted, *, min_body_chars: int = 200) -> bool:
    """Whether the extracted fields look like one article (a title and enough body text)."""
    if not extracted.title or not extracted.body:
        return False
    body = extracted.body
    if len(body) < min_body_chars:
        return False
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    # Listings that slip through the container finder are many short teaser lines.
    long_paragraphs = sum(1 for p in paragraphs if len(p) >= 80)
    return (long_paragraphs >= 1 and long_paragraphs * 4 >= len(paragraphs) * 1) or len(body) >= 1500
