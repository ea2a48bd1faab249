"""Bulk insert of synthetic articles through the store (``ingest.db.store.write_batch``), SQLite and PostgreSQL.

Each database gets the same records, written in the pipeline's batches (``INGEST_STORE_BATCH_SIZE`` records per
transaction, as ``pipelines.store`` does) with the whole dedup logic (canonical URL, content hash, SimHash bands)
and, on SQLite, the FTS5 index kept up to date by its trigger. The peer is a bare ``INSERT`` of the same rows into
the same schema (FTS trigger on), measured in the same run: the ratio says what the store's logic costs over the
database's own work. PostgreSQL runs in a throw-away server (``tests.servers.postgres_server``).

The store path gets a time budget (30 s at full size) and its rate is taken over what it wrote by then: at the
rates measured so far, 100,000 articles through ``write_batch`` would take longer than the whole ``make bench`` may.
The bare insert always writes all 100,000.

Run: ``python -m benchmarks.bench_storage`` (or ``make bench``).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

from benchmarks import report, sized
from benchmarks.synth import articles
from ingest.db.engine import get_engine, session_scope
from ingest.db.models import Article
from ingest.db.store import write_batch
from ingest.settings import INGEST_STORE_BATCH_SIZE

BENCH = "storage"
TARGET_PER_S = 5000
SEED = 11


def store_all(engine: Engine, records: Sequence[dict[str, Any]], batch: int, budget_s: float) -> tuple[int, float]:
    """(records written, seconds) through ``write_batch``, one transaction per batch, stopping after ``budget_s``."""
    start = time.perf_counter()
    done = 0
    while done < len(records) and time.perf_counter() - start < budget_s:
        with session_scope(engine) as session:
            write_batch(session, records[done : done + batch])
        done = min(done + batch, len(records))
    return done, time.perf_counter() - start


def bare_rows(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same articles as plain ``articles`` rows (what a store with no logic at all would insert)."""
    rows = []
    for r in records:
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
                "content_hash": str(hash(r["url"])),
                "search_text": r["search_text"],
                "fetched_at": r["fetched_at"],
                "first_seen_at": r["fetched_at"],
                "last_seen_at": r["fetched_at"],
            }
        )
    return rows


def insert_bare(engine: Engine, rows: Sequence[dict[str, Any]], batch: int) -> float:
    """Seconds for plain multi-row ``INSERT``s of ``rows`` in the same batches."""
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        with engine.begin() as conn:
            conn.execute(insert(Article), list(rows[i : i + batch]))
    return time.perf_counter() - start


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Article)).scalar_one())


def measure(label: str, make_url: Any, records: Sequence[dict[str, Any]], batch: int, budget_s: float) -> Result:
    """Store path and bare insert of ``records`` on two fresh databases from ``make_url(name)``."""
    store_engine = get_engine(make_url("store"), migrate=True)
    bare_engine = get_engine(make_url("bare"), migrate=True)
    try:
        done, store_s = store_all(store_engine, records, batch, budget_s)
        stored = count(store_engine)
        bare_s = insert_bare(bare_engine, bare_rows(records), batch)
    finally:
        store_engine.dispose()
        bare_engine.dispose()
    result = Result(done, stored, done / store_s, len(records), len(records) / bare_s)
    print(
        f"{label:<11}{done:>9,}{stored:>9,}{result.store_rate:>12,.0f}{len(records):>9,}{result.bare_rate:>12,.0f}"
        f"{result.store_rate / result.bare_rate:>8.3f}"
    )
    return result


@dataclass(frozen=True)
class Result:
    written: int  # records the store path wrote within its time budget
    stored: int  # rows in articles afterwards (near-duplicates are rows too; exact duplicates are not)
    store_rate: float
    bare_n: int
    bare_rate: float


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


def main() -> None:
    """Print articles/s through the store vs a bare insert, SQLite (FTS on) and PostgreSQL."""
    n = sized(100_000, 20_000, 60)
    budget = float(sized(30, 15, 5))  # the store path stops after this many seconds (see the module docstring)
    batch = INGEST_STORE_BATCH_SIZE
    records = list(articles(n, seed=SEED))
    print(f"write_batch (batches of {batch}, dedup + FTS; at most {budget:.0f} s) vs bare INSERT of all {n:,} rows")
    print(f"{'database':<11}{'written':>9}{'rows':>9}{'store /s':>12}{'bare n':>9}{'bare /s':>12}{'ratio':>8}")
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        lite = measure("SQLite", lambda name: f"sqlite:///{Path(tmp) / name}.db", records, batch, budget)
    note = f"{lite.written:,} of {n:,} written in the time budget, batches of {batch}"
    report(BENCH, "SQLite insert via store (FTS on)", lite.store_rate, "art/s", target=f"≥ {TARGET_PER_S:,}/s",
           met=lite.store_rate >= TARGET_PER_S, note=note)  # fmt: skip
    report(BENCH, "SQLite bare INSERT (FTS on)", lite.bare_rate, "art/s", note=f"peer: {n:,} rows, no store logic")
    report(BENCH, "SQLite store / bare INSERT", lite.store_rate / lite.bare_rate, "x")
    if lite.store_rate < TARGET_PER_S:
        print(f"MISSED: SQLite store rate {lite.store_rate:,.0f}/s is under the {TARGET_PER_S:,}/s target")
    pg_records = records[: max(batch, min(n, int(lite.written * 1.5)))]  # PostgreSQL: about as many as SQLite took
    try:
        with _postgres() as create_database:
            pg = measure("PostgreSQL", create_database, pg_records, batch, budget)
    except (OSError, RuntimeError) as exc:  # no PostgreSQL binaries here: say so, carry on
        print(f"PostgreSQL skipped: {exc}")
        return
    note = f"{pg.written:,} written in the time budget, batches of {batch}"
    report(BENCH, "PostgreSQL insert via store", pg.store_rate, "art/s", note=note)
    report(BENCH, "PostgreSQL bare INSERT", pg.bare_rate, "art/s", note=f"peer: {pg.bare_n:,} rows")
    report(BENCH, "PostgreSQL / SQLite via store", pg.store_rate / lite.store_rate, "x")


if __name__ == "__main__":
    main()
