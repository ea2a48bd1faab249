"""Duplicate detection as pure functions: the exact content hash, the 64-bit near-duplicate fingerprint and its
LSH band keys.

Both hashes work on normalised text (``ingest.normalize``: NFC, one tone-mark placement) with the outlet's own
prefix ("ĐNO - ", "(GLO)- ", "(kontumtv.vn) – ") removed, because syndicated copies differ exactly there
(VIETNAMESE.md §7.6, §7.11). The fingerprint runs over the word bigrams of the folded search key, so a copy that
only changes tone-mark style, case or punctuation has the same fingerprint, and a lightly edited copy a close one.
Word bigrams: single syllables are too common in Vietnamese (unrelated stories on one topic come close), longer
shingles make a short story's fingerprint jump at every edit.

The fingerprint is a one-permutation MinHash with one bit per bin ("b-bit MinHash", b = 1): each distinct bigram
hashes to 64 bits, the top 6 bits pick one of 64 bins, and bit i of the fingerprint is one bit of the smallest hash
in bin i (an empty bin borrows the next non-empty one's, re-hashed). Two texts agree on a bin with probability
about their Jaccard similarity, and on its bit half of the rest of the time, so copies that share most bigrams sit
a few bits apart and unrelated stories some 24-33 (medians). Only the first ``WINDOW`` (300) words count, so a
dropped last paragraph of a long story costs nothing. Against the SimHash it replaced (same bigrams, whole text,
64-bit cosine sketch), measured on the dev-set texts and 300 synthetic articles (``benchmarks/synth.py``; median to
90th percentile), edited copies come about twice as close while unrelated same-topic stories stay as far: a credit
line moves 0-2 bits, another outlet's prefix with a changed phrase and a credit line 1-3 (SimHash 3-6), three
changed phrases 3-5 (SimHash 4-8), a dropped last paragraph 2-7 (SimHash 7-11); unrelated template-built stories
are at least 8 bits apart, real ones 25. So ``NEAR_DISTANCE`` = 4 finds more edited copies than the SimHash did at
6 (``benchmarks/bench_dedup.py`` prints both), except a new paragraph put in front, which shifts the window. It is
cheap: one blake2b per distinct word, integer mixing and one comparison per bigram (about 0.1 ms per article; the
SimHash's per-bit vote cost 1 ms).

Near-duplicate lookup: ``band_keys`` turns a fingerprint into ``BANDS`` integer keys such that two fingerprints
within ``NEAR_DISTANCE`` bits share at least one key exactly, so the database finds candidates through an index on
the key and never scans (``ingest.db.near``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from ingest.normalize import normalize_text, search_key
from ingest.normalize.text import fold_normalized

BITS = 64
_MASK = (1 << BITS) - 1
# The fingerprint is cut into 6 blocks (11, 11, 11, 11, 10 and 10 bits); each pair of blocks is one band (15 bands
# of 20-22 bits). Two fingerprints at most 4 bits apart differ in at most 4 blocks, so at least 2 blocks and
# therefore one pair agree exactly (pigeonhole): the index lookup misses no near duplicate. 21-bit keys keep the
# unrelated candidates per lookup near 15/2**21 of the stored fingerprints (about 7 in a million), so a lookup
# costs the same at 10 thousand and at a million; 15 rows per article keep the writes cheap.
BLOCK_WIDTHS = (11, 11, 11, 11, 10, 10)
BLOCKS = len(BLOCK_WIDTHS)
_BLOCK_SHIFTS = tuple(sum(BLOCK_WIDTHS[:i]) for i in range(BLOCKS))
BAND_PAIRS = tuple((i, j) for i in range(BLOCKS) for j in range(i + 1, BLOCKS))
BANDS = len(BAND_PAIRS)
# A band key is the band number above the pair's bits (at most 22): distinct across bands, positive, 64-bit safe.
BAND_SHIFT = 32
# Fingerprints this many bits apart or fewer are near duplicates (at most BLOCKS - 2 for the pigeonhole above).
NEAR_DISTANCE = 4
# Texts shorter than this (words) get no fingerprint: a few words cannot tell a copy from a similar notice.
MIN_WORDS = 40
SHINGLE = 2
# Only the first words of title and body count: republishing papers drop a story's last paragraph more than they
# change anything else (``ingest.demo.content.syndicated_copy``), and beyond these words that costs no bit at all.
# Measured (see the module docstring): a dropped last paragraph is within NEAR_DISTANCE for 113 of 161 stories
# with 300 words against 86 with the whole text, and unrelated stories stay as far; the price is a new paragraph
# put in front, which pushes the window's end back (a 30-word one: 76 of 310 stories found; whole text 125, the
# SimHash at 6 bits 175).
WINDOW = 300

# Bin of a bigram hash = its top 6 bits (one bin per fingerprint bit); the other 58 bits are what the bin's
# minimum is taken over.
_BINS = BITS
_REST_BITS = BITS - 6
_REST_MASK = (1 << _REST_BITS) - 1
_NO_MIN = 1 << _REST_BITS
# Odd 64-bit multipliers (fractional parts of the golden ratio and of sqrt(3)) for integer mixing.
_MIX1 = 0x9E3779B97F4A7C15
_MIX2 = 0xBB67AE8584CAA73B
# An outlet prefix at the start of a body or lead: "(GLO)- ", "ĐNO - ", "(Baonghean.vn) - ", "(kontumtv.vn) – ".
_PREFIX = re.compile(r"^\s*(?:\([^()\n]{2,30}\)|[A-ZĐ][A-ZĐ0-9.]{1,14})\s*[-–—:]+\s*")
_WORD = re.compile(r"\w+")

# 64-bit hash of each folded word seen (blake2b: stable across processes, unlike ``hash``); a bigram's hash mixes
# its two words' with integer arithmetic, so blake2b runs once per distinct word, not once per bigram. Bounded:
# Vietnamese has under 10,000 syllables, plus names and numbers.
_WORD_HASH: dict[str, int] = {}
_WORD_HASH_MAX = 100_000


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


def _word_hash(word: str) -> int:
    h = _WORD_HASH.get(word)
    if h is None:
        h = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big")
        if len(_WORD_HASH) < _WORD_HASH_MAX:
            _WORD_HASH[word] = h
    return h


def _words(title: str | None, body: str | None) -> list[str]:
    """The folded words of the content text (title, then body without its outlet prefix).

    Title and body are folded apart (the same words as folding :func:`content_text`, which joins them with a
    space), so each normalisation is of a string ``ingest.normalize`` has just seen and remembers.
    """
    return _WORD.findall(f"{search_key(title)} {search_key(strip_outlet_prefix(normalize_text(body)))}")


def _shingle_hashes(words: list[str]) -> set[int]:
    """64-bit hashes of the distinct word bigrams (of the one word, for a one-word text)."""
    known = _WORD_HASH.get
    hashes = [known(w) or _word_hash(w) for w in words]
    if len(hashes) < SHINGLE:
        return set(hashes)
    # (a * M1 + b) * M2 mod 2**64: the order of the words matters, and the high bits (the bin, and what decides
    # a bin's minimum) depend on every bit of both words.
    return {(a * _MIX1 + b) * _MIX2 & _MASK for a, b in pairwise(hashes)}


def sketch(shingle_hashes: set[int]) -> int:
    """The 64-bit one-permutation 1-bit MinHash of a set of 64-bit shingle hashes; 0 for the empty set."""
    if not shingle_hashes:
        return 0
    mins = [_NO_MIN] * _BINS
    for h in shingle_hashes:
        b = h >> _REST_BITS
        rest = h & _REST_MASK
        if rest < mins[b]:
            mins[b] = rest
    fp = 0
    # Right to left, so j is always the nearest non-empty bin at or after i (cyclically: past the last bin, the
    # first non-empty one, counted from 64).
    j = next(i for i, m in enumerate(mins) if m != _NO_MIN) + _BINS
    for i in range(_BINS - 1, -1, -1):
        if mins[i] != _NO_MIN:
            j = i
        # Bit i: the top bit of the bin minimum (plus how far it was borrowed from, so a borrowed bit is not a
        # copy of its lender's) times an odd constant: every bit of the minimum counts.
        fp |= ((mins[j % _BINS] + j - i) * _MIX1 & _MASK) >> (BITS - 1) << i
    return fp


def fingerprint(title: str | None, body: str | None) -> int | None:
    """The fingerprint of an article's content text (its first ``WINDOW`` words), or None when it is too short."""
    words = _words(title, body)
    if len(words) < MIN_WORDS:
        return None
    return sketch(_shingle_hashes(words[:WINDOW]))


@dataclass(frozen=True, slots=True)
class ContentKeys:
    """What the store needs of an article's text: the exact-duplicate hash, the near-duplicate fingerprint (None
    for a text under ``MIN_WORDS`` words) and the folded search key of title, lead and body (``search_text``)."""

    content_hash: str
    fingerprint: int | None
    search_text: str


def content_keys(title: str | None, lead: str | None, body: str | None) -> ContentKeys:
    """:func:`content_hash`, :func:`fingerprint` and ``ingest.normalize.search_key_of_parts(title, lead, body)`` at
    once, each part normalised once (computed apart, the title and body would be normalised and folded again by
    each of the three; the dedup stage calls this once per article, and the store only for a record that comes
    without its keys).

    Equal to the three separate functions on every input (``tests/db/test_dedup_logic.py``): the body without its
    outlet prefix is a suffix of the normalised body cut after a separator, which normalising again leaves as it is.
    """
    n_title, n_body = normalize_text(title), normalize_text(body)
    k_title, k_body = fold_normalized(n_title), fold_normalized(n_body)
    search_text = " ".join(k for k in (k_title, search_key(lead), k_body) if k)
    stripped = strip_outlet_prefix(n_body)
    k_stripped = k_body if stripped == n_body else fold_normalized(stripped)
    text = " ".join(f"{n_title} {stripped}".casefold().split())
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    words = _WORD.findall(f"{k_title} {k_stripped}")
    fp = sketch(_shingle_hashes(words[:WINDOW])) if len(words) >= MIN_WORDS else None
    return ContentKeys(digest, fp, search_text)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit fingerprints (signed or unsigned)."""
    return ((a & _MASK) ^ (b & _MASK)).bit_count()


def band_keys(fp: int) -> list[int]:
    """The ``BANDS`` index keys of ``fp`` (band number and the band's bits in one non-negative integer).

    Fingerprints within ``NEAR_DISTANCE`` bits share at least one key: what the index is searched on and what
    parallel writers lock on.
    """
    fp &= _MASK
    blocks = [(fp >> shift) & ((1 << width) - 1) for shift, width in zip(_BLOCK_SHIFTS, BLOCK_WIDTHS, strict=True)]
    return [k << BAND_SHIFT | blocks[i] << BLOCK_WIDTHS[j] | blocks[j] for k, (i, j) in enumerate(BAND_PAIRS)]


# Each entry holds a tuple of 64-bit ints, about 650 bytes: 16,384 entries (12 MB) made a crawl's memory grow with
# every page up to 16,000 pages (0.6 KB per page of the memory bench's growth). The keys are wanted again within one
# batch (the store's batches are 50 articles, store_many's 1,000), so a few batches' worth is enough.
@lru_cache(maxsize=4_096)
def cached_band_keys(fp: int) -> tuple[int, ...]:
    """:func:`band_keys` of ``fp`` as a tuple, remembered: a writer needs a fingerprint's keys for its locks, its
    batch's lookup, its in-memory index and the band rows."""
    return tuple(band_keys(fp))


def to_signed(fp: int) -> int:
    """The unsigned fingerprint as a signed 64-bit integer (what a BIGINT column holds)."""
    fp &= _MASK
    return fp - (1 << BITS) if fp >> (BITS - 1) else fp


def to_unsigned(value: int) -> int:
    """Inverse of :func:`to_signed`."""
    return value & _MASK
