"""ingest.dedup: content hash, SimHash and the LSH bands, as pure functions."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.dedup import (
    BANDS,
    NEAR_DISTANCE,
    bands,
    content_hash,
    fingerprint,
    hamming,
    simhash,
    strip_outlet_prefix,
    to_signed,
    to_unsigned,
)
from tests.db.articles import BODY_COFFEE, BODY_DEFENCE, BODY_FLOOD, lightly_edited

TITLE = "Tổng kết công tác quốc phòng"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(GLO)- Chiều 23-5, hội nghị", "Chiều 23-5, hội nghị"),
        ("ĐNO - Sáng nay", "Sáng nay"),
        ("(Baonghean.vn) - Tối qua", "Tối qua"),
        ("(kontumtv.vn) – Chiều 14/12", "Chiều 14/12"),
        ("Chiều 14/12 - UBND tỉnh họp", "Chiều 14/12 - UBND tỉnh họp"),  # not an outlet tag: kept
    ],
)
def test_strip_outlet_prefix(text: str, expected: str) -> None:
    assert strip_outlet_prefix(text) == expected


def test_content_hash_ignores_tone_mark_style_prefix_case_and_spacing() -> None:
    base = content_hash(TITLE, "(KT)- Thủy điện Hòa Bình vận hành an toàn.")
    assert content_hash(TITLE.upper(), "(GLO) -  Thuỷ điện   Hoà Bình vận hành an toàn.") == base
    assert content_hash(TITLE, "Thủy điện Hòa Bình vận hành an toàn") != base  # the text changed (full stop)
    assert content_hash("Khác", "Thủy điện Hòa Bình vận hành an toàn.") != base


def test_fingerprint_close_for_light_edits_far_for_other_stories() -> None:
    fp = fingerprint(TITLE, BODY_DEFENCE)
    assert fp is not None
    assert hamming(fp, fingerprint(TITLE, lightly_edited(BODY_DEFENCE)) or 0) <= NEAR_DISTANCE
    for other in (BODY_COFFEE, BODY_FLOOD):
        assert hamming(fp, fingerprint(TITLE, other) or 0) > 3 * NEAR_DISTANCE


def test_fingerprint_of_short_text_is_none() -> None:
    assert fingerprint("Tin ngắn", "Một câu thôi.") is None
    assert simhash("") == 0


def test_bands_find_every_fingerprint_within_the_distance() -> None:
    rnd = random.Random(7)
    for _ in range(300):
        fp = rnd.getrandbits(64)
        flipped = fp
        for bit in rnd.sample(range(64), NEAR_DISTANCE):
            flipped ^= 1 << bit
        assert hamming(fp, flipped) == NEAR_DISTANCE
        assert set(bands(fp)) & set(bands(flipped)), "a near fingerprint shares no band"
    assert len(bands(0)) == BANDS
    assert all(0 <= value < 1 << 16 for _, value in bands(2**64 - 1))


def test_bands_of_unrelated_fingerprints_rarely_collide() -> None:
    rnd = random.Random(11)
    fps = [rnd.getrandbits(64) for _ in range(200)]
    shared = sum(bool(set(bands(a)) & set(bands(b))) for a, b in itertools.combinations(fps, 2))
    assert shared / (200 * 199 / 2) < 0.01


@pytest.mark.parametrize("fp", [0, 1, 2**63 - 1, 2**63, 2**64 - 1])
def test_signed_round_trip(fp: int) -> None:
    signed = to_signed(fp)
    assert -(2**63) <= signed < 2**63
    assert to_unsigned(signed) == fp
    assert hamming(signed, fp) == 0


_VI_WORDS = st.sampled_from(
    ["quốc", "phòng", "hòa", "hoà", "thủy", "thuỷ", "Đà", "Nẵng", "tỉnh", "huyện", "ủy", "ban", "nhân", "dân", "2025"]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_VI_WORDS, min_size=1, max_size=60), st.sampled_from([" ", "  ", "\n", " \u00a0"]))
def test_content_hash_ignores_spacing_case_and_unicode_form(words: list[str], sep: str) -> None:
    import unicodedata

    text = " ".join(words)
    variant = unicodedata.normalize("NFD", sep.join(w.upper() for w in words))
    assert content_hash("Tiêu đề", variant) == content_hash("Tiêu đề", text)
    assert fingerprint("Tiêu đề", variant) == fingerprint("Tiêu đề", text)
