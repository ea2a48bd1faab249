"""The parsed page: one lxml tree, parsed once, plus the small tree helpers every extraction step shares."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache
from typing import cast

import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

_DOC_END_TAGS = re.compile(rb"<(?:/\s*(?:html|body)\s*|!doctype[^>]*)>", re.IGNORECASE)
# The text is handed to libxml2 as UTF-8 bytes with the encoding stated, so no <meta charset> or XML
# declaration in the page can make it decode a second time.
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, recover=True, no_network=True)
# lxml.html's default lookup is a Python method run for every element proxy lxml creates (each iter() step, each
# xpath result, each getparent()): it picks FormElement/InputElement/... classes extraction never uses. A lookup done
# in C gives every element the plain HtmlElement (text_content(), cssselect and all) at a quarter of the cost.
_PARSER.set_element_class_lookup(
    lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)


def parse(data: bytes) -> HtmlElement | None:
    """Parse a page (UTF-8 bytes) with libxml2's HTML parser; None when there is no document at all."""
    if not data.strip():
        return None
    # libxml2 stops reading at a stray "</html>" (baotayninh sends one before <head>) and a nested document
    # closes <body> early (phuyen, baotayninh). End tags of html/body carry no content: drop them all and let the
    # parser close the document at the end of the input. Inner doctypes go too.
    data = _DOC_END_TAGS.sub(b"", data)
    try:
        root = lxml.html.document_fromstring(data, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError, TypeError):
        return None
    return root if isinstance(root, HtmlElement) else None


@lru_cache(maxsize=512)
def css(selector: str) -> lxml.etree.XPath:
    """A compiled CSS selector (registry selectors are data, compiled once per process).

    cssselect's XPath, with each ``*`` step whose test reads one attribute taken through that attribute instead
    (see ``_via_attribute``): the same elements in the same order, several times faster in libxml2.
    """
    compiled = CSSSelector(selector)
    if "__lxml_internal_css" in compiled.path:
        return compiled  # :contains() calls lxml's own extension function: keep lxml's selector as it is
    return lxml.etree.XPath(_via_attribute(compiled.path))


# A "*" step with a predicate over one attribute, as cssselect writes ".name", "#id" and "[attr=value]":
# descendant-or-self::*[@class and contains(@class, 'x') and contains(concat(' ', normalize-space(@class), ...)]
_STAR_STEP = re.compile(r"\b(descendant-or-self|descendant)::\*\[([^\[\]]*)\]")
_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_ATTRIBUTE_REF = re.compile(r"@([\w-]+)")
# What such a test may hold besides string literals: attribute references and string functions of them. No axes,
# no ".", no name()/position(): those mean something else once the context node is the attribute.
_ATTRIBUTE_TEST = re.compile(
    r"(?:@[\w-]+|''|\b(?:and|or|not|contains|concat|normalize-space|starts-with|substring|string-length)\b"
    r"|[\s()=!<>,+\d-])*"
)


def _via_attribute(path: str) -> str:
    """``axis::*[test of @a]`` -> ``axis::*/@a[test of .]/parent::*``.

    libxml2 evaluates a predicate on every element of the page (about 0.3 µs each); on the attribute axis it tests
    only the elements that have the attribute, and an attribute's parent is its element. Any other step (a tag
    name, several attributes, anything but string tests of the one attribute) is left as cssselect wrote it.
    """

    def rewrite(match: re.Match[str]) -> str:
        axis, test = match.groups()
        if any("@" in literal for literal in _LITERAL.findall(test)):
            return match.group(0)
        bare = _LITERAL.sub("''", test)
        names = set(_ATTRIBUTE_REF.findall(bare))
        if len(names) != 1 or not _ATTRIBUTE_TEST.fullmatch(bare):
            return match.group(0)
        name = names.pop()
        return f"{axis}::*/@{name}[{test.replace('@' + name, '.')}]/parent::*"

    return _STAR_STEP.sub(rewrite, path)


_NEGATION = re.compile(r":not\([^)]*\)")
_SELECTOR_TOKENS = re.compile(r"[.#]([\w-]+)|\[([\w-]+)(?:\s*[*^$~|]?=\s*['\"]?([\w-]*))?")
# Plain strings (no "smart" strings that remember their element): a third of the cost on a page of 2,000 elements;
# two paths rather than one union, which libxml2 would merge back into document order for nothing.
_ALL_CLASSES = lxml.etree.XPath("descendant-or-self::*/@class", smart_strings=False)
_ALL_IDS = lxml.etree.XPath("descendant-or-self::*/@id", smart_strings=False)


class Haystack:
    """What a page's markup contains, to skip selectors that cannot match without walking the tree.

    Most family selectors miss on any one page; a class or id absent from every ``class``/``id`` attribute,
    or an attribute value absent from the source, rules a selector out for the price of a set lookup (each
    string is looked for in the source once per page: the same few attribute names recur in many selectors).
    """

    def __init__(self, root: HtmlElement, source: str) -> None:
        self.source = source
        classes = " ".join(cast("list[str]", _ALL_CLASSES(root)))
        ids = cast("list[str]", _ALL_IDS(root))
        self.tokens = set(classes.split())
        self.tokens.update(ids)
        # [class*=breadcrumb] and the like are tested against the class values, not the whole source.
        self._values = {"class": classes, "id": " ".join(ids)}
        self._in_source: dict[str, bool] = {}

    def may_match(self, selector: str) -> bool:
        """False only when no alternative of the (comma-separated) selector can match the page."""
        for classes_and_ids, tests in _requirements(selector):
            if self.tokens.issuperset(classes_and_ids) and all(self._may_have(attr, value) for attr, value in tests):
                return True
        return False

    def _may_have(self, attr: str, value: str) -> bool:
        values = self._values.get(attr) if value else None
        if values is not None:
            return value in values
        return self._in(attr) and (not value or self._in(value))

    def _in(self, text: str) -> bool:
        found = self._in_source.get(text)
        if found is None:
            found = self._in_source[text] = text in self.source
        return found


@lru_cache(maxsize=512)
def _requirements(selector: str) -> tuple[tuple[frozenset[str], tuple[tuple[str, str], ...]], ...]:
    """Per alternative of the selector: the classes and ids it names, and the (attribute, value) pairs it tests."""
    # A comma inside an attribute value splits wrongly, but only into parts with fewer tokens: never a false "no".
    # What :not() names only excludes elements, so the page need not contain it.
    out = []
    for part in selector.split(","):
        tokens = _SELECTOR_TOKENS.findall(_NEGATION.sub("", part))
        classes_and_ids = frozenset(token for token, _, _ in tokens if token)
        tests = tuple(dict.fromkeys((attr, value) for _, attr, value in tokens if attr))
        out.append((classes_and_ids, tests))
    return tuple(out)


def select(root: HtmlElement, selector: str, haystack: Haystack | None = None) -> list[HtmlElement]:
    """Elements matching a CSS selector; an invalid selector matches nothing."""
    if haystack is not None and not haystack.may_match(selector):
        return []
    try:
        found = css(selector)(root)
    except Exception:  # cssselect raises several error types for bad registry selectors
        return []
    return [el for el in found if isinstance(el, HtmlElement)]


def squash(text: str | None) -> str:
    """Collapse whitespace (NBSP included) to single spaces."""
    if not text:
        return ""
    # str.split() splits on exactly the characters regex \s matches (NBSP included): same result, no regex.
    return " ".join(text.split())


def unescape(text: str | None) -> str:
    """Decode HTML entities until stable (tuoitre's JSON-LD is encoded twice: ``&amp;#7871;``)."""
    if not text:
        return ""
    for _ in range(3):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return squash(text)


def text_of(el: HtmlElement) -> str:
    """The element's whole text, whitespace collapsed."""
    try:
        return squash(all_text(el))
    except ValueError:
        return ""


def all_text(el: HtmlElement) -> str:
    """``el.text_content()``: the text of the element and all its descendants, as printed."""
    if len(el):
        return str(el.text_content())
    # No child nodes but text: .text already joins them all, without an XPath evaluation (most links, <b>, <em>).
    return el.text or ""


def own_text(el: HtmlElement) -> str:
    """The element's text without its children's text (text plus the tails of its children)."""
    parts = [el.text or ""]
    parts.extend(child.tail or "" for child in el)
    return squash(" ".join(parts))


def memo(test: Callable[[str], object]) -> Callable[[str], bool]:
    """``bool(test(text))``, remembering each text's answer: for the attribute strings of one page, where a few
    class lists recur on dozens of elements and the boilerplate patterns cost up to 0.1 ms a string."""
    seen: dict[str, bool] = {}

    def remembered(text: str) -> bool:
        found = seen.get(text)
        if found is None:
            found = seen[text] = bool(test(text))
        return found

    return remembered


def attrs_of(el: HtmlElement) -> str:
    """Lower-cased class, id and a few role attributes, for boilerplate and hint matching."""
    get = el.get  # six plain calls: this runs for most elements of a page, a generator doubled its cost
    return (
        f"{get('class') or ''} {get('id') or ''} {get('itemprop') or ''} "
        f"{get('data-role') or ''} {get('data-slot') or ''} {get('role') or ''}"
    ).lower()


def remove(el: HtmlElement) -> None:
    """Remove an element but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def is_hidden(el: HtmlElement) -> bool:
    """Hidden by inline style, the ``hidden`` attribute or the usual utility classes."""
    style = (el.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if el.get("hidden") is not None:
        return True
    classes = (el.get("class") or "").lower().split()
    return "d-none" in classes or "hidden" in classes or "hide" in classes


# A <header> named for the article ("entry-header", "post-header", "detail-title") holds its headline and date.
_ARTICLE_HEADER = re.compile(r"entry|post|article|detail|story|single|baiviet|chitiet")


def is_page_header(node: HtmlElement, anchor: HtmlElement | None = None) -> bool:
    """Whether a ``<header>``/``<footer>`` element is the page's own (logo, menu, clock, footer text).

    An article's header (inside ``<article>`` or ``<main>``, named for the article, or holding ``anchor``, the
    headline) is not: WordPress themes put the headline and the date in ``<header class="entry-header">``.
    """
    if node.tag not in ("header", "footer"):
        return False
    if next(node.iterancestors("article", "main"), None) is not None:
        return False
    if node.tag == "header":
        if _ARTICLE_HEADER.search(attrs_of(node)):
            return False
        if anchor is not None and any(a is node for a in anchor.iterancestors("header")):
            return False
    return True


# Whole class/id tokens of page chrome. Only exact tokens: VnExpress puts its article inside "sidebar-1" and
# "header-content", so fragments like "header" or "sidebar" would throw the article away.
CHROME_TOKENS = frozenset({
    "logo", "menu", "main-menu", "navbar", "nav", "site-header", "header-top", "top-header", "topbar", "footer",
    "related", "related-news", "box-related", "most-read", "mostread", "most-view", "tin-lien-quan", "comment",
    "comments", "binh-luan",
})  # fmt: skip


def in_chrome(el: HtmlElement) -> bool:
    """Whether the element sits in page chrome: a link, nav, aside, the page's header or footer, a menu, a
    related-news or comment box (within eight levels)."""
    node: HtmlElement | None = el.getparent()
    depth = 0
    while node is not None and depth < 8:
        if node.tag in ("nav", "aside", "a"):
            return True
        if node.tag in ("header", "footer") and is_page_header(node):
            return True  # the page's header/footer; an article's own header and footer hold its title and tags
        if CHROME_TOKENS & set(attrs_of(node).split()):
            return True
        node = node.getparent()
        depth += 1
    return False


def ancestor(el: HtmlElement, levels: int) -> HtmlElement:
    """The element ``levels`` steps up, stopping below ``<body>``."""
    node = el
    for _ in range(levels):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        node = parent
    return node


def inside(el: HtmlElement, container: HtmlElement) -> bool:
    """Whether ``el`` is a strict descendant of ``container``."""
    node: HtmlElement | None = el
    while node is not None:
        if node is container:
            return el is not container
        node = node.getparent()
    return False
