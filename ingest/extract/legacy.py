"""Detection of Vietnamese text typed in the pre-Unicode font encodings VNI and TCVN3 (ABC).

Old pages (and old articles imported into new CMSs) hold text typed for the "VNI-Times" or ".VnTime" fonts: the bytes
are plain Windows-1252, and only the font made them look Vietnamese. Decoded as what they are, they read
"Vieät Nam" / "ngöôøi" (VNI) or "ViÖt Nam" / "ng­êi" (TCVN3). Such text must not be stored as if it were
Vietnamese (it would hash, search and deduplicate as garbage), so it is detected and flagged; converting it back
is a separate, lossy problem this module does not attempt.

The test is by signature words: letters that never occur in Unicode Vietnamese (``ñ ö ø ï û ë ü å ä æ`` for VNI,
where they stand for đ, ư and tone marks) or Windows-1252 symbols glued to letters inside a word (``® µ ¸ ª « ¬``
and the soft hyphen for TCVN3, where they stand for đ, à, á, ê, ô, ơ, ư). A page is flagged when enough of its words
carry a signature, so one French "où" or a German name does not flag a Vietnamese page. Pure, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["LegacyFont", "detect_legacy_font"]

# VNI: đ/Đ = ñ/Ñ, ư/Ư = ö/Ö; tone and hat marks typed after the vowel: ø ï û (huyền, nặng, hỏi on plain vowels),
# å ä (hỏi, nặng on â ê ô), ë ü (nặng, ngã on ă), æ (ỉ). None of these letters exists in Unicode Vietnamese.
_VNI_LETTERS: Final = "ñÑöÖøØïÏûÛëËüÜåÅäÄæÆ"
# A VNI mark right after a vowel, or đ/ư in the positions Vietnamese puts them ("ñöôøng", "ngöôøi"). The marks that
# are real letters elsewhere (ù, õ: French "où") do not count on their own.
_VNI_WORD: Final = re.compile(rf"(?:[aeiouyAEIOUY][{_VNI_LETTERS}]|[ñÑ][aeiouyöAEIOUYÖ]|[öÖ][ôÔùøûõïÙØÛÕÏ])")
# TCVN3 as Windows-1252: ă â ê ô ơ ư đ = ¨ © ª « ¬ soft-hyphen ®, à ả ã á ạ = µ ¶ · ¸ ¹, ằ ẳ ẵ ắ = » ¼ ½ ¾,
# Ă Â Ê Ô Ơ Ư Đ = ¡ ¢ £ ¤ ¥ ¦ §. Such a symbol right after a letter ("cµ", "phª", "ng\u00adêi") never occurs in real
# text; at the start of a word only đ/Đ count ("®\u00adîc"), since « and µ also open quotes and units ("«Chúng", "µg"),
# and » counts only inside a word because it closes quotes. The soft hyphen (ư) counts only before what follows ư in
# Vietnamese (ươ, ưa, ưu, end of word), since CMSs also put it between syllables of Unicode text to hyphenate them.
_TCVN3_SYMBOLS: Final = "¨©ª«¬®µ¶·¸¹¼½¾¡¢£¤¥¦§"
_TCVN3_WORD: Final = re.compile(
    rf"(?:[A-Za-z][{_TCVN3_SYMBOLS}]|[A-Za-z]»[A-Za-z]|[A-Za-z]\u00ad(?:[¬êëìíîaiu]|$)|^[®§][A-Za-z\u00ad])"
)
# Every signature above holds one of these characters: text with fewer than ``min_words`` of them (nearly all
# Unicode text; a stray « or · does not count for much) is ruled out by one scan instead of a regex test per word.
_SIGNATURE_CHAR: Final = re.compile(rf"[{_VNI_LETTERS}{_TCVN3_SYMBOLS}»\u00ad]")
_WORD: Final = re.compile(r"\S+")
_HAS_LETTER: Final = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class LegacyFont:
    """A legacy font encoding found in a text: which one, and how many words showed it."""

    name: Literal["vni", "tcvn3"]
    words: int  # words carrying that encoding's signature
    total: int  # words with at least one letter

    @property
    def share(self) -> float:
        return self.words / self.total if self.total else 0.0


def detect_legacy_font(text: str | None, *, min_words: int = 3, min_share: float = 0.05) -> LegacyFont | None:
    """Return the legacy font encoding ``text`` was typed in, or None for ordinary (Unicode) text.

    Flags a text when at least ``min_words`` words, and at least ``min_share`` of its words, carry the signature of
    VNI or TCVN3; the one with more signature words wins. Linear in the length of the text; never raises.
    """
    if not text or len(_SIGNATURE_CHAR.findall(text)) < min_words:
        return None
    vni = tcvn3 = total = 0
    for match in _WORD.finditer(text):
        word = match.group(0)
        if not _HAS_LETTER.search(word):
            continue
        total += 1
        if _TCVN3_WORD.search(word):
            tcvn3 += 1
        elif _VNI_WORD.search(word):
            vni += 1
    name: Literal["vni", "tcvn3"] = "tcvn3" if tcvn3 >= vni else "vni"
    words = max(vni, tcvn3)
    if words >= min_words and total and words / total >= min_share:
        return LegacyFont(name=name, words=words, total=total)
    return None
