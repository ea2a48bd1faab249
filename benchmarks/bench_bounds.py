"""Time of the inputs that could blow up: the limits the tests once asserted with a clock, measured here instead.

Run: ``python -m benchmarks.bench_bounds`` (or ``make bench``). The tests check these properties as bounded work
(``tests/work.py``: twice the input, about twice the Python steps), which holds on any machine; what steps cannot
see is time spent in C (a regular expression's backtracking, lxml's parser), so the wall time of each is reported
here, against the limit the test used to assert:

- every normaliser on each adversarial string (long runs of separators, digits, cue words): worst ms, < 1000;
- the legacy-font detector on ~1.5 MB of VNI text: ms, < 5000;
- extraction + normalisation of a ~10 MB article page: s, < 30;
- start-up of the 20000-post generated fixture site: s, < 10;
- ``ingest crawl`` refused because another run holds the lock: s, < 10.

A missed limit is reported as MISSED, never asserted: on a loaded machine a figure can be slow for no fault of
the code, which is why no test asserts it.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import ROOT, report, sized
from ingest.demo.server import serve
from ingest.extract import extract_article
from ingest.extract.legacy import detect_legacy_font
from ingest.normalize import (
    VN_TZ,
    canonical_url,
    find_dateline,
    normalize_article,
    normalize_text,
    parse_byline,
    parse_date,
    search_key,
)
from tests.hostile import pages
from tests.hostile.legacy_text import vni
from tests.normalize.test_properties import ADVERSARIAL

CRAWLED = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)
LEGACY_TEXT = "Người dân Việt Nam đón Tết cổ truyền, đường phố rực rỡ cờ hoa."


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _normalisers(text: str) -> None:
    reference = datetime(2026, 3, 10, tzinfo=VN_TZ)
    parse_date(text, reference=reference)
    find_dateline(text, reference=reference)
    parse_byline(text)
    normalize_text(text)
    search_key(text)
    canonical_url(text)


def _extract(page: bytes) -> None:
    extracted = extract_article(page, "http://127.0.0.1/a/bai-1.html", fetched_at=CRAWLED)
    normalize_article(asdict(extracted), reference=CRAWLED)


def _start_generated_site(posts: int) -> None:
    _, stop = serve(port=0, generated=posts)
    stop()


def _refused_crawl() -> float:
    """Seconds for ``ingest crawl`` to exit while this process holds its lock file."""
    ingest = str(Path(sys.executable).with_name("ingest"))
    with tempfile.TemporaryDirectory(prefix="bench-bounds-") as tmp:
        lock = Path(tmp) / "crawl.lock"
        with lock.open("a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            command = [ingest, "crawl", "kontumtv", "--lock-file", str(lock), "--db", f"sqlite:///{tmp}/n.db"]
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, capture_output=True, check=False, timeout=120)
            return time.perf_counter() - start


def main() -> None:
    """Print and report the wall time of each bounded input against its limit."""
    repeat = sized(4, 2, 1)
    worst_ms = 0.0
    for text in ADVERSARIAL:
        start = time.perf_counter()
        _normalisers(text * repeat)
        worst_ms = max(worst_ms, 1000 * (time.perf_counter() - start))
    legacy = (vni(LEGACY_TEXT) + " ") * sized(20_000, 5_000, 200)
    legacy_ms = 1000 * _seconds(lambda: detect_legacy_font(legacy))
    page = pages.huge_page(sized(10 * 1024, 2 * 1024, 256) * 1024)
    page_s = _seconds(lambda: _extract(page))
    posts = sized(20_000, 5_000, 200)
    site_s = _seconds(lambda: _start_generated_site(posts))
    refused_s = _refused_crawl()
    rows = [
        ("normalisers, worst adversarial input (ms)", worst_ms, "ms", "< 1000 ms", worst_ms < 1000),
        (f"legacy-font detector, {len(legacy) // 1024} kB (ms)", legacy_ms, "ms", "< 5000 ms", legacy_ms < 5000),
        (f"extract+normalise a {len(page) // 1024} kB page (s)", page_s, "s", "< 30 s", page_s < 30),
        (f"start a generated site of {posts} posts (s)", site_s, "s", "< 10 s", site_s < 10),
        ("`ingest crawl` refused by the lock (s)", refused_s, "s", "< 10 s", refused_s < 10),
    ]
    for name, value, unit, target, met in rows:
        report("bounds", name, value, unit, target=target, met=met)
        print(f"{name:<52}{value:>10.2f}  target {target:<10} {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
