"""Near-duplicate lookup cost against 10 k, 100 k and 1 M stored fingerprints: it must stay flat (LSH bands).

Each size is its own SQLite database in the store's schema: ``articles`` rows carrying random 64-bit SimHash
fingerprints and their ``fingerprint_bands`` rows (``ingest.dedup.bands``), cached under ``benchmarks/results/``.
Building them is not what is measured, so rows go in with plain ``executemany`` and the band index is created after
the load (the same index the migration creates). The lookup measured is the store's own,
``ingest.db.near.find_near_duplicate``, for probes that are stored fingerprints with 1 to ``NEAR_DISTANCE`` bits
flipped (each must be found) and for random probes (almost never near anything).

Figures: median microseconds per lookup at each size, the ratio largest/smallest (flat means close to 1), and the
peer: a plain scan comparing the probe with every stored fingerprint in memory (what a lookup without bands costs),
measured at the largest size in the same run.

Run: ``python -m benchmarks.bench_dedup`` (or ``make bench``).
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

from benchmarks import bulk_sqlite, finish_bulk_sqlite, report, results_dir, scale, sized
from ingest.db.engine import get_engine, head_revision, session_scope
from ingest.db.near import find_near_duplicate
from ingest.dedup import NEAR_DISTANCE, bands, hamming, to_signed

BENCH = "dedup"
SEED = 5
CHUNK = 20_000
FLAT_TARGET = 1.5  # lookup time at the largest size over the smallest
BUILDER_VERSION = 1  # bump when build() changes what it writes (cached databases are rebuilt)


def fingerprints(n: int) -> list[int]:
    """``n`` random unsigned 64-bit fingerprints (the same for the same ``n`` prefix)."""
    rng = random.Random(SEED)
    return [rng.getrandbits(64) for _ in range(n)]


def build(path: Path, n: int) -> float:
    """Create (or reuse) a database of ``n`` stored fingerprints; seconds spent (0 when cached)."""
    wanted = {
        "n": n,
        "seed": SEED,
        "revision": head_revision(),
        "builder": BUILDER_VERSION,
    }
    start = time.perf_counter()
    conn = bulk_sqlite(path, wanted)
    if conn is None:
        return 0.0
    index_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'ix_fingerprint_bands_band_value'").fetchone()
    conn.execute("DROP INDEX ix_fingerprint_bands_band_value")
    conn.execute("BEGIN")
    stamp = "2026-01-01 00:00:00.000000"
    fps = fingerprints(n)
    for lo in range(0, n, CHUNK):
        ids = range(lo + 1, min(lo + CHUNK, n) + 1)
        conn.executemany(
            "INSERT INTO articles (id, url, canonical_url, content_hash, fingerprint, search_text, category, tags, "
            "images, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, '', '[]', '[]', '[]', ?, ?)",
            [
                (i, f"https://s.example.vn/{i}", f"https://s.example.vn/{i}", f"{i:064x}", to_signed(fps[i - 1]), stamp,
                 stamp)
                for i in ids
            ],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO fingerprint_bands (article_id, band, value) VALUES (?, ?, ?)",
            [(i, band, value) for i in ids for band, value in bands(fps[i - 1])],
        )
    conn.execute("COMMIT")
    conn.execute(index_sql[0])
    finish_bulk_sqlite(conn, path, wanted)
    return time.perf_counter() - start


def probes(stored: list[int], count: int) -> tuple[list[int], list[int]]:
    """(near probes: stored fingerprints with 1..NEAR_DISTANCE bits flipped, random probes)."""
    rng = random.Random(SEED + 1)
    near = []
    for _ in range(count):
        fp = rng.choice(stored)
        for bit in rng.sample(range(64), rng.randint(1, NEAR_DISTANCE)):
            fp ^= 1 << bit
        near.append(fp)
    return near, [rng.getrandbits(64) for _ in range(count)]


def time_lookups(path: Path, probe_fps: list[int]) -> tuple[list[float], int]:
    """Microseconds per ``find_near_duplicate`` call and how many probes found a stored article."""
    engine = get_engine(f"sqlite:///{path}")
    times, hits = [], 0
    try:
        with session_scope(engine) as session:
            find_near_duplicate(session, probe_fps[0])  # warm-up: statement cache, first pages
            for fp in probe_fps:
                start = time.perf_counter()
                found = find_near_duplicate(session, fp)
                times.append((time.perf_counter() - start) * 1e6)
                hits += found is not None
    finally:
        engine.dispose()
    return times, hits


def scan_us(stored: list[int], probe_fps: list[int]) -> float:
    """The peer: median microseconds to compare a probe with every stored fingerprint (no index)."""
    times = []
    for fp in probe_fps:
        start = time.perf_counter()
        _ = [s for s in stored if hamming(s, fp) <= NEAR_DISTANCE]
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times)


SIZES = {"full": (10_000, 100_000, 1_000_000), "quick": (10_000, 100_000), "tiny": (500, 5_000)}
_built: dict[Path, float] = {}


def prepare() -> None:
    """Build (or find cached) the databases before the timed benches run (the harness calls this first)."""
    for n in SIZES[scale()]:
        path = results_dir() / f"dedup-{n}.db"
        _built[path] = build(path, n)


def main() -> None:
    """Print the median lookup time per size, its growth, and the scan peer."""
    chosen = SIZES[scale()]
    count = sized(300, 200, 30)
    print(f"find_near_duplicate (store's banded lookup), {count} near + {count} random probes per size")
    print(f"{'stored':>10}{'build s':>9}{'near µs':>10}{'random µs':>11}{'found':>8}")
    medians: dict[int, float] = {}
    stored: list[int] = []
    near: list[int] = []
    for n in chosen:
        path = results_dir() / f"dedup-{n}.db"
        built = build(path, n) or _built.pop(path, 0.0)
        stored = fingerprints(n)
        near, rand = probes(stored, count)
        near_t, near_hits = time_lookups(path, near)
        rand_t, _ = time_lookups(path, rand)
        medians[n] = statistics.median(near_t + rand_t)
        print(f"{n:>10,}{built:>9.1f}{statistics.median(near_t):>10.0f}{statistics.median(rand_t):>11.0f}"
              f"{f'{near_hits}/{count}':>8}")  # fmt: skip
        report(BENCH, f"lookup, {n:,} stored", medians[n], "µs", note=f"near probes found {near_hits}/{count}")
        if near_hits != count:
            print(f"WRONG: {count - near_hits} near probes within {NEAR_DISTANCE} bits were not found at {n:,}")
    small, large = min(medians), max(medians)
    growth = medians[large] / medians[small]
    print(f"growth {small:,} -> {large:,} stored: {growth:.2f}x (flat target ≤ {FLAT_TARGET}x)")
    report(BENCH, f"lookup growth {small:,} -> {large:,}", growth, "x", target=f"≤ {FLAT_TARGET}x",
           met=growth <= FLAT_TARGET)  # fmt: skip
    scan = scan_us(stored, near[: max(3, count // 30)])
    print(f"peer: scan of {large:,} fingerprints {scan:,.0f} µs = {scan / medians[large]:,.0f}x the banded lookup")
    report(BENCH, f"scan / banded lookup at {large:,}", scan / medians[large], "x", note=f"scan {scan:,.0f} µs")
    if growth > FLAT_TARGET:
        print(f"MISSED: lookup grew {growth:.2f}x from {small:,} to {large:,} stored fingerprints")


if __name__ == "__main__":
    main()
