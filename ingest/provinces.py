"""Vietnam's provincial-level units before and after the 2025 reform, and province names as people type them.

This module owns the table of the 34 units of 1 July 2025 with the 63 pre-reform provinces merged into each
(OUTLETS.md §1) and the look-up of a typed name (accents, "TP"/"Tỉnh" prefixes and common abbreviations optional).
It is pure data and string folding: the registry validates ``province`` fields with it, the CLI looks sites up by it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["MERGERS", "PROVINCES_2025", "PROVINCES_BEFORE_2025", "canonical_province", "unit_of"]

# The 34 units from 1 July 2025 (OUTLETS.md §1), each with the pre-reform provinces merged into it, in the
# document's order. Names carry no "TP"/"Tỉnh" prefix; look-ups strip such prefixes.
MERGERS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "Hà Nội": ("Hà Nội",),
        "Huế": ("Thừa Thiên Huế",),
        "Lai Châu": ("Lai Châu",),
        "Điện Biên": ("Điện Biên",),
        "Sơn La": ("Sơn La",),
        "Lạng Sơn": ("Lạng Sơn",),
        "Quảng Ninh": ("Quảng Ninh",),
        "Cao Bằng": ("Cao Bằng",),
        "Thanh Hóa": ("Thanh Hóa",),
        "Nghệ An": ("Nghệ An",),
        "Hà Tĩnh": ("Hà Tĩnh",),
        "Tuyên Quang": ("Tuyên Quang", "Hà Giang"),
        "Lào Cai": ("Lào Cai", "Yên Bái"),
        "Thái Nguyên": ("Thái Nguyên", "Bắc Kạn"),
        "Phú Thọ": ("Phú Thọ", "Vĩnh Phúc", "Hòa Bình"),
        "Bắc Ninh": ("Bắc Ninh", "Bắc Giang"),
        "Hưng Yên": ("Hưng Yên", "Thái Bình"),
        "Hải Phòng": ("Hải Phòng", "Hải Dương"),
        "Ninh Bình": ("Ninh Bình", "Nam Định", "Hà Nam"),
        "Quảng Trị": ("Quảng Trị", "Quảng Bình"),
        "Đà Nẵng": ("Đà Nẵng", "Quảng Nam"),
        "Quảng Ngãi": ("Quảng Ngãi", "Kon Tum"),
        "Gia Lai": ("Gia Lai", "Bình Định"),
        "Khánh Hòa": ("Khánh Hòa", "Ninh Thuận"),
        "Đắk Lắk": ("Đắk Lắk", "Phú Yên"),
        "Lâm Đồng": ("Lâm Đồng", "Đắk Nông", "Bình Thuận"),
        "Hồ Chí Minh": ("Hồ Chí Minh", "Bình Dương", "Bà Rịa–Vũng Tàu"),
        "Đồng Nai": ("Đồng Nai", "Bình Phước"),
        "Tây Ninh": ("Tây Ninh", "Long An"),
        "Cần Thơ": ("Cần Thơ", "Sóc Trăng", "Hậu Giang"),
        "Vĩnh Long": ("Vĩnh Long", "Bến Tre", "Trà Vinh"),
        "Đồng Tháp": ("Đồng Tháp", "Tiền Giang"),
        "Cà Mau": ("Cà Mau", "Bạc Liêu"),
        "An Giang": ("An Giang", "Kiên Giang"),
    }
)
PROVINCES_2025: Final[tuple[str, ...]] = tuple(MERGERS)
PROVINCES_BEFORE_2025: Final[tuple[str, ...]] = tuple(sorted({p for olds in MERGERS.values() for p in olds}))

# Other spellings people type for a unit (folded form -> canonical name).
_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "hcm": "Hồ Chí Minh",
        "tphcm": "Hồ Chí Minh",
        "sai gon": "Hồ Chí Minh",
        "ho chi minh city": "Hồ Chí Minh",
        "brvt": "Bà Rịa–Vũng Tàu",
        "tt hue": "Thừa Thiên Huế",
    }
)
_PREFIXES: Final = ("thanh pho ", "tp ", "tinh ")


def _fold(text: str) -> str:
    """Lowercase, diacritics and đ folded, punctuation to single spaces: "TP. Hồ Chí Minh" -> "tp ho chi minh"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare).split())


def _fold_province(text: str) -> str:
    folded = _fold(text)
    for prefix in _PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :]
    return folded


_CANONICAL: Final[Mapping[str, str]] = MappingProxyType(
    {_fold_province(p): p for p in (*PROVINCES_2025, *PROVINCES_BEFORE_2025)}
)


def canonical_province(name: str) -> str | None:
    """The registry's spelling of a province (current or pre-2025), accent- and prefix-insensitive, or None:
    ``"kon tum"`` -> ``"Kon Tum"``, ``"TP.HCM"`` -> ``"Hồ Chí Minh"``."""
    folded = _fold_province(name)
    return _CANONICAL.get(folded) or _ALIASES.get(folded)


def unit_of(old: str) -> str | None:
    """The 2025 unit a pre-2025 province (registry spelling) was merged into, or None."""
    return next((unit for unit, olds in MERGERS.items() if old in olds), None)
