"""Duplicate detection as pure functions: the exact content hash and the 64-bit SimHash with its LSH bands.

Both work on normalised text (``ingest.normalize``: NFC, one tone-mark placement) with the outlet's own prefix
("ĐNO - ", "(GLO)- ", "(kontumtv.vn) – ") removed, because syndicated copies differ exactly there
(VIETNAMESE.md §7.6, §7.11). The SimHash runs over word bigrams of the folded search key, so a copy that only
changes tone-mark style, case or punctuation has the same fingerprint, and a lightly edited copy a close one.
Word bigrams: single syllables are too common in Vietnamese (unrelated stories on one topic come close), longer
shingles make a short story's fingerprint jump at every edit.

Near-duplicate lookup: ``bands`` turns a fingerprint into ``BANDS`` (band, value) keys such that two fingerprints
within ``NEAR_DISTANCE`` bits share at least one key exactly, so the database finds candidates through an index on
(band, value) and never scans.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from ingest.normalize import normalize_text, search_key

BITS = 64
# The fingerprint is cut into 8 blocks of 8 bits; each pair of blocks is one band (28 bands, 16-bit values).
# Two fingerprints at most 6 bits apart differ in at most 6 blocks, so at least 2 blocks and therefore one pair
# agree exactly (pigeonhole): the index lookup misses no near duplicate, and 16-bit values keep the candidates per
# lookup near 28/65536 of the table.
BLOCKS = 8
BLOCK_BITS = BITS // BLOCKS
BAND_PAIRS = tuple((i, j) for i in range(BLOCKS) for j in range(i + 1, BLOCKS))
BANDS = len(BAND_PAIRS)
# Fingerprints this many bits apart or fewer are near duplicates (at most BLOCKS - 2 for the pigeonhole above).
# Word bigrams, measured on our texts: a ~180-word story with a changed phrase and a credit line moves 1-3 bits,
# three edits 5-7, a dropped paragraph of a long story 2-3; unrelated stories on one topic sit 22-34 bits apart.
NEAR_DISTANCE = 6
# Texts shorter than this (words) get no fingerprint: a few words cannot tell a copy from a similar notice.
MIN_WORDS = 40
SHINGLE = 2

_MASK = (1 << BITS) - 1
# An outlet prefix at the start of a body or lead: "(GLO)- ", "ĐNO - ", "(Baonghean.vn) - ", "(kontumtv.vn) – ".
_PREFIX = re.compile(r"^\s*(?:\([^()\n]{2,30}\)|[A-ZĐ][A-ZĐ0-9.]{1,14})\s*[-–—:]+\s*")
_WORD = re.compile(r"\w+")


def strip_outlet_prefix(text: str) -> str:
    """``text`` without a leading outlet tag such as "(GLO)- " or "ĐNO - "."""
    return _PREFIX.sub("", text, count=1)


def content_text(title: str | None, body: str | None) -> str:
    """The text both hashes are computed from: normalised title and body, prefix-free, case-folded, one space."""
    parts = [normalize_text(title), strip_outlet_prefix(normalize_text(body))]
    return " ".join(" ".join(parts).casefold().split())


def content_hash(title: str | None, body: str | None) -> str:
    """SHA-256 hex digest of :func:`content_text` (exact duplicates across URLs and sites)."""
    return hashlib.sha256(content_text(title, body).encode("utf-8")).hexdigest()


def _shingles(text: str) -> list[str]:
    words = _WORD.findall(search_key(text))
    if len(words) < SHINGLE:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]


def simhash(text: str) -> int:
    """64-bit SimHash (unsigned) over word bigrams of the folded text; 0 for empty text."""
    counts = Counter(_shingles(text))
    if not counts:
        return 0
    # Per-bit votes, counted column-wise over the shingle hashes written as bit strings (C speed, no per-bit loop
    # in Python): bit i of the result is set when more weight says 1 than 0.
    rows = []
    for shingle, weight in counts.items():
        h = int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")
        rows.extend([format(h, "064b")] * weight)
    half = len(rows) / 2
    bits = "".join("1" if column.count("1") > half else "0" for column in map("".join, zip(*rows, strict=True)))
    return int(bits, 2)


def fingerprint(title: str | None, body: str | None) -> int | None:
    """The SimHash of an article's content text, or None when it is too short to compare."""
    text = content_text(title, body)
    if len(_WORD.findall(text)) < MIN_WORDS:
        return None
    return simhash(text)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit fingerprints (signed or unsigned)."""
    return ((a & _MASK) ^ (b & _MASK)).bit_count()


def bands(fp: int) -> list[tuple[int, int]]:
    """``(band, value)`` pairs of a fingerprint: band k holds the k-th pair of 8-bit blocks as one 16-bit value."""
    fp &= _MASK
    mask = (1 << BLOCK_BITS) - 1
    blocks = [(fp >> (i * BLOCK_BITS)) & mask for i in range(BLOCKS)]
    return [(k, blocks[i] << BLOCK_BITS | blocks[j]) for k, (i, j) in enumerate(BAND_PAIRS)]


def band_keys(fp: int) -> list[int]:
    """One integer per band of ``fp`` (band number and value together): what parallel writers lock on."""
    return [band << BITS | value for band, value in bands(fp)]


def to_signed(fp: int) -> int:
    """The unsigned fingerprint as a signed 64-bit integer (what a BIGINT column holds)."""
    fp &= _MASK
    return fp - (1 << BITS) if fp >> (BITS - 1) else fp


def to_unsigned(value: int) -> int:
    """Inverse of :func:`to_signed`."""
    return value & _MASK
