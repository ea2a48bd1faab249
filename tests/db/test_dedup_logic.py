"""ingest.dedup: content hash, the MinHash fingerprint and its LSH band keys, as pure functions."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.synth import article as synthetic_article
from ingest.dedup import (
    BANDS,
    BITS,
    BLOCK_WIDTHS,
    NEAR_DISTANCE,
    WINDOW,
    band_keys,
    content_hash,
    content_keys,
    fingerprint,
    hamming,
    sketch,
    strip_outlet_prefix,
    to_signed,
    to_unsigned,
)
from ingest.normalize import search_key, search_key_of_parts
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


def _replace_words(body: str, start: int, new: list[str]) -> str:
    words = body.split()
    return " ".join(words[:start] + new + words[start + len(new) :])


def test_fingerprint_close_for_realistic_edits() -> None:
    fp = fingerprint(TITLE, BODY_DEFENCE)
    assert fp is not None
    credit = BODY_DEFENCE + "\n\nNguyễn Văn An (TTXVN)"
    one_phrase = _replace_words(BODY_DEFENCE, 30, ["trong", "thời", "gian", "tới"])
    prefixed = "ĐNO - " + BODY_DEFENCE.removeprefix("(KT)- ")
    for edited in (credit, one_phrase, prefixed, lightly_edited(BODY_DEFENCE)):
        assert hamming(fp, fingerprint(TITLE, edited) or 0) <= NEAR_DISTANCE
    assert fingerprint(TITLE, prefixed) == fp  # only the outlet prefix differs


def test_only_the_first_window_words_count() -> None:
    # A long story whose copy drops the last paragraph (what republishing papers do most): the same fingerprint.
    body = "\n\n".join([BODY_DEFENCE, BODY_COFFEE, BODY_FLOOD, BODY_DEFENCE.replace("Chiều 8/7", "Sáng 9/7")])
    shorter = body.rsplit("\n\n", 1)[0]
    assert len(search_key(f"{TITLE} {shorter}").split()) > WINDOW
    assert fingerprint(TITLE, shorter) == fingerprint(TITLE, body)
    # Within the window every word counts.
    assert fingerprint(TITLE, BODY_DEFENCE) != fingerprint(TITLE, BODY_DEFENCE.rsplit("\n\n", 1)[0])


def test_unrelated_same_topic_stories_are_far_apart() -> None:
    # Synthetic stories are built from the same templates and places: same topic, different reports.
    fps = [fingerprint(a["title"], a["body"]) for a in map(synthetic_article, range(40))]
    assert all(fp is not None for fp in fps)
    closest = min(hamming(a or 0, b or 0) for a, b in itertools.combinations(fps, 2))
    assert closest > NEAR_DISTANCE


def test_fingerprint_is_the_same_in_another_process() -> None:
    # Word hashes must not depend on the interpreter's string hash seed.
    import subprocess
    import sys

    code = (
        "from ingest.dedup import fingerprint; from tests.db.articles import BODY_DEFENCE; "
        f"print(fingerprint({TITLE!r}, BODY_DEFENCE))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": "123"}
    )
    assert int(out.stdout) == fingerprint(TITLE, BODY_DEFENCE)


def test_fingerprint_of_short_text_is_none() -> None:
    assert fingerprint("Tin ngắn", "Một câu thôi.") is None
    assert sketch(set()) == 0


def test_sketch_bits_follow_set_similarity() -> None:
    rnd = random.Random(3)
    base = {rnd.getrandbits(64) for _ in range(300)}
    assert sketch(base) == sketch(set(base))
    near = set(list(base)[:295]) | {rnd.getrandbits(64) for _ in range(5)}  # Jaccard ~0.97
    other = {rnd.getrandbits(64) for _ in range(300)}  # Jaccard 0
    assert hamming(sketch(base), sketch(near)) <= NEAR_DISTANCE
    assert hamming(sketch(base), sketch(other)) > 3 * NEAR_DISTANCE
    assert 0 < sketch({rnd.getrandbits(64)}) < 1 << BITS  # one shingle: empty bins borrow, all 64 bits decided


def _flip(fp: int, bits: list[int]) -> int:
    for bit in bits:
        fp ^= 1 << bit
    return fp


def test_band_keys_find_every_fingerprint_within_the_distance() -> None:
    rnd = random.Random(7)
    for _ in range(300):
        fp = rnd.getrandbits(64)
        flipped = _flip(fp, rnd.sample(range(64), NEAR_DISTANCE))
        assert hamming(fp, flipped) == NEAR_DISTANCE
        assert set(band_keys(fp)) & set(band_keys(flipped)), "a near fingerprint shares no band"
    assert len(band_keys(0)) == len(set(band_keys(0))) == BANDS
    assert all(0 <= key < 2**63 for key in band_keys(2**64 - 1))


def test_band_keys_worst_case_spread_over_blocks() -> None:
    # The hardest patterns: NEAR_DISTANCE flipped bits each in a different block (every choice of blocks, at the
    # block's lowest and highest bit), and the band keys still share one.
    starts = [sum(BLOCK_WIDTHS[:i]) for i in range(len(BLOCK_WIDTHS))]
    fp = 0x0123456789ABCDEF
    for blocks in itertools.combinations(range(len(BLOCK_WIDTHS)), NEAR_DISTANCE):
        for edge in (0, 1):
            bits = [starts[b] + edge * (BLOCK_WIDTHS[b] - 1) for b in blocks]
            assert set(band_keys(fp)) & set(band_keys(_flip(fp, bits))), blocks
    # One more flipped bit, in every block but one: no pair of blocks is left equal.
    assert not set(band_keys(fp)) & set(band_keys(_flip(fp, starts[: NEAR_DISTANCE + 1])))


def test_band_keys_of_unrelated_fingerprints_rarely_collide() -> None:
    rnd = random.Random(11)
    fps = [rnd.getrandbits(64) for _ in range(200)]
    shared = sum(bool(set(band_keys(a)) & set(band_keys(b))) for a, b in itertools.combinations(fps, 2))
    assert shared / (200 * 199 / 2) < 0.001


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


def _separately(title: str | None, lead: str | None, body: str | None) -> tuple[str, int | None, str]:
    return content_hash(title, body), fingerprint(title, body), search_key_of_parts(title, lead, body)


_PREFIXES = st.sampled_from(["", "(GLO)- ", "ĐNO - ", "ĐNO-", "(Baonghean.vn) – ", "TTXVN:", "(KT) -\n", "  QĐND — "])
_TEXT = st.lists(st.sampled_from([*"aăâeêioôơuưyđAĐ qQ-–:.()\n\u00a0&;\u0301\u0323", "thuỷ", "hoà", "&amp;"])).map(
    "".join
)


@settings(max_examples=300, deadline=None)
@given(_PREFIXES, st.lists(_VI_WORDS, max_size=80), _TEXT, st.one_of(st.none(), _TEXT), st.one_of(st.none(), _TEXT))
def test_content_keys_equal_the_three_functions_apart(
    prefix: str, words: list[str], tail: str, title: str | None, lead: str | None
) -> None:
    body = prefix + " ".join(words) + tail
    keys = content_keys(title, lead, body)
    assert (keys.content_hash, keys.fingerprint, keys.search_text) == _separately(title, lead, body)


def test_content_keys_equal_the_three_functions_apart_on_articles() -> None:
    prefixes = ["", "(GLO)- ", "ĐNO-", "(Baonghean.vn) – ", "(kontumtv.vn) – "]
    for n in range(60):
        art = synthetic_article(n)
        body = prefixes[n % len(prefixes)] + art["body"]
        keys = content_keys(art["title"], art["lead"], body)
        assert (keys.content_hash, keys.fingerprint, keys.search_text) == _separately(art["title"], art["lead"], body)
    assert content_keys(None, None, None).fingerprint is None
