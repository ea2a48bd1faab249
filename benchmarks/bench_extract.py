"""extract_article against trafilatura.bare_extraction + htmldate.find_date on the dev set's article pages.

Run: ``python -m benchmarks.bench_extract`` (or ``make bench``). Both sides get the same bytes in the same run,
one page at a time on one core; each page is timed ``REPEATS`` times and its fastest run kept (noise from other
processes only ever adds time), then the median over pages is printed with the ratio. The dev set is read from
``../shared/dev-set`` beside the checkout, or from ``$INGEST_DEV_SET``.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ingest.extract import extract_article

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5


def dev_set_pages() -> list[tuple[str, bytes, str, datetime]]:
    """(name, html, url, fetched_at) for every article page of the shared dev set."""
    base = Path(os.environ.get("INGEST_DEV_SET", ROOT.parent / "shared" / "dev-set"))
    pages = []
    for line in (base / "pages.jsonl").read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        if gold.get("type", "article") != "article":
            continue
        reference = datetime.fromisoformat(gold.get("fetched_at") or gold["published"])
        pages.append((Path(gold["file"]).name, (base / gold["file"]).read_bytes(), gold.get("url") or "", reference))
    return pages


def _ours(html: bytes, url: str, fetched: datetime) -> Any:
    return extract_article(html, url, fetched_at=fetched)


def _theirs(html: bytes, url: str, fetched: datetime) -> Any:
    import trafilatura
    from htmldate import find_date

    text = html.decode("utf-8", errors="replace")
    doc = trafilatura.bare_extraction(text, url=url or None, with_metadata=True)
    return doc, find_date(text, outputformat="%Y-%m-%dT%H:%M:%S%z", extensive_search=True)


def _best_ms(fn: Callable[[bytes, str, datetime], Any], page: tuple[str, bytes, str, datetime]) -> float:
    _, html, url, fetched = page
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(html, url, fetched)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def run() -> dict[str, Any]:
    """Per-page and median milliseconds for both extractors."""
    pages = dev_set_pages()
    logging.disable(logging.WARNING)  # trafilatura/htmldate log every odd page; the figures are what matter
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for page in pages:
            _ours(page[1], page[2], page[3])  # warm caches (selector compilation) outside the timing
            _theirs(page[1], page[2], page[3])
            rows.append((page[0], _best_ms(_ours, page), _best_ms(_theirs, page)))
    logging.disable(logging.NOTSET)
    ours = statistics.median(r[1] for r in rows)
    theirs = statistics.median(r[2] for r in rows)
    return {"pages": rows, "ours_ms": ours, "theirs_ms": theirs, "ratio": theirs / ours if ours else float("inf")}


def main() -> None:
    """Print the comparison table and the median ratio (target: at least 3x faster)."""
    result = run()
    print("extract_article vs trafilatura.bare_extraction + htmldate.find_date (best of", REPEATS, "runs, ms)")
    print(f"{'page':24s} {'ours':>8s} {'theirs':>8s}")
    for name, ours, theirs in result["pages"]:
        print(f"{name:24s} {ours:8.1f} {theirs:8.1f}")
    print(f"{'median':24s} {result['ours_ms']:8.1f} {result['theirs_ms']:8.1f}")
    verdict = "meets" if result["ratio"] >= 3 else "MISSES"
    print(f"ratio: {result['ratio']:.1f}x faster ({verdict} the 3x target)")


if __name__ == "__main__":
    main()
