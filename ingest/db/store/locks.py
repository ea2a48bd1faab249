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
from functools import lru_cache

from sqlalchemy.orm import Session

from ingest.db.store.records import Record
from ingest.db.store.snapshot import pg_int_array
from ingest.dedup import cached_band_keys

# Lock keys of a batch, computed for thousands of keys per batch: one keyed hash of the text for URLs and content
# hashes (no tuple to render first), and a fixed offset for band keys, which are already small distinct integers
# (``ingest.dedup.band_keys``: under 2**27). Keys of different kinds could only meet by a 64-bit hash collision,
# which costs a needless wait, never a wrong decision.
_URL_SALT = b"ingest.store.url"
_HASH_SALT = b"ingest.store.hash"
_BAND_BASE = -(1 << 62)  # the band keys' range: far from the migration lock's small positive constant


def _text_key(value: str, salt: bytes) -> int:
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8, key=salt).digest()
    return int.from_bytes(digest, "big", signed=True)


def url_lock_key(url: str) -> int:
    """The advisory lock key of an URL (canonical, fetched or alias)."""
    return _text_key(url, _URL_SALT)


# Sized like ingest.dedup.cached_band_keys (about 650 bytes an entry): the keys are wanted again within one batch,
# and 16,384 entries (10.6 MB) filled with the first 16,000 articles of a PostgreSQL crawl, memory that grew per page.
@lru_cache(maxsize=4_096)
def _band_lock_keys(fp: int) -> tuple[int, ...]:
    return tuple(_BAND_BASE + key for key in cached_band_keys(fp))


def record_lock_keys(r: Record) -> list[int]:
    """The lock keys of one record: its canonical and fetched URL, its content hash, its fingerprint's bands."""
    keys = [url_lock_key(r.canon), _text_key(r.chash, _HASH_SALT)]
    if r.url != r.canon:
        keys.append(url_lock_key(r.url))
    if r.fp is not None:
        keys += _band_lock_keys(r.fp)
    return keys


# One round trip: the array is sorted in Python and unnest yields it in order, so every writer takes its locks in
# the same global order (two writers never wait on each other's advisory locks in a cycle). Straight through the
# driver: a batch sends a couple of thousand keys.
# The same statement turns JIT compilation off for the rest of the transaction (``set_config(.., true)`` is ``SET
# LOCAL``): the batch's lookup unnests a couple of thousand keys into LATERAL probes, whose row estimate (a few
# hundred per key while the band table has no statistics yet) puts its cost past ``jit_above_cost``, and compiling
# it took 240 ms a batch (EXPLAIN ANALYZE's "JIT: Timing") for a statement that runs in 5. JIT pays off for long
# analytic queries; every statement of a write batch is short.
_LOCK_KEYS = "SELECT set_config('jit', 'off', true), count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k"
# See the module docstring: the first statement of a SQLite batch takes the write lock.
_SQLITE_WRITE_LOCK = "UPDATE sites SET name = name WHERE 0"


def lock(session: Session, keys: Iterable[int]) -> None:
    """Before a batch's first lookup: on PostgreSQL wait for and hold (until the transaction ends) the advisory
    locks ``keys`` (and turn JIT off for the transaction, see ``_LOCK_KEYS``); on SQLite take the write lock."""
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "sqlite":
        conn.exec_driver_sql(_SQLITE_WRITE_LOCK)
        return
    if dialect != "postgresql":
        return
    ordered = sorted(set(keys))
    if ordered:
        conn.exec_driver_sql(_LOCK_KEYS, (pg_int_array(ordered),))


def lock_records(session: Session, records: Iterable[Record]) -> None:
    """:func:`lock` with the keys of ``records`` (computed only where they are used: PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        lock(session, [key for r in records for key in record_lock_keys(r)])
    else:
        lock(session, ())
