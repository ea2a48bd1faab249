"""The generic second body extraction: text density over the page's blocks, independent of class names.

It runs only when the body finder (``body.find_container``: family containers, then the scored finder) gives no
body or too little (``FALLBACK_BELOW`` characters), e.g. a CMS nobody wrote rules for whose article sits in a
layout the scored finder misreads. It never reads a class or id: the page's text blocks are taken in document order
(``body.blocks_of`` over a copy of ``<body>``, with scripts, forms' fields, menus and hidden elements gone), each
block is scored by its text density (characters of non-link text, minus a fixed cost per block, so link lists and
one-line widgets count against a region and paragraphs of prose for it), and the body is the contiguous run of
blocks with the highest total: the maximum-sum subsequence, as in Finn et al.'s "Body Text Extraction". Text a
few short blocks apart (a caption, a subheading) stays inside the run; a sidebar or a comment list separated from
the article by menus and link lists does not.

The result goes through the same boilerplate and byline steps as the primary body. ``Extracted.fallback_body``
tells the crawl that this path was used.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from ingest.extract.body import MARKUP_TEXT, Block, blocks_of
from ingest.extract.tree import is_hidden, remove

# A primary body shorter than this (characters) asks for the fallback: the validate stage's "not an article"
# threshold (``is_article_page``, 200 characters) plus a margin for a body that is only a sapo or a caption.
FALLBACK_BELOW = 250

# Never article text, whatever their classes: form fields, embedded objects, menus, side boxes and the page footer.
# (<form> itself stays: ASP.NET pages wrap the whole page in one.)
_DROP = (
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "video", "audio", "canvas",
    "input", "select", "textarea", "button", "label", "nav", "aside", "footer", "header", "h1", "map", "ins",
)  # fmt: skip
# The cost of one block in characters: a block must hold this much non-link text to add to a region. A sentence
# (it ends with a full stop, a question or exclamation mark, or a closing quote) costs less: photo captions of a
# picture story are short sentences and belong to the article, widget lines ("Chia sẻ", "Xem thêm chủ đề") are not.
_BLOCK_COST = 50
_SENTENCE_COST = 15
_SENTENCE_END = re.compile(r"[.!?…”\"»)]$")
# Link text counts against a region at this weight (menus, related lists, tag clouds are mostly links).
_LINK_WEIGHT = 1.5


def density_blocks(root: HtmlElement) -> list[Block]:
    """The densest contiguous run of text blocks of the page (empty when the page has no text).

    ``root`` is changed (menus, fields and hidden elements are removed): pass a tree of its own, parsed afresh,
    since the primary body finder has already cleaned its container in place.
    """
    body = root.find("body")
    page = body if body is not None else root
    for el in list(page.iter(*_DROP)):
        if el.getparent() is not None:
            remove(el)
    for el in list(page.iter()):
        if isinstance(el, HtmlElement) and el.getparent() is not None and is_hidden(el):
            remove(el)
    blocks = blocks_of(page)
    start, end = _best_run(blocks)
    run = blocks[start:end]
    # The signature often scores below the cost of a block ("Tin, ảnh: Vũ Phương Thảo"), so it falls just outside
    # the run: up to two short, link-free lines after the run go along for the byline step, which either lifts them
    # out as the byline or (``trim_after``) drops them again.
    for block in blocks[end : end + 2]:
        if len(block.text) > 120 or block.link_ratio > 0.3:
            break
        run.append(block)
        block.after_run = True
    return run


def _score(block: Block) -> float:
    text_chars = len(block.text.replace(" ", ""))
    if MARKUP_TEXT.search(block.text):
        return -float(text_chars)
    plain = text_chars - block.link_chars
    cost = _SENTENCE_COST if _SENTENCE_END.search(block.text) else _BLOCK_COST
    return plain - _LINK_WEIGHT * block.link_chars - cost


def trim_after(blocks: list[Block]) -> list[Block]:
    """``blocks`` without the lines ``density_blocks`` appended after the run that the byline step left there."""
    while blocks and blocks[-1].after_run:
        blocks = blocks[:-1]
    return blocks


def _best_run(blocks: list[Block]) -> tuple[int, int]:
    """Kadane's maximum-sum contiguous subsequence over the block scores: (start, end) indexes."""
    best_sum, best_start, best_end = 0.0, 0, 0
    run_sum, run_start = 0.0, 0
    for index, block in enumerate(blocks):
        if run_sum <= 0:
            run_sum, run_start = 0.0, index
        run_sum += _score(block)
        if run_sum > best_sum:
            best_sum, best_start, best_end = run_sum, run_start, index + 1
    return best_start, best_end
