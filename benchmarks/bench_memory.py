"""Peak memory of our crawl: 2,000 vs 20,000 article pages, each crawl in its own process.

The crawl is ``bench_crawl.run_crawl`` (the real spider, pipelines and SQLite store, throttling off) against the
generated fixture site served by its own process; the peak resident set size is the kernel's ``ru_maxrss`` of the
crawl process. A crawl whose memory grows with the number of pages (items kept, an unbounded cache) shows up as a
ratio well above 1; what may grow is Scrapy's own bookkeeping (the scheduler queue and the duplicate filter's
request fingerprints, about a hundred bytes per URL), so the figure is also given per extra page.

Run: ``python -m benchmarks.bench_memory`` (or ``make bench``).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from benchmarks import report, sized
from benchmarks.bench_crawl import FINISHED, Crawl, fixture_server, run_crawl

BENCH = "memory"
# Peak RSS of the large crawl over the small one: allows Scrapy's per-URL bookkeeping, not per-page leaks.
GROWTH_TARGET = 1.25


def crawl(pages: int, work: Path) -> Crawl:
    """One crawl of a fresh generated site of ``pages`` articles into a fresh database (or the crawl bench's run
    of the same size in this process: the same command, so the same peak)."""
    if pages in FINISHED:
        print(f"(the {pages:,}-page crawl is the crawl bench's run of this process)")
        return FINISHED[pages]
    with fixture_server(pages, work / f"access-{pages}.log") as base:
        result = run_crawl(base, work / f"memory-{pages}.db", work)
    if result.returncode != 0:
        raise RuntimeError(f"crawl of {pages} pages failed ({result.returncode}):\n{result.log}")
    return result


def sizes() -> tuple[int, int]:
    """(small, large) crawl sizes in pages for this run's scale."""
    return sized(2_000, 500, 20), sized(20_000, 5_000, 40)


class Background:
    """The large crawl running in a thread (its own processes), started by the harness while untimed work runs."""

    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.result: Crawl | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"memory-crawl-{pages}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
                self.result = crawl(self.pages, Path(tmp))
        except BaseException as exc:  # handed to main(), which raises it
            self.error = exc

    def join(self) -> Crawl:
        self._thread.join()
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


_background: list[Background] = []


def start_background() -> Background:
    """Start the large crawl now. Only peak memory is read from it, and memory does not depend on how busy the
    CPUs are, so the harness overlaps it with the untimed building of the query and dedup databases."""
    job = Background(sizes()[1])
    _background.append(job)
    return job


def wait_background() -> None:
    """Wait for a large crawl started by :func:`start_background` (the timed benches must run on quiet CPUs)."""
    for job in _background:
        job._thread.join()


def main() -> None:
    """Print peak RSS for the small and the large crawl, their ratio and the growth per extra page."""
    small_n, large_n = sizes()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        small = crawl(small_n, Path(tmp))
        started = [job for job in _background if job.pages == large_n]
        if started:
            print(f"(the {large_n:,}-page crawl ran while the harness built the query and dedup databases)")
        large = started[0].join() if started else crawl(large_n, Path(tmp))
        _background.clear()
    print(f"{'pages':>8}{'items':>8}{'seconds':>9}{'peak RSS MB':>13}")
    for n, c in ((small_n, small), (large_n, large)):
        items = int(c.stats.get("item_scraped_count", 0))
        print(f"{n:>8,}{items:>8,}{c.elapsed_s:>9.1f}{c.max_rss_mb:>13.0f}")
    ratio = large.max_rss_mb / small.max_rss_mb
    per_page_kb = (large.max_rss_mb - small.max_rss_mb) * 1024 / (large_n - small_n)
    print(f"peak RSS {large_n:,} / {small_n:,} pages: {ratio:.2f}x ({per_page_kb:.2f} KB per extra page)")
    report(BENCH, f"peak RSS, {small_n:,} pages", small.max_rss_mb, "MB")
    report(BENCH, f"peak RSS, {large_n:,} pages", large.max_rss_mb, "MB", note=f"{large.elapsed_s:.0f} s crawl")
    report(BENCH, f"peak RSS ratio {large_n:,} / {small_n:,}", ratio, "x", target=f"≤ {GROWTH_TARGET}x",
           met=ratio <= GROWTH_TARGET, note=f"{per_page_kb:.2f} KB per extra page")  # fmt: skip
    if ratio > GROWTH_TARGET:
        print(f"MISSED: peak RSS grew {ratio:.2f}x from {small_n:,} to {large_n:,} pages")


if __name__ == "__main__":
    main()
