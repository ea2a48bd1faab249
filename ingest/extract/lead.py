"""The lead (sapo): the summary an article prints between its headline and its body.

Owns :func:`find_lead`. In order of trust:

1. a registry ``lead`` selector, then the sapo elements of the known CMS families (``.detail-sapo``, ``h2.Lead``,
   ``.article__sapo``, ...);
2. generically, reading no known class, the first summary-like block after the headline and before the body:
   a block (or its own box) whose class or id mentions a summary (sapo, lead, summary, desc, intro, chapeau,
   excerpt, abstract, teaser, ...); an ``<h2>`` printed right under the headline; a bold first paragraph followed
   by plain ones; or the block that prints the page's ``og:description``/``description`` and is set apart from
   the body (outside its container, or of another tag, class or weight than the paragraph after it);
3. with nothing of the kind displayed, the description metadata itself, when it is the article's own (it names
   words of the headline, is not the site's description and is not the body's first paragraph copied).

Never a lead: a hidden element, anything in a comment, login, share or related-news box, the site's own blurb
(its name and keywords printed in the sapo slot), the headline repeated, a date or byline line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from itertools import islice

from lxml.html import HtmlElement

from ingest.extract.metadata import Meta, fold, site_words
from ingest.extract.tree import Haystack, attrs_of, in_chrome, inside, is_hidden, select, squash, text_of

__all__ = ["LEAD_SELECTORS", "find_lead", "is_site_blurb"]

LEAD_SELECTORS = (
    "[data-role=sapo]",
    "[data-slot=sapo]",
    ".detail-sapo",
    "p.description",
    ".article__sapo",
    ".cms-desc",
    "p.sc-longform-header-sapo",
    ".content-reply p.reply",
    "h2.Lead",
    "h2.pHead",
    ".sapo_detail",
    ".sapo-detail",
    "p.sapo",
    "h2.sapo",
    ".detail-desc",
    ".baiviet-head-noidung",
    ".content-detail-sapo",
    ".article-sapo",
    ".sapo",
    ".lead",
    ".summary",
    ".entry-summary",
)

# Class/id words of a summary box, in any CMS's naming ("article-detail-desc", "post-summary", "chappeau",
# "intro", "Lead"). Caption boxes ("image_desc", "desc-img") are not summaries.
_SUMMARY_ATTR = re.compile(
    r"sapo|chap+eau|excerpt|summary|standfirst|intro(?!duc)|(?<![a-z])lead(?!er)|desc(?!end)|abstract|teaser|"
    r"tomtat|tom-tat|tom_tat|mota|mo-ta",
    re.IGNORECASE,
)
_CAPTION_ATTR = re.compile(r"caption|image_desc|img-desc|photo-desc|desc-img|imgdesc|chu-thich|chuthich", re.I)
# Boxes whose text is never the article's sapo: comments, login and sign-up forms, share bars, related stories.
_NOT_LEAD_BOX = re.compile(
    r"comment|binhluan|binh-luan|login|dang-nhap|dangnhap|signin|sign-in|signup|register|modal|popup|"
    r"related|relate[ds]?\b|lienquan|lien-quan|share|social|(^|[\s_-])tags?([\s_-]|$)|footer|sidebar|widget",
    re.IGNORECASE,
)
_TEXT_BLOCKS = frozenset({"p", "div", "h2", "h3", "h4", "section", "span", "td", "blockquote", "strong", "b", "em"})
_INLINE = frozenset({"a", "b", "strong", "em", "i", "u", "span", "font", "br", "sup", "sub", "small", "mark", "q"})
_BOLD = frozenset({"b", "strong"})
_MIN_SELECTOR_LEAD = 20  # a known sapo element
_MIN_LEAD = 40  # a block read without a known class
_MAX_LEAD = 1500
_MAX_STAMP = 120  # a date or byline line is no longer
_MAX_BLOCKS = 10  # text blocks looked at after the headline
_MAX_ELEMENTS = 600
_AGREE = 50  # characters of the description that must agree with a displayed block
_HEADLINE_WORDS = 5  # a link this long is a story's headline
_CARD_ELEMENTS = 40


def find_lead(
    root: HtmlElement,
    *,
    title_el: HtmlElement | None,
    container: HtmlElement | None,
    meta: Meta,
    url: str,
    titles: list[str],
    selector: str | None = None,
    hay: Haystack | None = None,
    is_stamp: Callable[[str], bool] | None = None,
) -> tuple[str | None, HtmlElement | None]:
    """The lead's text and the element printing it (None for a lead read from the metadata), or (None, None).

    ``titles`` are the headline as displayed and as in the metadata (a block repeating one is not a lead);
    ``is_stamp(text) -> bool`` says whether a line is a date or byline stamp (never a lead).
    """
    stamp = is_stamp or (lambda _text: False)
    title_keys = {_key(t) for t in titles if t}
    description = _description(meta)
    names = site_words(url, meta)

    # The headline's words (46 µs a page) matter only for a text that names the site: read once, when first asked.
    @cache
    def title_words() -> set[str]:
        return _title_words(titles)

    blurb = description is not None and _blurb(description, names, title_words)

    def acceptable(el: HtmlElement, text: str, minimum: int) -> bool:
        if not minimum <= len(text) <= _MAX_LEAD or _shut_away(el, title_el):
            return False
        if _key(text) in title_keys or (len(text) <= _MAX_STAMP and stamp(text)):
            return False
        if blurb and description is not None and _agrees(text, description):
            return False  # the site's description printed in the sapo slot
        return not _blurb(text, names, title_words)

    for css in ((selector,) if selector else ()) + LEAD_SELECTORS:
        outside: HtmlElement | None = None
        for el in select(root, css, None if css == selector else hay):
            if container is not None and (el is container or inside(container, el)):
                continue
            text = text_of(el)
            if not acceptable(el, text, _MIN_SELECTOR_LEAD) or in_chrome(el):
                continue
            if container is None or inside(el, container):
                return text, el
            outside = outside if outside is not None else el
        if outside is not None:
            return text_of(outside), outside

    if title_el is not None:
        found = _after_headline(title_el, container, description if not blurb else None, acceptable, stamp)
        if found is not None:
            return text_of(found), found

    kind = (meta.first("og:type") or "article").lower()
    if description is not None and not blurb and "article" in kind and _own_description(description, root, titles):
        return description, None
    return None, None


def _after_headline(
    title_el: HtmlElement,
    container: HtmlElement | None,
    description: str | None,
    acceptable: Callable[[HtmlElement, str, int], bool],
    stamp: Callable[[str], bool],
) -> HtmlElement | None:
    """The first summary-like block between the headline and the body (see the module's docstring)."""
    # Lazily, one block ahead: the answer is usually found (or ruled out) at the first blocks, and the tests of
    # the blocks after it (chrome, link share) cost more than the rest of the lead together.
    blocks = (
        (el, text, in_body)
        for el, text, in_body in _blocks_after(title_el, container)
        if len(text) >= _MIN_LEAD
        and not (len(text) <= _MAX_STAMP and stamp(text))
        and _link_share(el, text) <= 0.5
        and not in_chrome(el)
    )
    ahead = next(blocks, None)
    i = -1
    while ahead is not None:
        i += 1
        el, text, in_body = ahead
        ahead = next(blocks, None)
        following = ahead[0] if ahead is not None else None
        marked = _summary_box(el, title_el, container)
        if marked is not None and acceptable(marked, text_of(marked), _MIN_LEAD):
            return marked
        if acceptable(el, text, _MIN_LEAD):
            # A lead looks unlike the paragraph after it (inside the body's container, even when the page's
            # description prints it).
            unlike = following is None or _set_apart(el, following)
            if i == 0 and unlike and el.tag == "h2" and len(text.split()) >= 8:
                return el  # a long <h2> right under the headline
            if i == 0 and unlike and _bold(el) and len(text) >= 60:
                return el  # a bold first paragraph, plain paragraphs after it
            if description is not None and _agrees(text, description):
                # else the description copies the body's first paragraph: there is no sapo
                return el if unlike or (not in_body and not _same_class(el, following)) else None
            if i == 0 and description is None and not in_body and _boxed_before(el, container, following):
                return el
        if in_body:
            return None  # the body has started
    return None


def _link_share(el: HtmlElement, text: str) -> float:
    linked = sum(len(text_of(a)) for a in el.iter("a"))
    return linked / max(1, len(text))


_SENTENCE_END = re.compile(r"[.!?…\"”]\s*$")


def _boxed_before(el: HtmlElement, container: HtmlElement | None, following: HtmlElement | None) -> bool:
    """A paragraph in a box of its own right before the body's container: the sapo of a page that names nothing.

    It reads as a sentence, its box holds no picture (a caption) and not the body, and the next text is the body's.
    """
    if container is None or following is None or not inside(following, container):
        return False
    if len(text_of(el)) < 80 or not _SENTENCE_END.search(text_of(el)):
        return False
    box = el.getparent()
    if box is None or box is container or inside(container, box):
        return False
    return not any(True for _ in box.iter("img", "picture", "figure", "figcaption", "video", "iframe"))


def _blocks_after(title_el: HtmlElement, container: HtmlElement | None) -> Iterator[tuple[HtmlElement, str, bool]]:
    """Text blocks printed after the headline, in document order: (element, its text, inside the container)."""
    seen = 0
    count = 0
    started = False
    skip_until: HtmlElement | None = None
    for el in title_el.getroottree().getroot().iter():
        if el is title_el:
            started = True
            skip_until = el
            continue
        if not started or not isinstance(el.tag, str):
            continue
        if skip_until is not None:
            if inside(el, skip_until):
                continue
            skip_until = None
        seen += 1
        if seen > _MAX_ELEMENTS or count >= _MAX_BLOCKS:
            return
        if el.tag not in _TEXT_BLOCKS or any(isinstance(c.tag, str) and c.tag not in _INLINE for c in el):
            continue  # a box of blocks: its blocks come one by one
        parent = el.getparent()
        if el.tag in _INLINE and parent is not None and parent.tag in _TEXT_BLOCKS and _is_leaf_block(parent):
            continue  # part of its parent's line
        text = text_of(el)
        if not text:
            continue
        count += 1
        yield el, text, container is not None and (el is container or inside(el, container))
        skip_until = el


def _is_leaf_block(el: HtmlElement) -> bool:
    return not any(isinstance(c.tag, str) and c.tag not in _INLINE for c in el)


def _summary_box(el: HtmlElement, title_el: HtmlElement, container: HtmlElement | None) -> HtmlElement | None:
    """``el`` or its own box (up to three levels, below the article's wrapper) when named for a summary."""
    node: HtmlElement | None = el
    found: HtmlElement | None = None
    for _ in range(4):
        if node is None or node is container or inside(title_el, node):
            break
        if container is not None and inside(container, node):
            break
        attrs = attrs_of(node)
        if _SUMMARY_ATTR.search(attrs) and not _CAPTION_ATTR.search(attrs) and len(text_of(node)) <= _MAX_LEAD:
            found = node
        node = node.getparent()
    return found


def _shut_away(el: HtmlElement, title_el: HtmlElement | None) -> bool:
    """Hidden (itself or any ancestor), or inside a comment, login, share or related box of its own.

    Only boxes below the wrapper shared with the headline count: that wrapper (``content-list``, ``main``) is the
    article's, whatever it is called.
    """
    node: HtmlElement | None = el
    own = True
    depth = 0
    room = -1  # len(text_of(el)) + 300, once needed (text_of walks the element's whole subtree)
    while node is not None:
        if is_hidden(node):
            return True
        if title_el is not None and own and (node is title_el or inside(title_el, node)):
            own = False  # from here up, the boxes hold the headline too
        if own and (_NOT_LEAD_BOX.search(attrs_of(node)) or node.tag == "li"):
            return True
        if (
            own
            and depth < 4
            and _small(node)
            and len(text_of(node)) <= (room if room >= 0 else (room := len(text_of(el)) + 300))
            and _teaser_box(node, el)
        ):
            return True
        node = node.getparent()
        depth += 1
    return False


def _small(node: HtmlElement) -> bool:
    """At most a few dozen elements: a teaser card's size (measuring a big wrapper's text would cost)."""
    return sum(1 for _ in islice(node.iter(), _CARD_ELEMENTS + 1)) <= _CARD_ELEMENTS


def _teaser_box(box: HtmlElement, el: HtmlElement) -> bool:
    """A box that also holds another story's headline as a link: ``el`` is that teaser's sapo (a listing's item)."""
    for link in box.iter("a"):
        if link is not el and not inside(link, el) and len(text_of(link).split()) >= _HEADLINE_WORDS:
            return True
    return False


def _bold(el: HtmlElement) -> bool:
    text = text_of(el)
    if not text:
        return False
    if el.tag in _BOLD or "bold" in (el.get("style") or "").replace(" ", "").lower():
        return True
    bold = sum(len(text_of(b)) for b in el.iter("b", "strong"))
    return bold >= 0.8 * len(text)


def _same_class(el: HtmlElement, following: HtmlElement | None) -> bool:
    """One class for both: the CMS styles them alike ("ms-rteElement-H2" on an h2 and on the p after it)."""
    style = (el.get("class") or "").split()
    return following is not None and bool(style) and style == (following.get("class") or "").split()


def _set_apart(el: HtmlElement, following: HtmlElement) -> bool:
    """The sapo looks unlike the body paragraph after it: another tag, another class, another weight."""
    if _same_class(el, following):
        return False
    if el.tag != following.tag or (el.get("class") or "").split() != (following.get("class") or "").split():
        return True
    return _bold(el) != _bold(following)


def _description(meta: Meta) -> str | None:
    for value in (meta.first("og:description", "description", "twitter:description"), meta.ld("description")):
        if isinstance(value, str) and squash(value):
            return squash(value)
    return None


def _key(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


# A short tag before " - " that a description or a sapo may carry alone: "(Dân trí) - ", "(giao duc) - ".
_TAG_PREFIX = re.compile(r"^[^.!?]{1,60}?\s[-–—]\s")


def _starts(text: str) -> list[str]:
    """The keys a text may be recognised by: as printed, and without a short "tag - " before it."""
    text = text.rstrip(".… ")
    keys = [_key(text)]
    m = _TAG_PREFIX.match(text)
    if m is not None:
        keys.append(_key(text[m.end() :]))
    return keys


def _agrees(text: str, description: str) -> bool:
    """A displayed block and a description agree: one starts as the other does (a truncated "...", and a short tag
    before " - " on either side, aside)."""
    for a in _starts(text):
        for b in _starts(description):
            n = min(len(a), len(b), _AGREE)
            if n >= 30 and a[:n] == b[:n]:
                return True
    return False


_WORD = re.compile(r"[^\W\d_]+")
# Function words shared by any two Vietnamese sentences: they say nothing of the article.
_STOP = frozenset(
    [
        "và",
        "của",
        "các",
        "những",
        "là",
        "có",
        "được",
        "cho",
        "với",
        "trong",
        "tại",
        "từ",
        "đến",
        "này",
        "đó",
        "một",
        "không",
        "người",
        "khi",
        "như",
        "để",
        "về",
        "theo",
        "đã",
        "sẽ",
        "ra",
        "vào",
        "lên",
        "thì",
        "mà",
        "nên",
        "hay",
        "hoặc",
        "cũng",
        "rất",
        "nhiều",
        "bị",
        "do",
        "vì",
        "bởi",
        "trên",
        "dưới",
        "sau",
        "trước",
        "năm",
        "ngày",
        "tin",
        "tức",
    ]
)


def _content_words(text: str) -> set[str]:
    return {w for w in (m.group(0).casefold() for m in _WORD.finditer(text)) if w not in _STOP}


def is_site_blurb(text: str, meta: Meta, url: str, titles: list[str]) -> bool:
    """The site's own description printed where a sapo goes ("Khoa Học Phổ Thông, khoa học, tạp chí, tin tức").

    It names the site (its host or ``og:site_name``) and shares almost no word with the headline, or it is a list
    of keywords (short comma-separated phrases, no sentence).
    """
    return _blurb(text, site_words(url, meta), lambda: _title_words(titles))


def _title_words(titles: list[str]) -> set[str]:
    words: set[str] = set()
    for title in titles:
        words |= _content_words(title)
    return words


def _blurb(text: str, names: set[str], title_words: Callable[[], set[str]]) -> bool:
    """Whether ``text`` is the site's blurb (see :func:`is_site_blurb`); ``title_words()`` gives the headline's
    content words, asked for only when ``text`` names the site."""
    pieces = [p.strip() for p in text.split(",")]
    if len(pieces) >= 4 and all(0 < len(p.split()) <= 4 for p in pieces) and not text.rstrip().endswith((".", "!")):
        return True  # "khoa học, tạp chí, tin tức, sức khỏe": a keywords line
    folded = fold(text).replace(" ", "")
    if not names or not any(n in folded for n in names):
        return False
    return len(_content_words(text) & title_words()) < 2


def _own_description(description: str, root: HtmlElement, titles: list[str]) -> bool:
    """A description that is the article's own summary, not displayed anywhere on the page (``og:type``, when
    given, says article).

    Shown text would have been found as a block; a description copying the body's first paragraph (CMSs fill it
    so) is printed, so it is no lead. It must name at least two words of the headline and read as a sentence.
    """
    if len(description) < 60 or len(description.split()) < 10 or not _SENTENCE_END.search(description):
        return False  # a section's blurb ("Tin tức mới nhất về kinh tế, tin thị trường, ...") is no sentence
    if len(_content_words(description) & _title_words(titles)) < 2:
        return False
    body = root.find(".//body")
    shown = _key(text_of(body if body is not None else root))
    return not any(start[:_AGREE] in shown for start in _starts(description))
