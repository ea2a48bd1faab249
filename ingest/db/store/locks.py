"""What makes parallel writers safe: PostgreSQL advisory locks on a batch's dedup keys, SQLite's write lock first.

Parallel workers on PostgreSQL: a lookup cannot see a twin that another worker wrote in its still-open transaction,
so before any lookup the writer takes transaction-scoped advisory locks on every key its records will look up or
insert (canonical and fetched URL, content hash, each fingerprint band key), all at once and in sorted order (no
deadlock between two lock sets). Two records that could be duplicates of each other share at least one key, so the
second writer waits for the first to commit, and under READ COMMITTED its lookups then see the first one's rows.

Several writers on one SQLite file (``ingest crawl --jobs N``): pysqlite opens its transaction only at the first
write, so a batch's first lookups would run before it and miss a twin another writer holds uncommitted. A no-op
write as the first statement takes SQLite's write lock up front (waiting out the busy timeout), so every lookup
after it sees committed rows only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.orm import Session

from ingest.db.store.records import Record
from ingest.dedup import cached_band_keys


def lock_key(*parts: object) -> int:
    """A signed 64-bit advisory lock key for one dedup key (prefixed, so it cannot meet the migration lock's)."""
    digest = hashlib.blake2b(repr(("ingest.store", *parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def record_lock_keys(r: Record) -> set[int]:
    """The lock keys of one record: its canonical and fetched URL, its content hash, its fingerprint's bands."""
    keys = {lock_key("url", u) for u in (r.canon, r.url)}
    keys.add(lock_key("hash", r.chash))
    if r.fp is not None:
        keys.update(lock_key("band", key) for key in cached_band_keys(r.fp))
    return keys


# One round trip: the array is sorted in Python and unnest yields it in order, so every writer takes its locks in
# the same global order (two writers never wait on each other's advisory locks in a cycle).
_LOCK_KEYS = text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(:keys) AS k").bindparams(
    bindparam("keys", type_=ARRAY(BIGINT))
)
# See the module docstring: the first statement of a SQLite batch takes the write lock.
_SQLITE_WRITE_LOCK = text("UPDATE sites SET name = name WHERE 0")


def lock(session: Session, keys: Iterable[int]) -> None:
    """Before a batch's first lookup: on PostgreSQL wait for and hold (until the transaction ends) the advisory
    locks ``keys``; on SQLite take the write lock."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(_SQLITE_WRITE_LOCK)
        return
    if dialect != "postgresql":
        return
    ordered = sorted(set(keys))
    if ordered:
        session.execute(_LOCK_KEYS, {"keys": ordered})


def lock_records(session: Session, records: Iterable[Record]) -> None:
    """:func:`lock` with the keys of ``records`` (computed only where they are used: PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        lock(session, {key for r in records for key in record_lock_keys(r)})
    else:
        lock(session, ())
