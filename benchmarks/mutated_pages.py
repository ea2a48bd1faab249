"""Every field of ``ingest extract``, lead included, on real pages as saved and turned into unknown layouts.

Run: ``python -m benchmarks.mutated_pages [MANIFEST.jsonl ...]`` (default: the dev set's ``pages.jsonl`` and
``pages-more/pages.jsonl``; add manifests such as ``benchmarks/evalset/articles.jsonl`` on the command line).

Each article page is extracted three times: as saved; ``renamed`` (every class/id token hashed, ``itemprop``,
``data-role``, ``data-slot`` and ``role`` dropped: see ``benchmarks.fallback_body.rename_hooks``), which turns a
known CMS into an unknown one; and ``bare`` (renamed, and its JSON-LD removed). Fields are scored with
``score_pages.py``'s rules (read from the dev set, ``INGEST_DEV_SET``), plus:

- ``lead``: the manifest's ``lead`` is null and no lead is given, or the lead starts as the gold one does (its
  first 80 characters, case and punctuation aside);
- ``no_repeat``: the body does not start with the lead.

It prints the failures, then one line of totals per manifest and variant; nothing is timed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import unicodedata
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.fallback_body import rename_hooks
from ingest.cli.extract import extract_record

_DEV = Path(os.environ.get("INGEST_DEV_SET", Path(__file__).resolve().parent.parent.parent / "shared" / "dev-set"))
_LD = re.compile(rb"<script[^>]*application/ld\+json[^>]*>.*?</script>", re.S | re.I)
FIELDS = ("title", "date_day", "datetime_minute_tz", "authors", "body_start", "body_end", "lead", "no_repeat")
VARIANTS = ("saved", "renamed", "bare")


def _score_pages() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_pages", _DEV / "score_pages.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {_DEV / 'score_pages.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _key(text: str | None) -> str:
    text = unicodedata.normalize("NFC", text or "").replace("\u00a0", " ").casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def mutate(html: bytes, variant: str) -> bytes:
    """The page as saved, renamed (an unknown CMS), or renamed without its JSON-LD."""
    if variant == "saved":
        return html
    renamed = rename_hooks(html)
    return _LD.sub(b"", renamed) if variant == "bare" else renamed


def lead_ok(gold: str | None, lead: str | None) -> bool:
    """No lead where there is none; else the lead starts as the gold one (80 characters, or the shorter)."""
    if not gold:
        return not lead
    want, got = _key(gold)[:80], _key(lead)
    return bool(got) and (got.startswith(want) or (len(got) >= 40 and want.startswith(got[:80])))


def score(gold: dict[str, Any], out: dict[str, Any], pages: ModuleType) -> dict[str, bool]:
    result: dict[str, bool] = pages.score(gold, out)
    result["lead"] = lead_ok(gold.get("lead"), out.get("lead"))
    lead = _key(out.get("lead"))
    result["no_repeat"] = not lead or not _key(out.get("body")).startswith(lead[:60])
    return result


def main(argv: list[str]) -> None:
    manifests = [Path(a) for a in argv] or [_DEV / "pages.jsonl", _DEV / "pages-more" / "pages.jsonl"]
    pages = _score_pages()
    totals: dict[tuple[str, str, str], list[int]] = {}
    for variant in VARIANTS:
        for manifest in manifests:
            for line in manifest.read_text(encoding="utf-8").splitlines():
                gold = json.loads(line)
                if gold.get("type", "article") != "article":
                    continue
                page = manifest.parent / gold["file"]
                html = mutate(page.read_bytes(), variant)
                fetched = datetime.fromisoformat(gold.get("fetched_at") or gold["published"])
                out = extract_record(html, gold.get("url") or "", fetched_at=fetched)
                result = score(gold, out, pages)
                for name in FIELDS:
                    total = totals.setdefault((variant, str(manifest), name), [0, 0])
                    total[0] += result[name]
                    total[1] += 1
                failed = [name for name in FIELDS if not result[name]]
                if failed:
                    print(f"{variant:8s} {page.name:28s} failed: {', '.join(failed)}")
    for variant in VARIANTS:
        for manifest in manifests:
            cells = " ".join(f"{n}={totals[(variant, str(manifest), n)][0]}/{totals[(variant, str(manifest), n)][1]}"
                             for n in FIELDS)  # fmt: skip
            print(f"{variant:8s} {manifest.parent.name}/{manifest.name}: {cells}")


if __name__ == "__main__":
    main(sys.argv[1:])
