"""Encoders that write Unicode Vietnamese the way the VNI and TCVN3 (ABC) fonts stored it, for hostile fixtures.

Written from the fonts' published layouts: VNI types the vowel then a mark letter, TCVN3 gives every toned letter
one Windows-1252 byte. Only lowercase toned letters are mapped for TCVN3 (its capitals lived in a second font).
"""

from __future__ import annotations

import unicodedata

_TONE = {"\u0301": 0, "\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0323": 4}  # sắc huyền hỏi ngã nặng
_VNI_PLAIN = "ùøûõï"  # tone letters after a plain vowel, ơ or ư
_VNI_HAT = "áàåãä"  # after a, e, o carrying a circumflex; "â" alone
_VNI_BREVE = "éèúüë"  # after a carrying a breve; "ê" alone
_VNI_I = "íìæóò"


def vni(text: str) -> str:
    """Unicode Vietnamese as VNI-font text (the Windows-1252 letters a VNI document holds)."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char in "đĐ":
            out.append("ñ" if char == "đ" else "Ñ")
            continue
        parts = unicodedata.normalize("NFD", char)
        base, marks = parts[0], parts[1:]
        tone = next((_TONE[m] for m in marks if m in _TONE), None)
        upper = base.isupper()

        def case(s: str, upper: bool = upper) -> str:
            return s.upper() if upper else s

        if "\u0302" in marks:  # circumflex
            out.append(base + case("â" if tone is None else _VNI_HAT[tone]))
        elif "\u0306" in marks:  # breve
            out.append(base + case("ê" if tone is None else _VNI_BREVE[tone]))
        elif "\u031b" in marks:  # horn: ơ = ô, ư = ö in the VNI font
            out.append(case("ô" if base in "oO" else "ö") + ("" if tone is None else case(_VNI_PLAIN[tone])))
        elif tone is not None and base in "iI":
            out.append(case(_VNI_I[tone]))
        elif tone is not None:
            out.append(base + case(_VNI_PLAIN[tone]))
        else:
            out.append(char)
    return "".join(out)


_TCVN3_ROWS = {
    # letter: (no tone, huyền, hỏi, ngã, sắc, nặng) in TCVN3 as Windows-1252
    "a": "aµ¶·¸¹",
    "ă": "¨»¼½¾Æ",
    "â": "©ÇÈÉÊË",
    "e": "eÌÎÏÐÑ",
    "ê": "ªÒÓÔÕÖ",
    "i": "i×ØÜÝÞ",
    "o": "oßáâãä",
    "ô": "«åæçèé",
    "ơ": "¬êëìíî",
    "u": "uïñòóô",
    "ư": "\u00adõö÷øù",
    "y": "yúûüýþ",
}
_TCVN3_ORDER = {None: 0, 1: 1, 2: 2, 3: 3, 0: 4, 4: 5}  # _TONE index -> column above


def tcvn3(text: str) -> str:
    """Unicode Vietnamese as TCVN3 (ABC) font text; toned capitals are written lowercase, as .VnTime did."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char == "đ":
            out.append("®")
            continue
        if char == "Đ":
            out.append("§")
            continue
        parts = unicodedata.normalize("NFD", char.lower())
        tone = next((_TONE[m] for m in parts[1:] if m in _TONE), None)
        letter = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE))
        row = _TCVN3_ROWS.get(letter)
        if row is None or (tone is None and letter.isascii()):
            out.append(char)
        else:
            out.append(row[_TCVN3_ORDER[tone]])
    return "".join(out)
