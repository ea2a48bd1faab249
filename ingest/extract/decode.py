"""Bytes to text: the page's real encoding, whatever its ``<meta charset>`` claims, and repair of mojibake.

Vietnamese pages often declare one charset and send another, or send UTF-8 that was decoded as Latin-1 once
and re-encoded ("NHáº¬T XUÃ‚N" for "NHẬT XUÂN"). The order is: byte-order mark, the declared charsets (the HTTP
``Content-Type`` charset when the caller passes it, then the page's ``<meta charset>``) each only if the bytes decode
strictly with it, strict UTF-8, then the legacy Vietnamese and Western code pages.
"""

from __future__ import annotations

import codecs
import re

# A <meta charset=...> or http-equiv content type anywhere in the head (tuoitre declares it after 20 kB).
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# UTF-8 bytes of Vietnamese letters read as Latin-1/cp1252: "Ã" + continuation, "áº", "á»", "Ä‘"/"Ä\x91", "Æ°".
_MOJIBAKE = re.compile(
    "Ã[\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u2018-\u203a\u20ac\u2122]|á[º»]|Ä[\x80-\xbf‘]|Æ[°¡]"
)
_HEAD_BYTES = 65536
_CONTROL_BYTES = bytes([*range(9), 11, 12, *range(14, 32)])
# The same tell-tale pairs as UTF-8 bytes ("Ã", "á»", "áº", "Ä", "Æ" encoded once more): a cheap pre-check.
_MOJIBAKE_BYTES = (b"\xc3\x83\xc2", b"\xc3\x83\xe2", b"\xc3\xa1\xc2\xbb", b"\xc3\xa1\xc2\xba", b"\xc3\x84\xc2",
                   b"\xc3\x84\xe2", b"\xc3\x86\xc2")  # fmt: skip
# One scan for all of them: every Vietnamese letter with a mark starts with 0xC3 or 0xE1 in UTF-8, so seven
# substring searches each stop at thousands of false starts; one regex pass is about ten times cheaper.
_MOJIBAKE_BYTES_ANY = re.compile(b"|".join(re.escape(marker) for marker in _MOJIBAKE_BYTES))

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _declared(data: bytes) -> list[str]:
    names: list[str] = []
    for match in _META_CHARSET.finditer(data[:_HEAD_BYTES]):
        name = _codec(match.group(1).decode("ascii", "ignore"))
        if name and name not in names:
            names.append(name)
    return names


def decode_html(data: bytes | str, charset: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)`` for a page body; never raises.

    ``charset`` is the one the HTTP response declared (its ``Content-Type``), if known: a candidate like the
    page's ``<meta charset>``, used only when the bytes decode strictly with it. ``encoding`` is the codec that
    decoded the bytes (``"utf-8"``, ``"cp1258"``, ...); a ``str`` input is reported as ``"unicode"``. The text is
    free of C0 control characters (libxml2 and lxml refuse them).
    """
    text, _, encoding = decode_page(data, charset)
    return text, encoding


def decode_page(data: bytes | str, charset: str | None = None) -> tuple[str, bytes, str]:
    """``(text, the same text as UTF-8 bytes, encoding)``: the bytes feed the parser without a second encode.
    ``charset`` is the HTTP response's declared charset (see :func:`decode_html`)."""
    if isinstance(data, str):
        text, encoding = data, "unicode"
        utf8 = text.encode("utf-8", errors="replace")
    else:
        text, encoding = _decode_bytes(data, charset)
        utf8 = data if encoding == "utf-8" and not data.startswith(codecs.BOM_UTF8) else text.encode("utf-8")
    # Control bytes never occur inside UTF-8 multi-byte sequences, so deleting them bytewise is safe (and fast).
    clean = utf8.translate(None, _CONTROL_BYTES)
    if _MOJIBAKE_BYTES_ANY.search(clean):
        text = fix_mojibake(clean.decode("utf-8", errors="replace"))
        return text, text.encode("utf-8", errors="replace"), encoding
    if len(clean) != len(utf8):
        text = clean.decode("utf-8", errors="replace")
    return text, clean, encoding


def _decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, str]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(name), name
            except UnicodeDecodeError:
                break
    http = _codec(charset.strip()) if charset and charset.strip() else None
    # The HTTP header outranks the page's own <meta> (as in browsers); both pass the same strict checks below.
    candidates = list(dict.fromkeys([*([http] if http else []), *_declared(data), "utf-8", "cp1258", "cp1252"]))
    for name in candidates:
        # A declared single-byte Western code page "decodes" any bytes; trust it only when UTF-8 fails too.
        if name in {"latin-1", "iso8859-1", "cp1252", "ascii"} and _strict_ok(data, "utf-8"):
            return data.decode("utf-8"), "utf-8"
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace"), "utf-8"


def _strict_ok(data: bytes, name: str) -> bool:
    try:
        data.decode(name)
    except UnicodeDecodeError:
        return False
    return True


def fix_mojibake(text: str) -> str:
    """Undo one round of UTF-8-read-as-Latin-1 when the text is full of its tell-tale pairs."""
    hits = len(_MOJIBAKE.findall(text))
    if hits < 3:
        return text
    for legacy in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(legacy).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if len(_MOJIBAKE.findall(repaired)) < hits:
            return repaired
    # Mixed pages (some strings broken, some fine): repair run by run.
    return _fix_runs(text)


_RUN = re.compile(
    "[\x80-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]{2,}"
)


def _fix_runs(text: str) -> str:
    def repair(match: re.Match[str]) -> str:
        chunk = match.group(0)
        for legacy in ("cp1252", "latin-1"):
            try:
                return chunk.encode(legacy).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
        return chunk

    return _RUN.sub(repair, text)
