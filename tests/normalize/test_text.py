"""normalize_text and search_key: NFC, tone-mark placement, invisible and look-alike characters, whitespace."""

from __future__ import annotations

import unicodedata

import pytest

from ingest.normalize import normalize_text, search_key

ROWS: list[tuple[str | None, str]] = [
    (None, ""),
    ("", ""),
    # NFD in, NFC out
    (unicodedata.normalize("NFD", "Quốc phòng"), "Quốc phòng"),
    # one tone-mark placement (hòa, thủy, khỏe), "qu" and non-final clusters untouched
    ("hoà bình, thuỷ điện, khoẻ mạnh, Uỷ ban", "hòa bình, thủy điện, khỏe mạnh, Ủy ban"),
    ("quý, hoàng, thuyền, khuya, ngoài", "quý, hoàng, thuyền, khuya, ngoài"),
    ("HOÀ", "HÒA"),
    # entities, doubly escaped too, NBSP and exotic spaces
    ("ng&agrave;y&nbsp;mới", "ngày mới"),
    ("A &amp;amp; B", "A & B"),
    ("a\u2009b\u3000c", "a b c"),
    # zero-width, soft hyphen, BOM, control characters
    ("\ufeffQu\u200bốc\u00ad phòng\x07", "Quốc phòng"),
    # look-alikes: small capitals, Icelandic eth, combining padding, Greek alpha in a Latin word
    ("Nɢᴀ̀ʏ", "Ngày"),
    ("\u00d0ắk Lắk", "Đắk Lắk"),
    ("S\u034f\u034f\u03acng", "Sáng"),
    ("Αθήνα", "Αθήνα"),
    # whitespace: runs collapse, lines trimmed, paragraph breaks kept as one blank line
    ("  a   b \r\n c \n\n\n\n d  ", "a b\nc\n\nd"),
    ("p1\u2029p2", "p1\n\np2"),
]


@pytest.mark.parametrize(("raw", "expected"), ROWS)
def test_normalize_text(raw: str | None, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Quốc PHÒNG", "quoc phong"),
        ("Đắk   Lắk\n\nKon Tum", "dak lak kon tum"),
        ("hoà", "hoa"),
        ("Nɢᴀ̀ʏ", "ngay"),
        (None, ""),
    ],
)
def test_search_key(raw: str | None, expected: str) -> None:
    assert search_key(raw) == expected


def test_old_and_new_style_hash_alike() -> None:
    assert normalize_text("Thuỷ điện Hoà Bình") == normalize_text("Thủy điện Hòa Bình")


def test_search_key_folds_word_by_word_like_the_whole_text() -> None:
    # A lone combining mark between spaces folds to nothing and leaves one space; repeated words hit the cache.
    assert search_key("a \u0301 b\u00a0\u2003Quốc  quốc\nQUỐC") == "a b quoc quoc quoc"
    assert search_key("Σίσυφος ΟΔΟΣ") == "σισυφος οδος"  # Greek final sigma as str.lower() gives it


def test_normalize_text_results_are_the_same_on_repeated_calls_and_memory_stays_bounded() -> None:
    from ingest.normalize import text

    raw = "  Hoà   bình&nbsp;và ho&agrave; giải "
    first = normalize_text(raw)
    assert normalize_text(raw) == first == normalize_text(first) == "Hòa bình và hòa giải"
    for n in range(500):
        normalize_text(f"Thuỷ điện số {n}")  # two entries each: the input and its (different) result
        assert len(text._RECENT) <= text._RECENT_MAX
    normalize_text("Hòa")  # one entry only (already normalised): the count is odd from here on
    for n in range(40):
        normalize_text(f"Thuỷ lợi số {n}")
        assert len(text._RECENT) <= text._RECENT_MAX
    assert normalize_text(raw) == first


def test_search_keys_equal_the_per_character_fold_they_were_once_made_with() -> None:
    # Text of these blocks was folded character by character (str.translate) until 2026-12; search keys stored then
    # must be the keys fold_normalized gives now, word by word. The two agree only if nothing a character folds to
    # can compose with its neighbour under NFC without a combining mark, and no character folds to a space.
    import random
    import sys

    from ingest.normalize import text
    from ingest.normalize.text import fold_normalized

    ranges = ((0x0000, 0x0370), (0x1E00, 0x1F00), (0x2000, 0x2070), (0x20A0, 0x20D0))
    table = {i: text._fold(chr(i)) for lo, hi in ranges for i in range(lo, hi) if text._fold(chr(i)) != chr(i)}
    composes_second = set()
    for i in range(sys.maxunicode + 1):
        decomposed = unicodedata.normalize("NFD", chr(i))
        if len(decomposed) >= 2 and unicodedata.combining(decomposed[-1]) == 0:
            composes_second.add(decomposed[-1])
    folded = "".join(text._fold(chr(i)) for lo, hi in ranges for i in range(lo, hi))
    assert composes_second  # the scan found the Hangul vowels and the Indic vowel signs
    assert not composes_second & set(folded)
    assert all(unicodedata.combining(c) == 0 and unicodedata.normalize("NFD", c) == c for c in folded)
    assert not any(f.isspace() != chr(i).isspace() for i, f in table.items() if f)
    whole = "Quốc phòng “Đắk Lắk” – 5.000₫… Thuỷ"
    assert search_key(whole) == text._fold(normalize_text(whole).lower().replace("đ", "d")).replace("  ", " ")
    alphabet = [chr(i) for lo, hi in ranges for i in range(lo, hi)]
    rng = random.Random(15)
    for _ in range(2000):
        sample = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        sample += " " + "".join(rng.choice("hoà bình thuỷ Đắk Lắk \u0301\u0323 ") for _ in range(20))
        low = sample.lower().replace("đ", "d").replace("Đ", "d")
        assert fold_normalized(sample) == " ".join(low.translate(table).split()), repr(sample)


def test_search_key_of_parts_equals_the_key_of_the_joined_text() -> None:
    import random

    from ingest.normalize import search_key_of_parts

    rng = random.Random(9)
    pieces = ["Hoà", "bình", "&amp", "&nbsp;", "AT&T", "uy", "\u0301", "Σ", "ΟΔΟΣ", "\n", " ", "\u00a0", "q", "oa"]
    pieces += ["Đắk", "Lắk", "thuỷ", "Nɢᴀ̀ʏ", "\u034f", "“", "…", "1,5", "cá\u0300"]
    for _ in range(3000):
        parts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(3)]
        chosen: list[str | None] = [p if rng.random() > 0.2 else None for p in parts]
        joined = "\n\n".join(p for p in chosen if p)
        assert search_key_of_parts(*chosen) == search_key(joined), chosen


def test_unify_tone_marks_finds_every_old_style_placement_its_quick_scan_looks_for() -> None:
    # unify_tone_marks returns its input untouched when the quick scan (_hints, then _OLD_STYLE at each hit) finds
    # nothing; that must be exactly when _OLD_STYLE's own search finds nothing.
    import random

    from ingest.normalize import text

    rng = random.Random(15)
    alphabet = "qQoOuUaAeEyYxđ \u0300\u0301\u0309\u0303\u0323\u0302\u0306"
    found = 0
    for _ in range(20_000):
        sample = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))
        quick = any(text._OLD_STYLE.match(sample, m.start()) for m in text._hints(sample))
        assert quick == (text._OLD_STYLE.search(sample) is not None), repr(sample)
        found += quick
    assert found > 100  # the samples hold placements to move, not only text without any
    assert text.unify_tone_marks("quý hoạt động toàn quốc") == "quý hoạt động toàn quốc"
    assert text.unify_tone_marks("Quả hoà thuỷ") == "Quả hòa thủy"
