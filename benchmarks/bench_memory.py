"""Peak memory of our crawl: 2,000 vs 20,000 article pages, each crawl in its own process.

The crawl is ``bench_crawl.run_crawl`` (the real spider, pipelines and SQLite store, throttling off) against the
generated fixture site served by its own process; the peak resident set size is the kernel's ``ru_maxrss`` of the
crawl process. What may grow is Scrapy's own bookkeeping: the scheduler queue (a sitemap hands over all 20,000
article URLs at once, about 1.4 KB per queued request: the request, its headers, parsed URL and fingerprint) and the
duplicate filter. The peer measures exactly that: the bare spider of ``bench_crawl`` downloading the URLs our crawl
requested, at both sizes, handed to the scheduler at once from a callback as a sitemap's are (``at_once``; from
``start()``, which Scrapy reads lazily, its queue stayed short and ours was charged for Scrapy's queue). The figure
is our growth per extra page beyond the bare spider's; a crawl that kept items or pages in memory would show several
KB per page.

Run: ``python -m benchmarks.bench_memory`` (or ``make bench``).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from benchmarks import report, sized
from benchmarks.bench_crawl import FINISHED, FINISHED_PATHS, Crawl, fixture_server, requested_urls, run_bare, run_crawl

BENCH = "memory"
# Peak RSS growth per extra page beyond the bare spider's (Scrapy's own queue and duplicate filter, measured over
# the same URLs): an article kept in memory would cost several KB (its text, let alone its HTML), so 1 KB allows
# noise but no per-page leak.
BEYOND_TARGET_KB = 1.0


def crawl(pages: int, work: Path) -> tuple[Crawl, Crawl]:
    """Our crawl of a fresh generated site of ``pages`` articles into a fresh database, then the bare spider over
    the URLs ours requested (or the crawl bench's runs of the same size in this process: the same commands)."""
    access_log = work / f"access-{pages}.log"
    with fixture_server(pages, access_log) as base:
        if pages in FINISHED and pages in FINISHED_PATHS:
            # The crawl bench's run of this size; its bare peer read start() lazily, so this one runs here.
            print(f"(the {pages:,}-page crawl of ours is the crawl bench's run of this process)")
            ours = FINISHED[pages]
            urls = [base.rstrip("/") + path for path in FINISHED_PATHS[pages]]
        else:
            ours = run_crawl(base, work / f"memory-{pages}.db", work)
            if ours.returncode != 0:
                raise RuntimeError(f"crawl of {pages} pages failed ({ours.returncode}):\n{ours.log}")
            urls = requested_urls(base, access_log)
        bare = run_bare(urls, work, at_once=True)
    if bare.returncode != 0:
        raise RuntimeError(f"bare crawl of {pages} pages failed ({bare.returncode}):\n{bare.log}")
    return ours, bare


def sizes() -> tuple[int, int]:
    """(small, large) crawl sizes in pages for this run's scale."""
    return sized(2_000, 500, 20), sized(20_000, 5_000, 40)


class Background:
    """The large crawl running in a thread (its own processes), started by the harness while untimed work runs."""

    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.result: tuple[Crawl, Crawl] | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"memory-crawl-{pages}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
                self.result = crawl(self.pages, Path(tmp))
        except BaseException as exc:  # handed to main(), which raises it
            self.error = exc

    def join(self) -> tuple[Crawl, Crawl]:
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
    """Print peak RSS of ours and bare Scrapy at both sizes, and how much more ours grows per extra page."""
    small_n, large_n = sizes()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        small, small_bare = crawl(small_n, Path(tmp))
        started = [job for job in _background if job.pages == large_n]
        if started:
            print(f"(the {large_n:,}-page crawls ran while the harness built the query and dedup databases)")
        large, large_bare = started[0].join() if started else crawl(large_n, Path(tmp))
        _background.clear()
    print(f"{'pages':>8}{'items':>8}{'seconds':>9}{'ours MB':>9}{'bare MB':>9}")
    for n, c, b in ((small_n, small, small_bare), (large_n, large, large_bare)):
        items = int(c.stats.get("item_scraped_count", 0))
        print(f"{n:>8,}{items:>8,}{c.elapsed_s:>9.1f}{c.max_rss_mb:>9.0f}{b.max_rss_mb:>9.0f}")
    extra = large_n - small_n
    ours_kb = (large.max_rss_mb - small.max_rss_mb) * 1024 / extra
    bare_kb = (large_bare.max_rss_mb - small_bare.max_rss_mb) * 1024 / extra
    beyond = ours_kb - bare_kb
    ratio = large.max_rss_mb / small.max_rss_mb
    print(f"peak RSS {large_n:,} / {small_n:,} pages: ours {ratio:.2f}x ({ours_kb:.2f} KB per extra page), "
          f"bare Scrapy {bare_kb:.2f} KB per extra page (its queue and duplicate filter)")  # fmt: skip
    print(f"growth beyond bare Scrapy's: {beyond:.2f} KB per extra page (target ≤ {BEYOND_TARGET_KB} KB)")
    report(BENCH, f"peak RSS, {small_n:,} pages", small.max_rss_mb, "MB", note=f"bare: {small_bare.max_rss_mb:.0f} MB")
    report(BENCH, f"peak RSS, {large_n:,} pages", large.max_rss_mb, "MB",
           note=f"bare: {large_bare.max_rss_mb:.0f} MB; {large.elapsed_s:.0f} s crawl")  # fmt: skip
    report(BENCH, f"peak RSS ratio {large_n:,} / {small_n:,}", ratio, "x", note=f"{ours_kb:.2f} KB per extra page")
    report(BENCH, "RSS growth beyond bare Scrapy's", beyond, "KB/page", target=f"≤ {BEYOND_TARGET_KB} KB/page",
           met=beyond <= BEYOND_TARGET_KB, note=f"bare Scrapy: {bare_kb:.2f} KB/page")  # fmt: skip
    if beyond > BEYOND_TARGET_KB:
        print(f"MISSED: our crawl grows {beyond:.2f} KB per extra page more than bare Scrapy's")


if __name__ == "__main__":
    main()
