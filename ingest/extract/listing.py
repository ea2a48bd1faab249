"""Article or listing? A cheap test on the extracted fields, for the validate stage and for spiders.

On a listing (home or category page) the container finder lands on a box of teasers or a footer: little text in
few long paragraphs, no date of its own and no byline with a sapo. On the dev set (10 articles, 11 listings) the
rule below separates them all; real short articles (about 480 characters in 3 paragraphs, VIETNAMESE.md
section 7.12) still pass.
"""

from __future__ import annotations

from ingest.extract.article import Extracted
from ingest.normalize import find_dateline

_LONG_PARAGRAPH = 80
_SHORT_ARTICLE = 400


def is_article_page(extracted: Extracted, *, min_body_chars: int = 200) -> bool:
    """Whether the extracted fields look like one article: a title, enough prose, and a date or a byline + sapo."""
    if not extracted.title or not extracted.body:
        return False
    body = extracted.body
    if len(body) < min_body_chars:
        return False
    long_paragraphs = sum(1 for p in body.split("\n\n") if len(p.strip()) >= _LONG_PARAGRAPH)
    if long_paragraphs < 2 and len(body) < _SHORT_ARTICLE:
        return False
    if extracted.published_raw:
        return True
    try:
        dated = find_dateline(body[:300], reference=None) is not None
    except Exception:  # a normaliser bug must not decide the page type
        dated = False
    return dated or bool(extracted.byline_raw and extracted.lead)
