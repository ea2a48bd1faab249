"""Property tests: no normaliser raises on any text; dates never land after the reference; keys are idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.normalize import (
    VN_TZ,
    canonical_url,
    clean_text,
    find_dateline,
    normalize_article,
    normalize_text,
    parse_byline,
    parse_date,
    search_key,
)
from tests.work import assert_linear

FAST = settings(max_examples=200, deadline=None)

# Pieces of real date strings, so random strings reach deep into the grammar, not just its first check.
_PIECES = st.sampled_from(
    [
        "Thứ Hai, ",
        "thứ 3 ",
        "CN ",
        "ngày ",
        "tháng ",
        "năm ",
        "Sáng ",
        "chiều ",
        "tối ",
        "nay ",
        "qua ",
        "hôm qua ",
        "lúc ",
        "giờ ",
        "phút ",
        "trước",
        "GMT+7",
        "(GMT+7)",
        "+07:00",
        "Z",
        "AM",
        "PM",
        " - ",
        " | ",
        ", ",
        "/",
        "-",
        ".",
        ":",
        "h",
        "T",
        "Tháng Mười Hai ",
        "December ",
        "&nbsp;",
        "\u00a0",
        "\u034f",
        "ɢ",
        "Ð",
        "\n",
    ]
)
_NUMBERS = st.integers(min_value=0, max_value=3000).map(str)
DATEISH = st.lists(st.one_of(_PIECES, _NUMBERS, st.text(max_size=3)), max_size=14).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=200), DATEISH)
REFERENCES = st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(VN_TZ))


@FAST
@given(ANY_TEXT, REFERENCES)
def test_parse_date_never_raises_nor_returns_the_future(raw: str, reference: datetime) -> None:
    got = parse_date(raw, reference=reference)
    if got is not None:
        assert got.value.tzinfo is not None
        assert got.value <= reference + timedelta(days=1)
        assert got.precision in ("day", "minute", "second")


@FAST
@given(ANY_TEXT, REFERENCES)
def test_find_dateline_never_raises_nor_returns_the_future(text: str, reference: datetime) -> None:
    got = find_dateline(text, reference=reference)
    if got is not None:
        assert got.value <= reference + timedelta(days=1)


@FAST
@given(ANY_TEXT)
def test_normalize_text_is_idempotent(s: str) -> None:
    once = normalize_text(s)
    assert normalize_text(once) == once


@FAST
@given(ANY_TEXT)
def test_search_key_is_idempotent(s: str) -> None:
    once = search_key(s)
    assert search_key(once) == once
    assert once == once.lower()


@FAST
@given(st.text(max_size=120))
def test_parse_byline_never_raises(s: str) -> None:
    got = parse_byline(s)
    # Names are display text (DESIGN.md: NFC, spelling as printed, capitals title-cased): clean_text leaves them
    # as they are. normalize_text would also move tone marks ("Thuý" -> "Thúy"), which is for keys, not names.
    assert all(name and name == clean_text(name) for name in got.names)


@FAST
@given(st.one_of(st.text(max_size=80), st.from_regex(r"https?://[a-zA-Z0-9.\-\[\]:]{0,20}/[^\s]{0,30}")))
def test_canonical_url_never_raises_and_is_stable(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@FAST
@given(st.dictionaries(st.sampled_from(["title", "body", "published_raw", "byline_raw", "url", "tags"]), ANY_TEXT))
def test_normalize_article_never_raises(raw: dict[str, str]) -> None:
    out = normalize_article(raw, reference=datetime(2026, 3, 10, tzinfo=VN_TZ))
    assert out["published"] is None or out["published"] <= datetime(2026, 3, 11, tzinfo=VN_TZ)


# Long runs of separators, digits and cue words: the shapes that make a careless regex backtrack exponentially.
ADVERSARIAL = [
    " " * 2000 + "x",
    " - " * 600 + "x",
    "—" * 2000,
    "1-1 " * 500,
    "1/1/" * 500,
    "12:30 " * 300,
    "ngày " * 400,
    "Sáng nay " * 200,
    "19 và " * 300,
    "(GLO)- " + " " * 60 + "Chiều 5/3",
    "&amp;" * 400,
    "Ảnh: " * 200,
    "A/" * 500,
]


def _every_normaliser(text: str) -> None:
    reference = datetime(2026, 3, 10, tzinfo=VN_TZ)
    parse_date(text, reference=reference)
    find_dateline(text, reference=reference)
    parse_byline(text)
    normalize_text(text)
    search_key(text)
    canonical_url(text)


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda text: repr(text[:12]))
def test_no_pathological_slowdown(text: str) -> None:
    # Bounded work, not time: twice the input takes about twice the Python steps (a rescan per match or a
    # quadratic loop takes four times). The time of each, regexes included, is measured by benchmarks/bench_bounds.
    assert_linear(_every_normaliser, text, text + text)
