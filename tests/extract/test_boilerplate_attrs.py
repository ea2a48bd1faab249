"""The boilerplate class/id test: a word pre-check in front of the regex, never a different answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.extract.body import _BOILER_ATTR, is_boilerplate_attrs
from ingest.extract.tree import attrs_of, parse

from .conftest import PAGES

# Every run of letters, digits, "-" and "_" in the pattern: a new alternative brings its own words into the test.
PATTERN_WORDS = sorted(set(re.findall(r"[A-Za-z0-9_-]{2,}", _BOILER_ATTR.pattern)))


def _reference(attrs: str) -> bool:
    return _BOILER_ATTR.search(attrs) is not None


@pytest.mark.parametrize("word", PATTERN_WORDS)
def test_every_word_of_the_pattern_gives_the_regex_answer(word: str) -> None:
    for attrs in (word, f" {word} ", f"x-{word}-y", f"x_{word}", f"{word}s", word.upper(), word.title(), word[:-1]):
        assert is_boilerplate_attrs(attrs) == _reference(attrs), attrs


@pytest.mark.parametrize(
    "attrs",
    ["ad", " ad ", "x_ad", "ad-zone", "ads", "header", "lead", "breadcrumb", "tags", "stage", "ſhare", "ſocial",
     "VCObjectBoxRelated", "box-Related-news", "  ", "", "đọc-thêm comment", "kbwscwl1", "note", "hidden x"],
)  # fmt: skip
def test_tricky_strings_give_the_regex_answer(attrs: str) -> None:
    assert is_boilerplate_attrs(attrs) == _reference(attrs)


@given(st.text(alphabet=st.sampled_from(list("adehilmnorstuvwxyzADRS _-ſ")), max_size=24))
def test_any_string_gives_the_regex_answer(attrs: str) -> None:
    assert is_boilerplate_attrs(attrs) == _reference(attrs)


def test_real_pages_give_the_regex_answer(dev_set: Path) -> None:
    files = sorted(PAGES.glob("*.html")) + sorted((dev_set / "pages").glob("*.html"))
    seen = 0
    for path in files:
        root = parse(path.read_bytes())
        assert root is not None
        for el in root.iter():
            if isinstance(el.tag, str):
                attrs = attrs_of(el)
                assert is_boilerplate_attrs(attrs) == _reference(attrs), attrs
                seen += 1
    assert seen > 1000
