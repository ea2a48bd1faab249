"""The parsed page: one lxml tree, parsed once, plus the small tree helpers every extraction step shares."""

from __future__ import annotations

import html
import re
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
def css(selector: str) -> CSSSelector:
    """A compiled CSS selector (registry selectors are data, compiled once per process)."""
    return CSSSelector(selector)


_SELECTOR_TOKENS = re.compile(r"[.#]([\w-]+)|\[([\w-]+)(?:\s*[*^$~|]?=\s*['\"]?([\w-]*))?")
# Plain strings (no "smart" strings that remember their element): a third of the cost on a page of 2,000 elements.
_ALL_CLASSES_AND_IDS = lxml.etree.XPath("//@class | //@id", smart_strings=False)


class Haystack:
    """What a page's markup contains, to skip selectors that cannot match without walking the tree.

    Most family selectors miss on any one page; a class or id absent from every ``class``/``id`` attribute,
    or an attribute value absent from the source, rules a selector out for the price of a set lookup.
    """

    def __init__(self, root: HtmlElement, source: str) -> None:
        self.source = source
        values = cast("list[str]", _ALL_CLASSES_AND_IDS(root))
        self.tokens = set(" ".join(values).split())

    def may_match(self, selector: str) -> bool:
        for class_or_id, attr, value in _tokens(selector):
            if class_or_id and class_or_id not in self.tokens:
                return False
            if attr and attr not in self.source:
                return False
            if value and value not in self.source:
                return False
        return True


@lru_cache(maxsize=512)
def _tokens(selector: str) -> tuple[tuple[str, str, str], ...]:
    return tuple(_SELECTOR_TOKENS.findall(selector))


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
        return squash(el.text_content())
    except ValueError:
        return ""


def own_text(el: HtmlElement) -> str:
    """The element's text without its children's text (text plus the tails of its children)."""
    parts = [el.text or ""]
    parts.extend(child.tail or "" for child in el)
    return squash(" ".join(parts))


def attrs_of(el: HtmlElement) -> str:
    """Lower-cased class, id and a few role attributes, for boilerplate and hint matching."""
    return " ".join(
        (el.get(name) or "") for name in ("class", "id", "itemprop", "data-role", "data-slot", "role")
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
