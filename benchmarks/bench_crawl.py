"""Our full crawl (spider, extraction, pipelines, SQLite) vs a bare Scrapy spider over the same fixture site.

The fixture server (``python -m ingest.demo.server --generated N``) runs in its own process and serves a generated
WordPress site of N article pages (at least 2,000 at full size). Three crawls run against it, each a
``scrapy crawl`` / ``scrapy runspider`` subprocess with the same settings (throttling and delays off, the same
concurrency, robots.txt obeyed, telnet off):

1. **ours**: ``scrapy crawl kontumtv -a start_url=...`` into a fresh SQLite database; the server's access log gives
   every URL it requested (robots.txt, sitemaps, feed, REST API, listings, articles);
2. **bare**: :class:`BareSpider`, which downloads exactly those URLs and does nothing with them (no parsing, no
   items, no pipelines, no run recorder);
3. **profiled**: ours again under ``cProfile``, to split its CPU time between stages.

The figure is the ratio of pages per second, ours / bare (target at least 0.7): both moved the same URLs, so it
is the bare crawl's time over ours (Scrapy's ``elapsed_time_seconds``; process start-up is left out of both).
CPU milliseconds per article page per stage come from the profile: each function's own time goes to the stage of
its module (extract, normalize, dedup, store, spider, scrapy; module bodies run at import are start-up, left
out of the per-page figures); time in library code (lxml, SQLAlchemy, sqlite3,
re, ...) goes to the stages that called it, in proportion to the time each caller spent in it. The shares are
then scaled to the CPU time the unprofiled crawl really used (profiling inflates Python code unevenly).

The ratio above is the harsh comparison and the target: a loopback server answers at once, so any CPU we spend per
page shows. A second, clearly labelled comparison gives context: the same two crawls (same settings and
concurrency, the bare one over the URLs ours requested) against a fixture site that waits 150 ms before each answer
(``--latency-ms``). 150 ms is what a crawler sees from a provincial Vietnamese news site: a round trip of 30-80 ms
from a data centre in the region (more from Europe), plus a CMS on a shared VNPT/Viettel host taking 100 ms or more
to render an uncached page. It is not a target; it shows what share of a real crawl's time is ours.

Run: ``python -m benchmarks.bench_crawl`` (or ``make bench``). ``run_crawl`` is also used by ``bench_memory``.
"""

from __future__ import annotations

import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response

from benchmarks import ROOT, report, sized

BENCH = "crawl"
RATIO_TARGET = 0.7
PROFILE_PAGES = 600
# The context comparison: every response delayed this long (see the module docstring for why 150 ms).
LATENCY_MS = 150.0
LATENCY_PAGES = 1_000
SPIDER = "kontumtv"
# The same for every crawl of the comparison: no politeness delays against our own loopback server.
SETTINGS: dict[str, str] = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "RETRY_TIMES": "2",
    "TELNETCONSOLE_ENABLED": "0",
    "LOG_LEVEL": "WARNING",
    "HTTPCACHE_ENABLED": "0",
}
STAGES = ("extract", "normalize", "dedup", "store", "spider", "scrapy", "startup")
PER_PAGE_STAGES = STAGES[:-1]  # start-up (imports, migrations) is per crawl, not per page
# Module path fragments -> stage; the first match wins. Anything else inherits its callers' stages: so do w3lib and
# parsel, which Scrapy uses but so does our own code (canonical_url is w3lib's canonicalize_url underneath).
_STAGE_OF_PATH = (
    ("<frozen importlib", "startup"),
    ("/alembic/", "startup"),
    ("/ingest/extract/", "extract"),
    ("/ingest/normalize/", "normalize"),
    ("/pipelines/normalize.py", "normalize"),
    ("/pipelines/validate.py", "normalize"),
    ("/ingest/validate.py", "normalize"),
    ("/ingest/dedup.py", "dedup"),
    ("/pipelines/dedup.py", "dedup"),
    ("/ingest/db/", "store"),
    ("/pipelines/store.py", "store"),
    ("/ingest/runs.py", "store"),
    ("/ingest/rejects.py", "store"),
    ("/spiders/", "spider"),
    ("/ingest/discovery.py", "spider"),
    ("/ingest/registry.py", "spider"),
    ("/ingest/items.py", "spider"),
    ("/site-packages/scrapy/", "scrapy"),
    ("/site-packages/twisted/", "scrapy"),
    ("/lib/python3.11/asyncio/", "scrapy"),
)


class BareSpider(scrapy.Spider):
    """Downloads the URLs listed in ``urls_file`` (one a line) and does nothing else: the peer of our crawl.

    ``at_once``: hand every URL but the first to the scheduler at once, from the first response's callback, as a
    sitemap's callback hands over its entries, so the peer's queue holds what ours holds. Without it the URLs come
    from ``start()``, which Scrapy (2.13+) reads lazily, only when the downloader has room: the queue stays a few
    requests long whatever the crawl's size (the memory bench measured 1.4 KB per queued request that the peer
    never held)."""

    name = "bare"

    def __init__(self, urls_file: str = "", stats_file: str = "", at_once: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = [u for u in Path(urls_file).read_text(encoding="utf-8").split() if u]
        self.stats_file = stats_file
        self.at_once = bool(at_once)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Through Scrapy's duplicate filter like any crawl's requests (the list is distinct, so none is dropped).
        if self.at_once:
            if self.urls:
                yield scrapy.Request(self.urls[0], callback=self.hand_over)
            return
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)

    def hand_over(self, response: Response) -> Iterator[scrapy.Request]:
        for url in self.urls[1:]:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Response) -> None:
        return None

    def closed(self, reason: str) -> None:
        if self.stats_file and self.crawler.stats is not None:
            Path(self.stats_file).write_text(json.dumps(self.crawler.stats.get_stats(), default=str))


# Unprofiled crawls of this process by generated-site size, so bench_memory can reuse the crawl bench's run.
FINISHED: dict[int, Crawl] = {}
# The paths (URLs less the server's root) our unprofiled crawl of each size requested, for bench_memory's peer.
FINISHED_PATHS: dict[int, list[str]] = {}
_SERVED: dict[str, int] = {}


def _site_pages(base_url: str) -> int:
    return _SERVED.get(base_url, 0)


@dataclass
class Crawl:
    """One finished crawl subprocess."""

    returncode: int
    stats: dict[str, Any]
    cpu_s: float  # user + system CPU seconds of the crawl process
    max_rss_mb: float
    wall_s: float
    log: str

    @property
    def elapsed_s(self) -> float:
        return float(self.stats.get("elapsed_time_seconds") or self.wall_s)

    @property
    def responses(self) -> int:
        return int(self.stats.get("downloader/response_count", 0))


def _settings_args(settings: dict[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in settings.items():
        args += ["-s", f"{key}={value}"]
    return args


def _env() -> dict[str, str]:
    # The crawl must not pick up a developer's INGEST_* (their database, redis) nor our bench scale.
    return {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")} | {"PYTHONPATH": str(ROOT)}


# Runs the command as its child and writes the child's exit code, CPU time and peak RSS as JSON. The extra process
# matters: Linux carries a process's peak RSS over from the parent it was forked from, so a crawl forked straight
# from the harness (which may hold a million synthetic records) would report the harness's peak, not its own.
_MEASURE = """
import json, os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"code": os.waitstatus_to_exitcode(status), "cpu": usage.ru_utime + usage.ru_stime,
               "maxrss_kb": usage.ru_maxrss}, out)
"""


def run_process(command: Sequence[str], log_path: Path) -> tuple[int, float, float, float]:
    """Run ``command`` in the repository; (exit code, CPU seconds, peak RSS in MB, wall seconds) of that process."""
    usage_path = log_path.with_suffix(".usage.json")
    start = time.perf_counter()
    with log_path.open("w") as log:
        subprocess.run(
            [sys.executable, "-c", _MEASURE, str(usage_path), *command],
            cwd=ROOT, env=_env(), stdout=log, stderr=subprocess.STDOUT, check=False,
        )  # fmt: skip
    wall = time.perf_counter() - start
    usage = json.loads(usage_path.read_text())
    return int(usage["code"]), float(usage["cpu"]), usage["maxrss_kb"] / 1024, wall


def run_crawl(
    base_url: str, db_path: Path, work: Path, *, profile: Path | None = None, extra: dict[str, str] | None = None
) -> Crawl:
    """Our crawl of the fixture site into a fresh SQLite database at ``db_path`` (``extra``: more settings)."""
    stats_path = work / f"{db_path.stem}-stats.json"
    prefix = [sys.executable, "-m", "cProfile", "-o", str(profile)] if profile else [sys.executable]
    command = [
        *prefix, "-m", "scrapy", "crawl", SPIDER, "-a", f"start_url={base_url}",
        *_settings_args({**SETTINGS, "INGEST_DB_URL": f"sqlite:///{db_path}", "INGEST_STATS_FILE": str(stats_path),
                         **(extra or {})}),
    ]  # fmt: skip
    log_path = work / f"{db_path.stem}.log"
    code, cpu, rss, wall = run_process(command, log_path)
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    crawl = Crawl(code, stats, cpu, rss, wall, log_path.read_text(errors="replace")[-3000:])
    if profile is None and not extra and code == 0:
        FINISHED[_site_pages(base_url)] = crawl
    return crawl


def run_bare(urls: Sequence[str], work: Path, *, at_once: bool = False) -> Crawl:
    """The bare spider over ``urls`` with the same settings (no pipelines, no run recorder); ``at_once``: queued
    all at once from a callback (:class:`BareSpider`)."""
    urls_path, stats_path, log_path = work / "bare-urls.txt", work / "bare-stats.json", work / "bare.log"
    urls_path.write_text("\n".join(urls))
    command = [
        sys.executable, "-m", "scrapy", "runspider", __file__, "-a", f"urls_file={urls_path}",
        "-a", f"stats_file={stats_path}", *(["-a", "at_once=1"] if at_once else []),
        *_settings_args({**SETTINGS, "ITEM_PIPELINES": "{}", "EXTENSIONS": "{}", "ADDONS": "{}"}),
    ]  # fmt: skip
    code, cpu, rss, wall = run_process(command, log_path)
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    return Crawl(code, stats, cpu, rss, wall, log_path.read_text(errors="replace")[-3000:])


@contextmanager
def fixture_server(pages: int, access_log: Path, *, latency_ms: float = 0) -> Iterator[str]:
    """The generated fixture site in its own process, answering after ``latency_ms``; yields its base URL."""
    command = [sys.executable, "-m", "ingest.demo.server", "--generated", str(pages), "--port", "0",
               "--access-log", str(access_log), "--latency-ms", str(latency_ms), "--stop-on-eof"]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        if not base.startswith("http"):
            raise RuntimeError(f"fixture server did not start: {base!r}")
        if not latency_ms:
            _SERVED[base] = pages  # bench_memory reuses the zero-latency crawls only
        yield base
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def requested_urls(base_url: str, access_log: Path, since_line: int = 0) -> list[str]:
    """Distinct GET targets in the server's access log (from line ``since_line``), as absolute URLs, in order."""
    lines = access_log.read_text(encoding="utf-8").splitlines()[since_line:]
    targets = [parts[2] for parts in (line.split(" ") for line in lines) if len(parts) >= 4 and parts[1] == "GET"]
    root = base_url.rstrip("/")
    return list(dict.fromkeys(f"{root}{t}" for t in targets))


def stage_shares(profile: Path) -> dict[str, float]:
    """Share of the profiled CPU time per stage (sums to 1); see the module docstring for the attribution."""
    raw: dict[Any, Any] = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]

    def known(func: Any) -> str | None:
        if func[2] == "<module>":
            return "startup"  # a module body runs once, at import, wherever the import happens
        path = func[0].replace("\\", "/")
        for fragment, stage in _STAGE_OF_PATH:
            if fragment in path:
                return stage
        return None

    # A function of no stage takes its callers' stages, weighted by the time each caller spent in it: a fixed
    # point, found by iterating, because library code calls itself in cycles (SQLAlchemy's compiler, lxml
    # callbacks). A depth-first walk that cuts cycles would leave such functions with no caller and file them
    # under "scrapy" (it did: half the store's SQLAlchemy time was reported as Scrapy's).
    dist: dict[Any, dict[str, float]] = {func: {known(func) or "scrapy": 1.0} for func in raw}
    unknown = [func for func in raw if known(func) is None]
    for _ in range(100):
        change = 0.0
        for func in unknown:
            weights = {c: edge[3] for c, edge in raw[func][4].items() if c != func and c in dist}
            total = sum(weights.values())
            if total <= 0:
                continue  # the event loop's own top level: stays "scrapy"
            acc: dict[str, float] = defaultdict(float)
            for caller, weight in weights.items():
                for stage, share in dist[caller].items():
                    acc[stage] += share * weight / total
            old = dist[func]
            change = max(change, *(abs(acc.get(k, 0.0) - old.get(k, 0.0)) for k in acc.keys() | old.keys()))
            dist[func] = dict(acc)
        if change < 1e-4:
            break
    totals: dict[str, float] = defaultdict(float)
    for func, (_cc, _nc, tt, _ct, _callers) in raw.items():
        for stage, share in dist[func].items():
            totals[stage] += tt * share
    grand = sum(totals.values()) or 1.0
    return {stage: totals.get(stage, 0.0) / grand for stage in STAGES}


def _article_pages(crawl: Crawl) -> int:
    return int(crawl.stats.get("item_scraped_count", 0)) + sum(
        int(v) for k, v in crawl.stats.items() if k.startswith("ingest/dropped/") and k.count("/") == 2
    )


def main() -> None:
    """Print pages/s ours vs bare, the ratio, and CPU ms per article page per stage."""
    pages = sized(2_000, 500, 20)
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        work = Path(tmp)
        access_log = work / "access.log"
        with fixture_server(pages, access_log) as base:
            ours = run_crawl(base, work / "ours.db", work)
            if ours.returncode != 0:
                raise RuntimeError(f"our crawl failed ({ours.returncode}):\n{ours.log}")
            urls = requested_urls(base, access_log)
            FINISHED_PATHS[pages] = [u[len(base.rstrip("/")) :] for u in urls]
            mark = len(access_log.read_text().splitlines())
            bare = run_bare(urls, work)
            if bare.returncode != 0:
                raise RuntimeError(f"bare crawl failed ({bare.returncode}):\n{bare.log}")
            bare_hits = len(access_log.read_text().splitlines()) - mark
            # The profile only gives shares; a few hundred pages are enough for them and save minutes.
            limit = {"CLOSESPIDER_ITEMCOUNT": str(PROFILE_PAGES)} if pages > PROFILE_PAGES else {}
            profiled = run_crawl(base, work / "profiled.db", work, profile=work / "crawl.prof", extra=limit)
            shares = stage_shares(work / "crawl.prof") if profiled.returncode == 0 else {}
    articles = _article_pages(ours)
    stored = int(ours.stats.get("ingest/stored", 0)) + int(ours.stats.get("ingest/duplicate_near", 0))
    ours_rate, bare_rate = ours.responses / ours.elapsed_s, bare.responses / bare.elapsed_s
    ratio = ours_rate / bare_rate
    print(f"fixture site: {pages:,} generated article pages; our crawl requested {len(urls):,} URLs "
          f"({articles:,} article pages reached the pipelines, {stored:,} stored); "
          f"bare spider: {bare_hits:,} requests")  # fmt: skip
    print(f"{'crawl':<8}{'responses':>10}{'seconds':>9}{'pages/s':>9}{'CPU s':>8}{'peak MB':>9}")
    for label, crawl in (("ours", ours), ("bare", bare)):
        print(f"{label:<8}{crawl.responses:>10,}{crawl.elapsed_s:>9.1f}{crawl.responses / crawl.elapsed_s:>9.0f}"
              f"{crawl.cpu_s:>8.1f}{crawl.max_rss_mb:>9.0f}")  # fmt: skip
    verdict = "meets" if ratio >= RATIO_TARGET else "MISSES"
    print(f"pages/s ratio ours / bare: {ratio:.2f} ({verdict} the {RATIO_TARGET} target)")
    report(BENCH, "pages/s", ours_rate, "pages/s", note=f"{ours.responses:,} responses, {articles:,} articles")
    report(BENCH, "pages/s, bare Scrapy peer", bare_rate, "pages/s", note="same URLs, same server and settings")
    report(BENCH, "pages/s ratio ours / bare", ratio, "x", target=f"≥ {RATIO_TARGET}", met=ratio >= RATIO_TARGET)
    startup = shares.get("startup", 0.0)
    per_page = ours.cpu_s * (1 - startup) * 1000 / max(articles, 1)
    bare_per_page = bare.cpu_s * 1000 / max(bare.responses, 1)
    report(BENCH, "CPU per article page, whole crawl", per_page, "ms",
           note=f"start-up excluded; bare: {bare_per_page:.2f} ms/response incl. start-up")  # fmt: skip
    if shares:
        print(f"CPU ms per article page by stage (profile shares x {ours.cpu_s:.1f} s unprofiled CPU, "
              f"start-up {100 * startup:.0f}% left out):")  # fmt: skip
        for stage in PER_PAGE_STAGES:
            ms = shares[stage] * ours.cpu_s * 1000 / max(articles, 1)
            print(f"  {stage:<10}{ms:>8.2f} ms  {100 * shares[stage]:>5.1f}%")
            report(BENCH, f"CPU/page: {stage}", ms, "ms", note=f"{100 * shares[stage]:.0f}% of the crawl's CPU")
    else:
        print(f"profiled crawl failed ({profiled.returncode}):\n{profiled.log}")
    if ratio < RATIO_TARGET:
        print(f"MISSED: ours runs at {ratio:.2f} of the bare crawl's pages/s (target {RATIO_TARGET})")
    with_latency()


def with_latency() -> None:
    """The context row: the same two crawls against the fixture site answering after LATENCY_MS (no target)."""
    pages = sized(LATENCY_PAGES, 300, 20)
    with tempfile.TemporaryDirectory(prefix="bench-crawl-latency-") as tmp:
        work = Path(tmp)
        access_log = work / "access.log"
        with fixture_server(pages, access_log, latency_ms=LATENCY_MS) as base:
            ours = run_crawl(base, work / "ours-latency.db", work)
            if ours.returncode != 0:
                raise RuntimeError(f"our crawl with latency failed ({ours.returncode}):\n{ours.log}")
            bare = run_bare(requested_urls(base, access_log), work)
            if bare.returncode != 0:
                raise RuntimeError(f"bare crawl with latency failed ({bare.returncode}):\n{bare.log}")
    ours_rate, bare_rate = ours.responses / ours.elapsed_s, bare.responses / bare.elapsed_s
    print(f"with {LATENCY_MS:.0f} ms per response ({pages:,}-page site, same concurrency): "
          f"ours {ours_rate:.0f} pages/s, bare {bare_rate:.0f} pages/s, ratio {ours_rate / bare_rate:.2f}")  # fmt: skip
    note = f"{LATENCY_MS:.0f} ms per response; context, not the target"
    report(BENCH, f"pages/s at {LATENCY_MS:.0f} ms latency", ours_rate, "pages/s", note=f"{ours.responses:,} responses")
    report(BENCH, f"pages/s at {LATENCY_MS:.0f} ms latency, bare", bare_rate, "pages/s", note="same URLs")
    report(BENCH, f"pages/s ratio at {LATENCY_MS:.0f} ms latency", ours_rate / bare_rate, "x", note=note)


if __name__ == "__main__":
    main()
