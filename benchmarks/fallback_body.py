"""How well each generic body extractor does on pages whose container is unknown (the fallback's case).

Run: ``python -m benchmarks.fallback_body [MANIFEST.jsonl ...]`` (default: the dev set's ``pages.jsonl`` and
``pages-more/pages.jsonl``, plus manifests such as ``benchmarks/evalset/articles.jsonl`` given on the command line).

Every article page is scored twice: as saved, and with its family hooks renamed (every ``class`` and ``id`` token
replaced by a meaningless hash, ``itemprop``/``data-role``/``data-slot`` dropped), which turns a known CMS into
an unknown one. On each version it scores, with ``score_pages.py``'s body rules (gold first words within the
first 1,500 characters, gold last words at most 250 characters before the end):

- ``pipeline``: ``extract_article`` as the crawl runs it (family containers, scored finder, then the fallback);
- ``density``: the fallback alone (``ingest.extract.fallback.density_blocks`` then the usual boilerplate and
  byline steps);
- ``trafilatura``: ``trafilatura.extract`` with its default options, when the ``bench`` extra is installed.

It prints one line per page and extractor and the totals; nothing is timed.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

from ingest.extract import extract_article
from ingest.extract.body import strip_boilerplate_blocks, take_trailing_byline
from ingest.extract.decode import decode_page
from ingest.extract.fallback import density_blocks, trim_after
from ingest.extract.tree import parse

_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "dev-set"
_ATTR = re.compile(rb"""\s(class|id)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_HOOKS = re.compile(rb"""\s(?:itemprop|data-role|data-slot|role)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def rename_hooks(html: bytes) -> bytes:
    """The page with every class/id token replaced by a hash of it and the semantic hook attributes removed."""

    def token(m: re.Match[bytes]) -> bytes:
        value = m.group(2).strip(b"\"'")
        hashed = b" ".join(b"k" + hashlib.sha1(t).hexdigest()[:6].encode() for t in value.split())
        return b" " + m.group(1) + b'="' + hashed + b'"'

    return _HOOKS.sub(b"", _ATTR.sub(token, html))


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "").replace("\u00a0", " ")).strip()


def score(body: str | None, gold: dict[str, str]) -> tuple[bool, bool]:
    text, first, last = _norm(body), _norm(gold["body_first"]), _norm(gold["body_last"])
    i, j = text.find(first), text.rfind(last)
    return 0 <= i <= 1500, j >= 0 and len(text) - (j + len(last)) <= 250


def _pipeline(html: bytes, url: str) -> str | None:
    return extract_article(html, url).body


def _density(html: bytes, url: str) -> str | None:
    _, utf8, _ = decode_page(html)
    root = parse(utf8)
    if root is None:
        return None
    blocks = strip_boilerplate_blocks(density_blocks(root))
    blocks, _ = take_trailing_byline(blocks, root, lambda raw: False)
    blocks = trim_after(blocks)
    return "\n\n".join(b.text for b in blocks)


def _extractors() -> dict[str, Callable[[bytes, str], str | None]]:
    out: dict[str, Callable[[bytes, str], str | None]] = {"pipeline": _pipeline, "density": _density}
    try:
        import trafilatura
    except ImportError:
        return out

    def peer(html: bytes, url: str) -> str | None:
        text, _, _ = decode_page(html)
        result: str | None = trafilatura.extract(text, url=url)
        return result

    out["trafilatura"] = peer
    return out


def main(argv: list[str]) -> None:
    manifests = [Path(a) for a in argv] or [_DEV / "pages.jsonl", _DEV / "pages-more" / "pages.jsonl"]
    extractors = _extractors()
    totals: dict[tuple[str, str], list[int]] = {}
    for manifest in manifests:
        for line in manifest.read_text(encoding="utf-8").splitlines():
            gold = json.loads(line)
            if gold.get("type", "article") != "article":
                continue
            page = manifest.parent / gold["file"]
            if not page.exists():
                page = manifest.parent / Path(gold["file"]).name
            html = page.read_bytes()
            for variant, data in (("saved", html), ("renamed", rename_hooks(html))):
                marks = []
                for name, run in extractors.items():
                    start, end = score(run(data, gold.get("url") or ""), gold)
                    total = totals.setdefault((variant, name), [0, 0, 0])
                    total[0] += start
                    total[1] += end
                    total[2] += 1
                    marks.append(f"{name}={'S' if start else '-'}{'E' if end else '-'}")
                print(f"{page.name:28s} {variant:8s} {' '.join(marks)}")
    for (variant, name), (start, end, n) in sorted(totals.items()):
        print(f"{variant:8s} {name:12s} start {start}/{n}  end {end}/{n}")


if __name__ == "__main__":
    main(sys.argv[1:])
