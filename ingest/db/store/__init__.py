"""The store: articles written through the three dedup layers, one decision path for one record or a million.

A batch goes through four steps, each its own module:

1. ``records``: each record (``ingest.items.ArticleItem`` field names, with the keys the dedup stage computed)
   becomes a :class:`~ingest.db.store.records.Record`: identity, keys, and column values cleaned for the schema.
2. ``snapshot``: one set-based read of every stored article the batch can meet (canonical URLs ``IN``, alias URLs
   ``IN``, content hashes ``IN``, fingerprint band keys ``IN``), after the batch's locks (``locks``: PostgreSQL
   advisory locks on every dedup key, SQLite's write lock first, so parallel writers see each other's rows).
3. ``decide``: the pure decisions, record after record over the snapshot (new, alias, seen again, content changed,
   exact or near duplicate, copies merged by quality), as a plan of actions. No database: unit-tested alone.
4. ``apply``: the plan written set-based: a few statements per table whatever the batch's size.

``write_batch`` runs the four in the caller's transaction; ``write_article`` is a batch of one; ``store_batch``
owns a transaction per batch (retried when parallel workers deadlock) and ``store_many`` is the bulk load.
``apply_listed_dates`` merges dates discovery gave after an article was stored (``listed``); ``update_metadata``
rewrites a stored article's metadata in place (``ingest reprocess``). Rejected pages are ``ingest.db.rejects``'.
"""

from ingest.db.store.apply import dialect_insert
from ingest.db.store.decide import OUTCOMES, Outcome
from ingest.db.store.listed import ListedOutcome, apply_listed_dates, store_listed_dates
from ingest.db.store.metadata import update_metadata
from ingest.db.store.records import DEFAULT_ROLE, NAME_MAX, URL_MAX, compress_html, decompress_html
from ingest.db.store.write import (
    BULK_BATCH_SIZE,
    BULK_SQLITE_CACHE_KIB,
    PG_LOCKS_PER_BATCH,
    count_outcomes,
    is_transient,
    pg_batch_size,
    store_batch,
    store_many,
    write_article,
    write_batch,
)

__all__ = [
    "BULK_BATCH_SIZE",
    "BULK_SQLITE_CACHE_KIB",
    "DEFAULT_ROLE",
    "NAME_MAX",
    "OUTCOMES",
    "PG_LOCKS_PER_BATCH",
    "URL_MAX",
    "ListedOutcome",
    "Outcome",
    "apply_listed_dates",
    "compress_html",
    "count_outcomes",
    "decompress_html",
    "dialect_insert",
    "is_transient",
    "pg_batch_size",
    "store_batch",
    "store_listed_dates",
    "store_many",
    "update_metadata",
    "write_article",
    "write_batch",
]
