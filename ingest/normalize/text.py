"""Text normalisation: one canonical form for Vietnamese text before it is hashed, compared or searched.

Owns :func:`normalize_text` (NFC, one tone-mark placement, look-alike letters, invisible characters, whitespace,
HTML entities) and :func:`search_key` (the accent-folded, lower-case key used for search and fuzzy matching), plus
the small character-level helpers the date and byline parsers share (:func:`fold_lookalikes`).
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = [
    "clean_text",
    "fold_lookalikes",
    "fold_normalized",
    "normalize_text",
    "search_key",
    "search_key_of_parts",
    "unify_tone_marks",
]

# Characters that render as nothing. Obfuscated reposts pad words with CGJ (U+034F) or the invisible Khmer vowels
# (U+17B4/U+17B5) and decorate letters with a combining seagull (U+033C); none of them occurs in Vietnamese.
_INVISIBLE = (
    "\u00ad\u034f\u033c\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u2060\u2061\u2062\u2063\u2064\ufeff"
)

# Look-alike letters that obfuscated reposts use in place of Latin ones (small capitals, Icelandic eth for Đ).
_LOOKALIKES = {
    "ᴀ": "a",
    "ʙ": "b",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ꜰ": "f",
    "ɢ": "g",
    "ʜ": "h",
    "ɪ": "i",
    "ᴊ": "j",
    "ᴋ": "k",
    "ʟ": "l",
    "ᴍ": "m",
    "ɴ": "n",
    "ᴏ": "o",
    "ᴘ": "p",
    "ʀ": "r",
    "ꜱ": "s",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ʏ": "y",
    "ᴢ": "z",
    "\u00d0": "\u0110",  # Ð (Icelandic Eth) -> Đ
    "\u00f0": "\u0111",  # ð -> đ
}

# Greek and Cyrillic letters that look Latin; folded only inside words that also hold Latin letters, so real Greek
# or Russian text is left alone.
_MIXED_SCRIPT = {
    "ά": "á",
    "α": "a",
    "ο": "o",
    "ό": "ó",
    "ν": "v",
    "ε": "e",
    "έ": "é",
    "ι": "i",
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
}

_TRANSLATE: dict[int, str | None] = dict.fromkeys(map(ord, _INVISIBLE))
_TRANSLATE.update({ord(k): v for k, v in _LOOKALIKES.items()})
# Every Unicode space (NBSP, thin space, ideographic space ...) becomes a plain space; line separators a newline.
_TRANSLATE.update(dict.fromkeys((0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000, 0x09, 0x0B), " "))
_TRANSLATE.update({0x000C: "\n", 0x0085: "\n", 0x2028: "\n", 0x2029: "\n\n"})
# Other C0/C1 control characters carry no text.
_TRANSLATE.update(dict.fromkeys((*range(0x09), *range(0x0E, 0x20), 0x7F, *range(0x80, 0x85), *range(0x86, 0xA0))))
# The characters _TRANSLATE changes, as one class.
_TRANSLATED = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TRANSLATE)) + "]")

_GREEK_CYRILLIC = re.compile(r"[\u0370-\u04ff\u1f00-\u1fff]")
_MIXED_WORD = re.compile(r"[^\W\d_]*(?:[\u0370-\u03ff\u1f00-\u1fff\u0400-\u04ff])[^\W\d_]*")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")

# Tone marks (as combining characters) that the placement rule moves.
_TONES = "\u0300\u0301\u0309\u0303\u0323"
# "oa", "oe", "uy" at the end of a syllable carry the tone on the first vowel in the style we keep
# (hòa, khỏe, thủy), not on the second (hoà, khoẻ, thuỷ). "qu" is a consonant, so "quý" is left alone.
_OLD_STYLE = re.compile(
    r"(?<![qQ])([oO][aAeE]|[uU][yY])([\u0300\u0301\u0309\u0303\u0323])(?![^\W\d_])",
)
# Where a match of _OLD_STYLE can start (no two of these overlap, and each match of _OLD_STYLE is one): a scan for
# them is ten times faster than _OLD_STYLE's own search, which its look-behind and alternation slow at every step.
_hints = re.compile(r"[oOuU][aAeEyY][\u0300\u0301\u0309\u0303\u0323]").finditer

_SPACES = re.compile(r"[ ]{2,}")
_SPACE_AROUND_NL = re.compile(r" *\n *")
_PARA = re.compile(r"\n{3,}")


def fold_lookalikes(s: str) -> str:
    """Replace look-alike letters with the Latin letters they imitate and drop invisible padding.

    >>> fold_lookalikes("Nɢᴀ̀ʏ 3/12")
    'Ngày 3/12'
    >>> fold_lookalikes("S\\u034f\\u034fάn\\u034fg 29/8")
    'Sáng 29/8'
    """
    if _TRANSLATED.search(s) is not None:  # most text holds none: a scan is ten times cheaper than translate
        s = s.translate(_TRANSLATE)
    if _GREEK_CYRILLIC.search(s) is not None:
        s = _MIXED_WORD.sub(_fold_mixed_word, s)
    return unicodedata.normalize("NFC", s)


def _fold_mixed_word(m: re.Match[str]) -> str:
    word = m.group(0)
    if not _LATIN.search(word):
        return word  # a real Greek or Cyrillic word
    return "".join(_MIXED_SCRIPT.get(c, c) for c in word)


def unify_tone_marks(s: str) -> str:
    """Put the tone mark of a syllable-final "oa", "oe", "uy" on the first vowel (hòa, khỏe, thủy); NFC in and out.

    >>> unify_tone_marks("Uỷ ban hoà giải, khoẻ mạnh, thuỷ điện, quý")
    'Ủy ban hòa giải, khỏe mạnh, thủy điện, quý'
    """
    nfd = unicodedata.normalize("NFD", s)
    if not any(t in nfd for t in _TONES):
        return s
    if unicodedata.is_normalized("NFC", s) and not any(_OLD_STYLE.match(nfd, m.start()) for m in _hints(nfd)):
        return s  # nothing to move (most text): composing the decomposed text again would give s back, slowly
    out = _OLD_STYLE.sub(lambda m: m.group(1)[0] + m.group(2) + m.group(1)[1], nfd)
    return unicodedata.normalize("NFC", out)


def _unescape(s: str) -> str:
    # Doubly escaped entities ("&amp;nbsp;") are common in CMS output; unescape until nothing changes (each pass
    # shortens the string, so this ends).
    while "&" in s:
        t = html.unescape(s)
        if t == s:
            break
        s = t
    return s


def _normalize_once(s: str, unify: bool) -> str:
    s = _unescape(s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = fold_lookalikes(s)
    if unify:
        s = unify_tone_marks(s)
    s = _SPACES.sub(" ", s)
    s = _SPACE_AROUND_NL.sub("\n", s)
    s = _PARA.sub("\n\n", s)
    return s.strip()


# The last few results of _normalize, keyed on (unify, input). A crawled article's title and body are normalised
# by several stages in turn (the normalize stage, both dedup hashes, the store's search text), each time the same
# string object: its hash is cached in the object, so a hit costs a dict lookup instead of five passes over the body.
# Each result is also entered as its own key (the function is idempotent). Bounded: a handful of articles' texts.
_RECENT: dict[tuple[bool, str], str] = {}
_RECENT_MAX = 64


def _normalize(s: str | None, unify: bool) -> str:
    if not s:
        return ""
    if not isinstance(s, str):
        s = str(s)
    key = (unify, s)
    cached = _RECENT.get(key)
    if cached is not None:
        return cached
    # Each step can expose work for another (an entity that decodes to NBSP, padding that hid an entity), so run
    # the steps until the text stops changing; two passes suffice for real text.
    out = s
    for _ in range(8):
        t = _normalize_once(out, unify)
        if t == out:
            break
        out = t
    if len(_RECENT) >= _RECENT_MAX - 1:  # two entries go in below
        # Oldest first: dicts keep insertion order, so this evicts the entries of the article before last.
        for old in list(_RECENT)[: _RECENT_MAX // 2]:
            del _RECENT[old]
    _RECENT[key] = out
    _RECENT[(unify, out)] = out
    return out


def clean_text(s: str | None) -> str:
    """Return ``s`` cleaned for display and storage, with the spelling the page printed.

    Everything :func:`normalize_text` does except moving tone marks: NFC, entities decoded, invisible and control
    characters dropped, look-alike letters folded, clean whitespace, paragraphs as one blank line. Titles, bodies
    and names are kept this way so they read as published ("Thanh Hoá" stays "Thanh Hoá"); hashing, comparing
    and searching go through :func:`normalize_text` / :func:`search_key`, which put every tone mark in one place.
    Idempotent.

    >>> clean_text("  Uỷ ban&nbsp;tỉnh  Thanh Hoá\\r\\n\\r\\n\\r\\nhọp ")
    'Uỷ ban tỉnh Thanh Hoá\\n\\nhọp'
    >>> normalize_text(clean_text("Thanh Hoá")) == normalize_text("Thanh Hóa")
    True
    """
    return _normalize(s, unify=False)


def normalize_text(s: str | None) -> str:
    """Return ``s`` in the one canonical form used for hashing and comparing: NFC, tone marks in one place.

    HTML entities are decoded, invisible and control characters dropped, look-alike letters folded, every kind of
    space becomes one plain space, lines are trimmed, and paragraph breaks are kept as one blank line ("\\n\\n").
    ``None`` gives ``""``. The function is idempotent.

    >>> normalize_text("  Hoà   bình&nbsp;và ho&agrave; giải\\r\\n\\r\\n\\r\\nThuỷ điện ")
    'Hòa bình và hòa giải\\n\\nThủy điện'
    >>> normalize_text(None)
    ''
    """
    return _normalize(s, unify=True)


def search_key(s: str | None) -> str:
    """Return the search key of ``s``: normalised, lower-case, diacritics folded, đ -> d, one space between words.

    "quoc phong" finds "Quốc phòng" because both have the same key. Idempotent.

    >>> search_key("  Quốc   PHÒNG\\n\\nĐắk Lắk ")
    'quoc phong dak lak'
    >>> search_key(None)
    ''
    """
    return fold_normalized(normalize_text(s))


def fold_normalized(text: str) -> str:
    """The search key of a text :func:`normalize_text` already returned (``search_key`` without normalising again).

    For callers that hold the normalised text anyway (``ingest.dedup.content_keys`` hashes it too): the key of a
    whole article costs one normalisation, not two.

    >>> fold_normalized(normalize_text("Quốc PHÒNG  Đắk Lắk")) == search_key("Quốc PHÒNG  Đắk Lắk")
    True
    """
    text = text.lower()
    text = text.replace("đ", "d").replace("Đ", "d")
    # Word by word (folding never moves across whitespace, and a word of only marks folds to nothing): a page has
    # a few hundred distinct words, so most are folded once and then looked up (a text fold by str.translate with
    # a per-character table, used here before, cost twice as much: one dict lookup per character).
    known = _FOLDED.get
    return " ".join(f for f in [known(w) or _fold_word(w) for w in text.split()] if f)


def search_key_of_parts(*parts: str | None) -> str:
    """:func:`search_key` of the parts joined by blank lines (an article's title, lead and body), key by key.

    Equal to the key of the joined text: no normalisation step reaches across a line break and the key collapses
    whitespace. Done part by part, each part's normalised text is the one the dedup hashes normalise again (the
    same string, so the cache of recent results answers), instead of normalising the whole article once more.

    >>> search_key_of_parts("Quốc phòng", None, "Đắk  Lắk")
    'quoc phong dak lak'
    """
    return " ".join(key for key in map(search_key, parts) if key)


def _fold(text: str) -> str:
    """``text`` with every combining mark removed (NFD, marks dropped, NFC)."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


_FOLDED: dict[str, str] = {}
# Distinct words remembered (a few MB at most): Vietnamese has under 10,000 syllables, plus names and numbers.
_FOLDED_MAX = 50_000


def _fold_word(word: str) -> str:
    """``word`` with every combining mark removed (NFD, marks dropped, NFC)."""
    folded = _FOLDED.get(word)
    if folded is None:
        if word.isascii():
            return word
        folded = _fold(word)
        if len(_FOLDED) < _FOLDED_MAX:
            _FOLDED[word] = folded
    return folded
