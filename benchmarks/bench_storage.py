"""Bulk insert of synthetic articles through the store (``ingest.db.store``), SQLite (FTS on) and PostgreSQL.

The store path is the real one with its whole dedup logic (canonical URL, aliases, exact content hash, near
duplicates through the band index, earliest original) and, on SQLite, the FTS5 index kept up to date by its
trigger. Two ways in: ``store_many`` (the bulk API, ``BULK_BATCH_SIZE`` records per transaction; on PostgreSQL
``pg_batch_size()``, what keeps a transaction's advisory locks bounded), and
``store_batch`` in the pipeline's batches (``INGEST_STORE_BATCH_SIZE`` records per transaction, as
``pipelines.store`` writes a crawl). The peer is a bare ``INSERT`` of the same new rows into the same schema (FTS
trigger on) in the same batches, measured in the same run: the ratio says what the store's logic costs over the
database's own work. PostgreSQL runs in a throw-away server (``tests.servers.postgres_server``).

The records are what the dedup stage hands the store: ``content_hash`` and ``fingerprint`` set (the store only
computes them for a record that lacks them). Computing the real ones (``ingest.dedup``) costs about 1 ms per
article, the dedup stage's CPU, which the crawl bench measures per page; here each is derived from the article's
search key by one hash, so 100,000 records are ready in seconds. Every 50th record is an exact copy of an earlier
one under another site's URL, every 50th a near copy (its fingerprint 2 bits away, its text edited), and every
100th an earlier URL fetched again: each dedup layer has work, and the outcome counts are printed.

Each store path gets a time budget and its rate is taken over what it wrote by then (the figure says how many);
the peer inserts the same rows the bulk path wrote.

Run: ``python -m benchmarks.bench_storage`` (or ``make bench``).
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

from benchmarks import report, sized
from benchmarks.synth import articles
from ingest.db.engine import get_engine
from ingest.db.models import Article
from ingest.db.store import BULK_BATCH_SIZE, Outcome, pg_batch_size, store_batch, store_many
from ingest.dedup import to_unsigned
from ingest.settings import INGEST_STORE_BATCH_SIZE

BENCH = "storage"
TARGET_PER_S = 5000
SEED = 11


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=40).digest()


def store_records(n: int, *, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """``n`` records as the dedup stage passes them on, with exact copies, near copies and re-fetched URLs.

    Made as they are consumed (a store path that stops at its time budget does not wait for the rest); a copy
    refers back at most 30 records, always to an ordinary one.
    """
    recent: deque[dict[str, Any]] = deque(maxlen=30)
    for i, rec in enumerate(articles(n, seed=seed)):
        back = list(recent)  # back[-k] is record i - k
        if i % 100 == 87:  # an URL fetched before, seen again a day later
            rec = {**back[-30], "fetched_at": back[-30]["fetched_at"] + timedelta(days=1)}
        else:
            if i % 50 == 49:  # the same text on another site (an exact duplicate)
                rec.update({k: back[-20][k] for k in ("title", "lead", "body", "search_text")})
            elif i % 50 == 24:  # a lightly edited copy (a near duplicate)
                rec.update({k: back[-12][k] for k in ("title", "lead")})
                rec["body"] = back[-12]["body"] + " (Cập nhật)"
                rec["search_text"] = back[-12]["search_text"] + " cap nhat"
            digest = _digest(rec["search_text"])
            rec["content_hash"] = digest[:32].hex()
            rec["fingerprint"] = to_unsigned(int.from_bytes(digest[32:], "big"))
            if i % 50 == 24:  # 2 bits from the original's
                rec["fingerprint"] = back[-12]["fingerprint"] ^ 0b101
        recent.append(rec)
        yield rec


def store_all(
    write: Callable[[Sequence[dict[str, Any]]], list[Outcome]], records: Iterable[dict[str, Any]], batch: int,
    budget_s: float,
) -> tuple[list[dict[str, Any]], list[Outcome], float]:  # fmt: skip
    """(records written, outcomes, seconds) of ``write`` over ``records`` a batch at a time, stopping after
    ``budget_s``. Only ``write`` is timed (making the records is not the store's work)."""
    spent = 0.0
    done: list[dict[str, Any]] = []
    outcomes: list[Outcome] = []
    it = iter(records)
    while spent < budget_s:
        chunk = list(islice(it, batch))
        if not chunk:
            break
        start = time.perf_counter()
        outcomes += write(chunk)
        spent += time.perf_counter() - start
        done += chunk
    return done, outcomes, spent


def bare_rows(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The new articles among ``records`` as plain ``articles`` rows (what a store with no logic would insert)."""
    rows = []
    seen: set[str] = set()
    for r in records:
        if r["canonical_url"] in seen:
            continue
        seen.add(r["canonical_url"])
        rows.append(
            {
                "url": r["url"],
                "canonical_url": r["canonical_url"],
                "site": r["site"],
                "title": r["title"],
                "lead": r["lead"],
                "body": r["body"],
                "published_at": r["published"],
                "published_raw": r["published_raw"],
                "byline_raw": r["byline_raw"],
                "category": r["category"],
                "tags": r["tags"],
                "images": [],
                "content_hash": r["content_hash"],
                "search_text": r["search_text"],
                "fetched_at": r["fetched_at"],
                "first_seen_at": r["fetched_at"],
                "last_seen_at": r["fetched_at"],
            }
        )
    return rows


def insert_bare(engine: Engine, rows: Sequence[dict[str, Any]], batch: int) -> float:
    """Seconds for plain multi-row ``INSERT``s of ``rows`` in batches of ``batch``."""
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        with engine.begin() as conn:
            conn.execute(insert(Article), list(rows[i : i + batch]))
    return time.perf_counter() - start


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Article)).scalar_one())


@dataclass(frozen=True)
class Result:
    batch: int  # records per store_many transaction (PostgreSQL: bounded by the advisory locks one may hold)
    written: int  # records the bulk path wrote within its time budget
    stored: int  # rows in articles afterwards (near duplicates are rows too; exact ones and re-fetches are not)
    rate: float  # records per second through store_many
    pipeline_written: int  # records store_batch wrote in the pipeline's batches within its budget
    pipeline_rate: float
    bare_n: int  # rows the peer inserted (the new articles among the records the bulk path wrote)
    bare_rate: float  # records per second for the peer (the same records' new rows)
    outcomes: Counter[str]


def measure(
    label: str, make_url: Any, records: Callable[[], Iterable[dict[str, Any]]], budget_s: float, pipe_s: float
) -> Result:
    """Bulk path, pipeline batches and bare insert of ``records`` on three fresh databases from ``make_url(name)``."""
    engines = [get_engine(make_url(name), migrate=True) for name in ("bulk", "pipeline", "bare")]
    bulk, pipeline, bare = engines
    try:
        batch = min(BULK_BATCH_SIZE, pg_batch_size()) if bulk.dialect.name == "postgresql" else BULK_BATCH_SIZE
        written, outcomes, bulk_s = store_all(lambda b: store_many(bulk, b), records(), batch, budget_s)
        stored = count(bulk)
        _, pipe, pipe_s = store_all(lambda b: store_batch(pipeline, b), records(), INGEST_STORE_BATCH_SIZE, pipe_s)
        rows = bare_rows(written)
        bare_s = insert_bare(bare, rows, batch)
    finally:
        for eng in engines:
            eng.dispose()
    done = len(outcomes)
    # The peer writes only the new rows of the same records; its rate is per record, like the store's.
    result = Result(
        batch, done, stored, done / bulk_s, len(pipe), len(pipe) / pipe_s, len(rows), done / bare_s, Counter(outcomes)
    )
    print(
        f"{label:<11}{done:>9,}{stored:>9,}{result.rate:>11,.0f}{len(pipe):>9,}{result.pipeline_rate:>11,.0f}"
        f"{result.bare_rate:>11,.0f}{result.rate / result.bare_rate:>8.3f}"
    )
    print(f"{'':<11}outcomes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(result.outcomes.items())))
    return result


# A function giving the URL of a fresh, empty PostgreSQL database by name; None starts a throw-away server. The
# tests set it to their session server's ``create_database`` (one server per test process is enough).
PG_DATABASE: Callable[[str], str] | None = None


@contextmanager
def _postgres() -> Iterator[Callable[[str], str]]:
    if PG_DATABASE is not None:
        yield PG_DATABASE
        return
    from tests.servers import postgres_server

    with postgres_server() as server:
        yield server.create_database


def _report(db: str, res: Result, n: int, target: bool) -> None:
    note = f"{res.written:,} of {n:,} in batches of {res.batch:,} (store_many)"
    if target:
        report(BENCH, f"{db} insert via store (FTS on)", res.rate, "art/s", target=f"≥ {TARGET_PER_S:,}/s",
               met=res.rate >= TARGET_PER_S, note=note)  # fmt: skip
    else:
        report(BENCH, f"{db} insert via store", res.rate, "art/s", note=note)
    note = f"{res.pipeline_written:,} in batches of {INGEST_STORE_BATCH_SIZE} (store_batch, as a crawl writes)"
    report(BENCH, f"{db} insert via store, pipeline batches", res.pipeline_rate, "art/s", note=note)
    note = f"peer: the same {res.written:,} records' {res.bare_n:,} new rows, batches of {res.batch:,}"
    report(BENCH, f"{db} bare INSERT" + (" (FTS on)" if target else ""), res.bare_rate, "art/s", note=note)
    report(BENCH, f"{db} store / bare INSERT", res.rate / res.bare_rate, "x")


def main() -> None:
    """Print articles/s through the store (bulk and pipeline batches) vs a bare insert, SQLite and PostgreSQL."""
    n = sized(100_000, 20_000, 120)
    # Each store path stops after this many seconds (see the module docstring): the bench stays under 90 s.
    budget, pg_budget, pipe_budget = float(sized(30, 15, 10)), float(sized(12, 8, 10)), float(sized(5, 4, 5))
    print(f"store_many (batches of {BULK_BATCH_SIZE:,}, at most {budget:.0f} s) and store_batch (batches of "
          f"{INGEST_STORE_BATCH_SIZE}, at most {pipe_budget:.0f} s), dedup + FTS, vs bare INSERT of the new "
          "rows")  # fmt: skip
    print(f"{'database':<11}{'written':>9}{'rows':>9}{'bulk /s':>11}{'pipe n':>9}{'pipe /s':>11}{'bare /s':>11}"
          f"{'ratio':>8}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        lite = measure("SQLite", lambda name: f"sqlite:///{Path(tmp) / name}.db", lambda: store_records(n), budget,
                       pipe_budget)  # fmt: skip
    _report("SQLite", lite, n, target=True)
    if lite.rate < TARGET_PER_S:
        print(f"MISSED: SQLite store rate {lite.rate:,.0f}/s is under the {TARGET_PER_S:,}/s target")
    pg_n = min(n, max(BULK_BATCH_SIZE, int(lite.written * 1.2)))  # about as many as SQLite took
    try:
        with _postgres() as create_database:
            pg = measure("PostgreSQL", create_database, lambda: store_records(pg_n), pg_budget, pipe_budget)
    except (OSError, RuntimeError) as exc:  # no PostgreSQL binaries here: say so, carry on
        print(f"PostgreSQL skipped: {exc}")
        return
    _report("PostgreSQL", pg, pg_n, target=False)
    report(BENCH, "PostgreSQL / SQLite via store", pg.rate / lite.rate, "x")


if __name__ == "__main__":
    main()
