"""The shared tree helpers: compiled selectors, the Haystack pre-filter, whitespace squashing."""

from __future__ import annotations

import lxml.etree
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml.cssselect import CSSSelector

from ingest.extract import article, body, lead
from ingest.extract.tree import Haystack, all_text, css, parse, select, squash

from .conftest import PAGES

PAGE = b"""<html><head><title>t</title></head><body>
<div id="main" class="wrap  detail-content" data-role="content" itemprop="articleBody">
  <p class="sapo">Sapo</p><p class="sapo-x">not the sapo</p>
  <div class="tags"><a href="/tag/a" rel="tag">A</a><a href="/tac-gia/b" class="tag_item">B</a></div>
  <span itemprop="author"><span itemprop="name">Name</span></span>
  <ul class="breadcrumb-list"><li><a href="/">Home</a></li></ul>
</div>
<p lang="vi-VN" class="detail">Breadcrumb</p><p lang="vi">y</p><div class="a b"><p class="c">z</p></div>
</body></html>"""

SELECTORS = sorted(
    {
        *lead.LEAD_SELECTORS,
        *article._AUTHOR_SELECTORS,
        *article._TAG_SELECTORS,
        *article._CRUMB_SELECTORS,
        *body.KNOWN_CONTAINERS,
        "p:first-child",
        ".a > .c",
        ".a:not(.x) .c",
        "div.detail-content, p.detail",
        "[lang|=vi]",
        "[class~=sapo]",
        "[class^=wrap]",
        "[class$=content]",
        "a[href^='/tag']",
        "[data-role=content] .sapo",
        "#main",
        "[itemprop]",
        "p[lang]",
    }
)


@pytest.mark.parametrize("page", ["vnexpress_fck.html", "onecms_neko.html", "vdoc_cms.html", None])
def test_compiled_selectors_find_what_cssselect_finds_in_the_same_order(page: str | None) -> None:
    root = parse((PAGES / page).read_bytes() if page else PAGE)
    assert root is not None
    subtree = root.find(".//body")
    assert subtree is not None
    for selector in SELECTORS:
        for scope in (root, subtree[0]):
            expected = CSSSelector(selector)(scope)
            found = css(selector)(scope)
            assert [id(e) for e in found] == [id(e) for e in expected], selector


def test_attribute_steps_are_rewritten_and_others_kept() -> None:
    assert "/@class[" in css(".sapo").path
    assert "/@data-role[" in css("[data-role=sapo]").path
    # A test that needs the element as context (a sibling count) keeps cssselect's form.
    assert css("p:first-child").path == CSSSelector("p:first-child").path


def test_haystack_rules_out_only_selectors_that_cannot_match() -> None:
    root = parse(PAGE)
    assert root is not None
    hay = Haystack(root, PAGE.decode())
    for selector in SELECTORS:
        if CSSSelector(selector)(root):
            assert hay.may_match(selector), selector
    assert not hay.may_match(".fck_detail")
    assert not hay.may_match("[data-slot=sapo]")
    # Class substrings are looked for in the class values: "Breadcrumb" is in the page's text, not its classes.
    assert hay.may_match("[class*=breadcrumb] a")
    assert not hay.may_match("[class*=Breadcrumb] a")
    assert hay.may_match("[class]")


def test_haystack_keeps_a_selector_list_when_any_alternative_can_match() -> None:
    root = parse(PAGE)
    assert root is not None
    hay = Haystack(root, PAGE.decode())
    # The first alternative's class is absent from the page; the second one matches.
    assert hay.may_match(".no-such-class, p.sapo")
    assert [e.text for e in select(root, ".no-such-class, p.sapo", hay)] == ["Sapo"]
    assert not hay.may_match(".no-such-class, #no-such-id")
    # What :not() names need not be on the page.
    assert hay.may_match("p:not(.no-such-class)")


@given(st.text(alphabet=st.sampled_from(list("ab \t\n\r\x0b\x0c\x1c\x85\xa0\u2009\u3000\u200b")), max_size=30))
def test_squash_collapses_every_whitespace_run_to_one_space(text: str) -> None:
    squashed = squash(text)
    assert squashed == squashed.strip()
    assert "  " not in squashed
    assert squashed.replace(" ", "") == "".join(c for c in text if not c.isspace())
    assert all(not c.isspace() or c == " " for c in squashed)


_FRAGMENTS = st.lists(
    st.sampled_from(
        ["a", " b ", "\n", "<b>c</b>", "<a>d<i>e</i></a>", "<script>x</script>", "<br>", "&amp;", "<span></span>"]
    ),
    max_size=8,
)


@given(_FRAGMENTS, _FRAGMENTS)
def test_all_text_is_text_content(inner: list[str], outer: list[str]) -> None:
    html = f"<html><body><p>{''.join(outer)}<em>{''.join(inner)}</em>{''.join(outer)}</p></body></html>"
    root = parse(html.encode())
    assert root is not None
    # The extractor strips scripts first, which can leave two text nodes side by side.
    lxml.etree.strip_elements(root, "script", with_tail=False)
    for el in root.iter():
        assert all_text(el) == el.text_content()
