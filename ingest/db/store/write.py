"""Writing articles: one path for one record or a million, and the transactions around it.

``write_batch`` stores records in order inside the caller's transaction: the batch's locks
(``ingest.db.store.locks``), one :func:`~ingest.db.store.snapshot.read_snapshot`, the pure
:func:`~ingest.db.store.decide.decide`, then :func:`~ingest.db.store.apply.apply`. ``write_article`` is a batch of
one. ``store_batch`` owns one transaction per batch and writes it again when it deadlocks with another worker;
``store_many`` is the bulk load (large batches on one connection).
"""

from __future__ import annotations

import gc
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ingest.db.engine import session_scope
from ingest.db.store.apply import apply
from ingest.db.store.decide import OUTCOMES, NeedsRead, Outcome, Plan, decide
from ingest.db.store.locks import lock_records
from ingest.db.store.records import Record
from ingest.db.store.snapshot import read_snapshot
from ingest.dedup import BANDS

logger = logging.getLogger(__name__)

# Records per transaction of a bulk load: large enough that the per-batch reads and statements cost little per
# record, small enough that a batch's rows and decisions stay a few megabytes.
BULK_BATCH_SIZE = 1_000
# SQLite page cache (KiB, as PRAGMA cache_size takes it negated) while a bulk load runs: the index pages a load
# touches at random (canonical URL, content hash, band keys) stay in memory. Only for the load's own connection:
# a crawl keeps SQLite's small default, so its memory does not grow with the database.
BULK_SQLITE_CACHE_KIB = 128 * 1024
# Advisory locks one PostgreSQL transaction may hold: they share the server's lock table (max_locks_per_transaction
# x max_connections, 6,400 by default) with every other worker, so a bulk load takes them a few thousand at a time.
PG_LOCKS_PER_BATCH = 2_000


def write_batch(
    session: Session,
    records: Sequence[Mapping[str, Any]],
    *,
    run_id: int | None = None,
    now: datetime | None = None,
    counts: Counter[str] | None = None,
    merge: bool = True,
) -> list[Outcome]:
    """Store ``records`` (``ingest.items.ArticleItem`` field names) in order inside the caller's transaction; one
    outcome per record (``ingest.db.store.decide``). ``counts["merged"]`` counts the stored rows a copy changed;
    ``merge=False`` leaves copies unmerged (``ingest reprocess``, which rewrites the row itself)."""
    stamp = now or datetime.now(UTC)
    with _collector_paused():
        prepared = [Record(rec, now=stamp) for rec in records]
        lock_records(session, prepared)
        session.flush()  # the caller's own pending changes, so the reads below see them
        plan = _decide(session, prepared, run_id=run_id, now=stamp, merge=merge)
        outcomes = apply(session, plan, now=stamp)
    if counts is not None and plan.merged:
        counts["merged"] += plan.merged
    return outcomes


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a batch is written. A batch allocates a few dozen containers per record
    (its rows, index entries, statement parameters) that reference counting frees, none in a cycle, yet the
    allocations set off collections that walk the whole heap, the caller's included: in a process holding 100,000
    records that was half the time of the decisions (measured on ``benchmarks/bench_storage.py``). Collection goes
    on as before after the batch."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _decide(session: Session, records: Sequence[Record], *, run_id: int | None, now: datetime, merge: bool) -> Plan:
    extra: set[int] = set()
    while True:
        snapshot = read_snapshot(session, records, extra=extra)
        try:
            return decide(snapshot, records, run_id=run_id, now=now, merge=merge)
        except NeedsRead as need:  # a stored row's body was wanted after all: read it whole, decide again
            if not need.ids or need.ids <= extra:  # pragma: no cover - read whole already: a bug, not a loop
                raise AssertionError(f"decisions need rows the snapshot cannot give: {sorted(need.ids)}") from need
            extra |= need.ids


def write_article(
    session: Session,
    rec: Mapping[str, Any],
    *,
    run_id: int | None,
    now: datetime,
    merge: bool = True,
    counts: Counter[str] | None = None,
) -> Outcome:
    """Store one record: ``write_batch`` of a batch of one."""
    return write_batch(session, [rec], run_id=run_id, now=now, merge=merge, counts=counts)[0]


def count_outcomes(outcomes: Iterable[Outcome]) -> dict[Outcome, int]:
    """How many records ended each way."""
    counts: dict[Outcome, int] = dict.fromkeys(OUTCOMES, 0)
    for outcome in outcomes:
        counts[outcome] += 1
    return counts


# SQLSTATEs of PostgreSQL errors that only mean "try again": deadlock between workers, serialization failure, and a
# foreign key to a new article that a parallel writer's row displaced (``apply.insert_articles``).
_RETRY_SQLSTATES = frozenset({"40P01", "40001", "23503"})


def is_transient(exc: BaseException) -> bool:
    """Whether a database error means another writer got in the way (retrying the transaction may succeed)."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _RETRY_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(orig)


_T = TypeVar("_T")


def retrying(write: Callable[[], _T], size: int, attempts: int) -> _T:
    """``write()`` (one transaction), run again when it failed only because another writer got in the way."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            logger.warning("batch of %d articles: %s; retrying (%d/%d)", size, exc.orig, attempt, attempts)
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def store_batch(
    engine: Engine,
    records: Sequence[Mapping[str, Any]],
    *,
    run_id: int | None = None,
    attempts: int = 3,
    counts: Counter[str] | None = None,
) -> list[Outcome]:
    """``write_batch`` in its own transaction, retried when parallel workers deadlock on the same articles.

    Two workers inserting overlapping URLs in different orders can wait on each other's unique-index entries;
    PostgreSQL then aborts one of them, and the whole batch is simply written again. ``counts`` receives the
    committed attempt's counts (``"merged"``: stored rows a copy changed).
    """

    def write() -> list[Outcome]:
        attempt: Counter[str] = Counter()
        with session_scope(engine) as session:
            outcomes = write_batch(session, records, run_id=run_id, counts=attempt)
        if counts is not None:
            counts.update(attempt)
        return outcomes

    return retrying(write, len(records), attempts)


def pg_batch_size() -> int:
    """Most records per PostgreSQL bulk transaction: each holds its band keys' + 3 advisory locks (URLs, hash)."""
    return max(1, PG_LOCKS_PER_BATCH // (BANDS + 3))


def store_many(
    engine: Engine,
    records: Iterable[Mapping[str, Any]],
    *,
    batch_size: int = BULK_BATCH_SIZE,
    run_id: int | None = None,
    attempts: int = 3,
) -> list[Outcome]:
    """Bulk load: ``records`` written in order, ``batch_size`` per transaction (each retried like ``store_batch``).

    The outcomes are those of ``store_batch`` on the same batches; one connection serves the whole load (on SQLite
    with a larger page cache for its duration). On PostgreSQL a batch holds at most ``PG_LOCKS_PER_BATCH`` advisory
    locks (see ``pg_batch_size``).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if engine.dialect.name == "postgresql":
        batch_size = min(batch_size, pg_batch_size())
    outcomes: list[Outcome] = []
    with engine.connect() as conn:
        sqlite_cache = _sqlite_cache(conn, -BULK_SQLITE_CACHE_KIB)
        try:
            for batch in _batches(records, batch_size):

                def write(batch: list[Mapping[str, Any]] = batch) -> list[Outcome]:
                    with Session(bind=conn) as session, session.begin():
                        return write_batch(session, batch, run_id=run_id)

                outcomes += retrying(write, len(batch), attempts)
        finally:
            if sqlite_cache is not None:
                _sqlite_cache(conn, sqlite_cache)
    return outcomes


def _batches(records: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    batch: list[Mapping[str, Any]] = []
    for rec in records:
        batch.append(rec)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _sqlite_cache(conn: Connection, size: int) -> int | None:
    """Set a SQLite connection's ``cache_size``, returning the previous one (None, doing nothing, elsewhere)."""
    if conn.dialect.name != "sqlite":
        return None
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size = {int(size)}")
    conn.commit()  # end the autobegun transaction: each batch's session begins (and commits) its own
    return before
