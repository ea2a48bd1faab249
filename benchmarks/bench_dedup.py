"""Near-duplicate lookup cost against 10 k, 100 k and 1 M stored fingerprints: it must stay flat (LSH bands); and
what a fingerprint costs to compute.

Each size is its own SQLite database in the store's schema: ``articles`` rows carrying random 64-bit fingerprints
and their ``fingerprint_bands`` rows (``ingest.db.near.band_rows``: 15 band keys each, the fingerprint beside the
key), cached under ``benchmarks/results/``. Building them is not what is measured, so articles go in with plain
``executemany``, the band rows are computed by one INSERT ... SELECT (checked against ``band_rows``), and the band
index is created after the load (the same index the migration creates). The lookup measured is the store's own,
``ingest.db.near.find_near_duplicate`` through a session, for probes that are stored fingerprints with 1 to
``NEAR_DISTANCE`` bits flipped (each must be found) and for random probes (almost never near anything).
Candidates per lookup (index rows the lookup compares) are counted apart, outside the timing.

Each database file is read once before the timing (a hot database, as a running crawler's is: ``warm_file``).
Figures: median microseconds per lookup at each size (the sizes take turns, probe by probe), the ratio
largest/smallest (flat means close to 1), and the peer: a plain scan comparing the probe with every stored
fingerprint in memory (what a lookup without bands costs), measured at the largest size in the same run. Then
``ingest.dedup.fingerprint`` in CPU milliseconds per synthetic article (``benchmarks/synth.py``), against the
SimHash it replaced (revision 0002's, kept in migration 0003 for its downgrade) on articles of the same stream.
Last, what the near-duplicate definition catches: edited copies of synthetic stories (credit line; another
outlet's prefix, a changed phrase and a credit line; three changed phrases; last paragraph dropped; a paragraph
put in front) found within ``NEAR_DISTANCE`` bits, against the SimHash within its 6 bits, and unrelated pairs of
stories within the distance (false duplicates).

Run: ``python -m benchmarks.bench_dedup`` (or ``make bench``).
"""

from __future__ import annotations

import importlib.util
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy.orm import Session

from benchmarks import ROOT, bulk_sqlite, finish_bulk_sqlite, report, results_dir, scale, sized
from benchmarks.synth import article
from ingest.db.engine import get_engine, head_revision, session_scope
from ingest.db.near import NEAR_CANDIDATES, band_rows, find_near_duplicate, near_params
from ingest.dedup import (
    BAND_PAIRS,
    BAND_SHIFT,
    BANDS,
    BLOCK_WIDTHS,
    NEAR_DISTANCE,
    fingerprint,
    hamming,
    to_signed,
)

BENCH = "dedup"
SEED = 5
CHUNK = 20_000
FLAT_TARGET = 1.5  # lookup time at the largest size over the smallest
WARM_UP = 20  # random lookups per size before the timed ones
BUILDER_VERSION = 2  # bump when build() changes what it writes (cached databases are rebuilt)


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
    index_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'ix_fingerprint_bands_key'").fetchone()
    conn.execute("DROP INDEX ix_fingerprint_bands_key")
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
    conn.execute(BANDS_SQL)
    conn.execute("COMMIT")
    check_bands(conn, fps[:CHUNK])
    conn.execute(index_sql[0])
    finish_bulk_sqlite(conn, path, wanted)
    return time.perf_counter() - start


def _block_sql(i: int) -> str:
    return f"((fingerprint >> {sum(BLOCK_WIDTHS[:i])}) & {(1 << BLOCK_WIDTHS[i]) - 1})"


# The band rows of every stored article computed inside SQLite (C speed: Python would build 15 M tuples at 1 M):
# the same cut as ``ingest.dedup.band_keys`` (SQLite's >> keeps the sign, so the top block is masked too), checked
# against ``ingest.db.near.band_rows`` by check_bands after the load.
BANDS_SQL = (
    "INSERT INTO fingerprint_bands (article_id, band_key, fingerprint) "
    f"WITH b(k) AS (VALUES {', '.join(f'({k})' for k in range(BANDS))}) "
    "SELECT id, CASE k "
    + " ".join(
        f"WHEN {k} THEN ({k} << {BAND_SHIFT}) | ({_block_sql(i)} << {BLOCK_WIDTHS[j]}) | {_block_sql(j)}"
        for k, (i, j) in enumerate(BAND_PAIRS)
    )
    + " END, fingerprint FROM articles, b WHERE fingerprint IS NOT NULL ORDER BY id, k"
)


def check_bands(conn: sqlite3.Connection, fps: list[int]) -> None:
    """Raise unless the rows of articles 1..len(fps) are exactly what the store writes (``band_rows``)."""
    got = conn.execute(
        "SELECT article_id, band_key, fingerprint FROM fingerprint_bands WHERE article_id <= ? "
        "ORDER BY article_id, band_key",
        (len(fps),),
    ).fetchall()
    rows = (row for i, fp in enumerate(fps, 1) for row in band_rows(i, fp))
    if got != sorted((r["article_id"], r["band_key"], r["fingerprint"]) for r in rows):
        raise RuntimeError("bench_dedup: the bulk-built band rows differ from ingest.db.near.band_rows")


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


def warm_file(path: Path) -> None:
    """Read the database file once, so the operating system's page cache holds it.

    A crawler's database is hot; a file just built beside another multi-gigabyte one may not be, and then the
    lookups at the largest size would time the disk (a first trial on a fresh clone: 637 µs cold vs 244 µs warm at
    1 M stored, 197 µs at 10 k), not the number of candidates the bands give.
    """
    with path.open("rb") as f:
        while f.read(1 << 20):
            pass


def time_lookups(
    probe_sets: dict[int, tuple[Path, list[int], list[int]]],
) -> dict[int, tuple[list[float], list[float], int]]:
    """Microseconds per ``find_near_duplicate`` call (near probes, random probes) and near probes found, per size.

    The sizes take turns, one near and one random probe each per round, the order rotating every round: a busy
    moment on a shared machine then slows every size alike, and the growth ratio measures the lookup, not the
    neighbours.
    """
    sizes = list(probe_sets)
    times: dict[int, tuple[list[float], list[float]]] = {n: ([], []) for n in sizes}
    hits = dict.fromkeys(sizes, 0)
    with ExitStack() as stack:
        sessions: dict[int, Session] = {}
        for n, (path, _near, rand) in probe_sets.items():
            engine = get_engine(f"sqlite:///{path}")
            stack.callback(engine.dispose)
            sessions[n] = stack.enter_context(session_scope(engine))
            for fp in rand[:WARM_UP]:  # statement cache, the index's upper pages
                find_near_duplicate(sessions[n], fp ^ 1)
        for i in range(len(probe_sets[sizes[0]][1])):
            for n in sizes[i % len(sizes) :] + sizes[: i % len(sizes)]:
                _, near, rand = probe_sets[n]
                for kind, fp in ((0, near[i]), (1, rand[i])):
                    start = time.perf_counter()
                    found = find_near_duplicate(sessions[n], fp)
                    times[n][kind].append((time.perf_counter() - start) * 1e6)
                    if kind == 0:
                        hits[n] += found is not None
    return {n: (times[n][0], times[n][1], hits[n]) for n in sizes}


def candidates_per_lookup(path: Path, probe_fps: list[int]) -> float:
    """Mean index rows a lookup reads and compares (the probe's own match included for near probes)."""
    engine = get_engine(f"sqlite:///{path}")
    try:
        with session_scope(engine) as session:
            rows = sum(len(session.execute(NEAR_CANDIDATES, near_params(fp)).all()) for fp in probe_fps)
    finally:
        engine.dispose()
    return rows / len(probe_fps)


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
    print(f"{'stored':>10}{'build s':>9}{'near µs':>10}{'random µs':>11}{'found':>8}{'cand/lookup':>13}")
    medians: dict[int, float] = {}
    probe_sets, built = {}, {}
    for n in chosen:
        path = results_dir() / f"dedup-{n}.db"
        built[n] = build(path, n) or _built.pop(path, 0.0)
        probe_sets[n] = (path, *probes(fingerprints(n), count))
    for path, _near, _rand in probe_sets.values():
        warm_file(path)
    timed = time_lookups(probe_sets)
    for n, (path, near, rand) in probe_sets.items():
        near_t, rand_t, near_hits = timed[n]
        medians[n] = statistics.median(near_t + rand_t)
        cands = candidates_per_lookup(path, near + rand)
        print(f"{n:>10,}{built[n]:>9.1f}{statistics.median(near_t):>10.0f}{statistics.median(rand_t):>11.0f}"
              f"{f'{near_hits}/{count}':>8}{cands:>13.1f}")  # fmt: skip
        report(BENCH, f"lookup, {n:,} stored", medians[n], "µs",
               note=f"near probes found {near_hits}/{count}; {cands:.1f} candidates per lookup")  # fmt: skip
        if near_hits != count:
            print(f"WRONG: {count - near_hits} near probes within {NEAR_DISTANCE} bits were not found at {n:,}")
    small, large = min(medians), max(medians)
    growth = medians[large] / medians[small]
    print(f"growth {small:,} -> {large:,} stored: {growth:.2f}x (flat target ≤ {FLAT_TARGET}x)")
    report(BENCH, f"lookup growth {small:,} -> {large:,}", growth, "x", target=f"≤ {FLAT_TARGET}x",
           met=growth <= FLAT_TARGET)  # fmt: skip
    _, near, _ = probe_sets[large]
    scan = scan_us(fingerprints(large), near[: max(3, count // 30)])
    print(f"peer: scan of {large:,} fingerprints {scan:,.0f} µs = {scan / medians[large]:,.0f}x the banded lookup")
    report(BENCH, f"scan / banded lookup at {large:,}", scan / medians[large], "x", note=f"scan {scan:,.0f} µs")
    if growth > FLAT_TARGET:
        print(f"MISSED: lookup grew {growth:.2f}x from {small:,} to {large:,} stored fingerprints")
    fingerprint_cost(sized(600, 300, 40))
    edited_copies_found(sized(300, 150, 30))


def _simhash_0002() -> Callable[[str | None, str | None], int | None]:
    """Revision 0002's SimHash fingerprint, as frozen in migration 0003 (a module name that is not importable)."""
    path = ROOT / "ingest" / "db" / "migrations" / "versions" / "0003_band_keys.py"
    spec = importlib.util.spec_from_file_location("_migration_0003", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    simhash: Callable[[str | None, str | None], int | None] = module.simhash_0002
    return simhash


def _cpu_ms(fn: Callable[[str | None, str | None], int | None], texts: list[tuple[str, str]]) -> float:
    start = time.process_time()
    for title, body in texts:
        fn(title, body)
    return (time.process_time() - start) * 1e3 / len(texts)


def fingerprint_cost(count: int) -> None:
    """CPU ms per article for ``fingerprint`` and for the SimHash it replaced, on the same synthetic articles.

    Each function gets its own articles (text normalisation remembers strings it has just seen, so a second pass
    over the same ones would be cheaper): ours the even-numbered, the peer the odd-numbered of one stream.
    """
    texts = [(a["title"], a["body"]) for a in (article(i, seed=SEED) for i in range(2 * count))]
    ours = _cpu_ms(fingerprint, texts[0::2])
    peer = _cpu_ms(_simhash_0002(), texts[1::2])
    print(f"fingerprint: {ours:.3f} ms per article (CPU), SimHash of revision 0002 {peer:.3f} ms: {peer / ours:.1f}x")
    report(BENCH, "fingerprint per article (CPU)", ours, "ms", note=f"{BANDS} band rows per article")
    report(BENCH, "SimHash (rev 0002) / fingerprint", peer / ours, "x", note=f"SimHash {peer:.3f} ms per article")


def _edit(rng: random.Random, body: str, donor: list[str], kind: str) -> str | None:
    """An edited copy of ``body`` as republishing sites make them (None when the story is too short for it).

    A changed phrase is 2-3 consecutive words replaced by words of another story (``donor``), at a random place.
    """

    def phrase(words: list[str]) -> list[str]:
        at, size = rng.randrange(len(words) - 3), rng.randint(2, 3)
        start = rng.randrange(len(donor) - size)
        return words[:at] + donor[start : start + size] + words[at + size :]

    if kind == "credit line":
        return f"{body}\n\nNguyễn Văn An (TTXVN)"
    if kind == "syndicated: prefix, phrase, credit":
        return "(GLO) - " + " ".join(phrase(body.split())) + "\n\nTheo TTXVN"
    if kind == "lead paragraph put in front":
        start = rng.randrange(len(donor) - 30)
        return " ".join(donor[start : start + 30]) + ".\n\n" + body
    if kind == "three changed phrases":
        words = body.split()
        for _ in range(3):
            words = phrase(words)
        return " ".join(words)
    paragraphs = body.split("\n\n")  # "last paragraph dropped", for stories of four paragraphs or more
    return "\n\n".join(paragraphs[:-1]) if len(paragraphs) > 3 else None


EDITS = (
    "credit line",
    "syndicated: prefix, phrase, credit",
    "three changed phrases",
    "last paragraph dropped",
    "lead paragraph put in front",
)
SIMHASH_DISTANCE = 6  # revision 0002's NEAR_DISTANCE


def edited_copies_found(count: int) -> None:
    """Recall and precision of the near-duplicate definition, ours against revision 0002's, on synthetic stories.

    Each story gets one copy per kind of edit; a copy is found when its fingerprint is within the definition's
    distance of the story's. Unrelated pairs (every pair of the first stories: same templates, places and
    topics, different reports) within the distance would be false duplicates.
    """
    rng = random.Random(SEED + 2)
    stories = [(a["title"], a["body"]) for a in (article(i, seed=SEED + 2) for i in range(count))]
    copies = {
        kind: [(n, _edit(rng, body, stories[n - 1][1].split(), kind)) for n, (_, body) in enumerate(stories)]
        for kind in EDITS
    }
    print(f"edited copies found within the distance, {count} synthetic stories")
    print(f"{'edit':<38}{f'ours (≤ {NEAR_DISTANCE})':>14}{f'SimHash (≤ {SIMHASH_DISTANCE})':>16}")
    rates: dict[str, list[float]] = {"ours": [], "SimHash": []}
    simhash = _simhash_0002()
    peers = (("ours", fingerprint, NEAR_DISTANCE), ("SimHash", simhash, SIMHASH_DISTANCE))
    base = {name: [fn(*story) for story in stories] for name, fn, _ in peers}
    for kind, edited in copies.items():
        shown = []
        for name, fn, distance in peers:
            pairs = [(base[name][n], fn(stories[n][0], text)) for n, text in edited if text is not None]
            found = sum(a is not None and b is not None and hamming(a, b) <= distance for a, b in pairs)
            rates[name].append(found / len(pairs))
            shown.append(f"{found}/{len(pairs)}")
        print(f"{kind:<38}{shown[0]:>14}{shown[1]:>16}")
    sample = {name: [fp for fp in fps[:60] if fp is not None] for name, fps in base.items()}
    false = {
        name: sum(hamming(a, b) <= distance for i, a in enumerate(sample[name]) for b in sample[name][i + 1 :])
        for name, _, distance in peers
    }
    print(f"{'unrelated pairs within the distance':<38}{false['ours']:>14}{false['SimHash']:>16}")
    ours, peer = statistics.mean(rates["ours"]), statistics.mean(rates["SimHash"])
    note = f"SimHash of rev 0002 at ≤ {SIMHASH_DISTANCE}: {100 * peer:.0f}%; mean over {len(EDITS)} edit kinds"
    report(BENCH, f"edited copies found (≤ {NEAR_DISTANCE} bits)", 100 * ours, "%", note=note)
    report(BENCH, "unrelated pairs within the distance", false["ours"], "pairs",
           note=f"of {len(sample['ours']) * (len(sample['ours']) - 1) // 2}; SimHash: {false['SimHash']}")  # fmt: skip


if __name__ == "__main__":
    main()
