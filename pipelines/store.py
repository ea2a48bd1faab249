"""The store stage: items buffered and written in batches, one database session (transaction) per batch.

The dedup decisions and upserts are ``ingest.db.store.write_batch``; this class only buffers, counts and fails
loudly. A database error closes the spider with reason ``ingest_db_error`` (the run is recorded as failed and
``ingest crawl`` exits non-zero); a killed crawl loses at most the open batch, which the next run fetches again
because nothing of it is stored.

Listed dates (``ingest.items.ListedDate``: a date a feed, the REST API or a news sitemap gave for an article URL
after the article's own item had gone) are buffered too and applied after the articles of the same flush
(``ingest.db.store.store_listed_dates``); the stage consumes them (they are dropped at DEBUG level, not exported).
A date whose article is not stored yet (its page is still in flight, in this stage's open batch, or, in
distributed mode, in another worker's) waits in a pending map, and every committed batch takes the dates waiting
for its URLs. The map is this process's memory, or with ``INGEST_REDIS_URL`` a redis hash shared by the workers
(``<spider>:listed_dates``, expiring after ``PENDING_TTL`` seconds): a worker publishes a date there *before* it
looks for the article, and a worker looks there *after* it committed articles, so one of the two always sees the
other and no date is lost to timing. Stats: ``ingest/merged`` (stored rows a copy improved),
``ingest/listed_dates/applied|unchanged|missing`` and, at the end, ``ingest/listed_dates/unmatched`` (dates whose
article never arrived in this process's memory map).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ingest.db.engine import get_engine
from ingest.db.store import count_outcomes, store_batch, store_listed_dates
from ingest.dbfailure import DB_ERROR_REASON, close_for_db_error
from ingest.distributed import listed_dates_key
from ingest.items import ArticleItem, ListedDate

logger = logging.getLogger(__name__)

_STAT_KEYS = {
    "stored": "ingest/stored",
    "updated": "ingest/updated",
    "unchanged": "ingest/unchanged",
    "duplicate_exact": "ingest/duplicate_exact",
    "duplicate_near": "ingest/duplicate_near",
}


# A date waiting in redis for an article nobody stored (a page that failed or was dropped) goes after a week.
PENDING_TTL = 7 * 24 * 3600

Note = dict[str, Any]  # {"url", "canonical_url", "listed_published"}: a listed date for the store


def _note_keys(note: Mapping[str, Any]) -> list[str]:
    """The URLs a note waits under: its canonical URL and the URL discovery gave."""
    return list(dict.fromkeys(k for k in (note.get("canonical_url"), note.get("url")) if isinstance(k, str) and k))


class PendingDates(Protocol):
    """Listed dates waiting for their article, findable by any of their URLs (``_note_keys``)."""

    def put(self, note: Note) -> None: ...
    def take(self, keys: Iterable[str]) -> list[Note]: ...
    def discard(self, notes: Iterable[Note]) -> None: ...
    def close(self) -> None: ...


class MemoryPending:
    """The pending map of a single process."""

    def __init__(self) -> None:
        self.notes: dict[str, Note] = {}

    def put(self, note: Note) -> None:
        for key in _note_keys(note):
            self.notes[key] = note

    def take(self, keys: Iterable[str]) -> list[Note]:
        found = {id(n): n for n in (self.notes.get(k) for k in set(keys)) if n is not None}
        self.discard(found.values())
        return list(found.values())

    def discard(self, notes: Iterable[Note]) -> None:
        for note in list(notes):
            for key in _note_keys(note):
                if self.notes.get(key) is note:
                    del self.notes[key]

    def remaining(self) -> list[Note]:
        return list({id(n): n for n in self.notes.values()}.values())

    def close(self) -> None:
        return None


class RedisPending:
    """The pending map shared by distributed workers: one redis hash per spider, URL -> the note as JSON."""

    def __init__(self, url: str, key: str) -> None:
        import redis  # the `redis` extra, present whenever distributed mode is

        self.client = redis.Redis.from_url(url)
        self.key = key

    @staticmethod
    def _dump(note: Note) -> str:
        listed = note.get("listed_published")
        return json.dumps({**note, "listed_published": listed.isoformat() if listed else None}, sort_keys=True)

    @staticmethod
    def _load(raw: bytes) -> Note:
        note: Note = json.loads(raw)
        listed = note.get("listed_published")
        note["listed_published"] = datetime.fromisoformat(listed) if listed else None
        return note

    def put(self, note: Note) -> None:
        keys = _note_keys(note)
        if keys:
            pipe = self.client.pipeline()
            pipe.hset(self.key, mapping=dict.fromkeys(keys, self._dump(note)))
            pipe.expire(self.key, PENDING_TTL)
            pipe.execute()

    def take(self, keys: Iterable[str]) -> list[Note]:
        wanted = sorted(set(keys))
        if not wanted:
            return []
        found = {raw: self._load(raw) for raw in self.client.hmget(self.key, wanted) if raw is not None}
        notes = list(found.values())
        self.discard(notes)
        return notes

    def discard(self, notes: Iterable[Note]) -> None:
        keys = sorted({key for note in notes for key in _note_keys(note)})
        if keys:
            self.client.hdel(self.key, *keys)

    def close(self) -> None:
        self.client.close()


def _record(item: Any) -> dict[str, Any]:
    """The item as the dict ``store_batch`` takes. An ArticleItem is copied shallowly: the store only reads its
    records, and ItemAdapter.asdict's deep walk (every field, every image dict) cost more than the copy is worth."""
    if isinstance(item, ArticleItem):
        return dict(vars(item))
    return ItemAdapter(item).asdict()


class StorePipeline:
    """Batched writes of articles into the database at ``INGEST_DB_URL``."""

    def __init__(self, crawler: Crawler, *, db_url: str, batch_size: int, redis_url: str = "") -> None:
        if batch_size < 1:
            raise ValueError(f"INGEST_STORE_BATCH_SIZE must be at least 1, got {batch_size}")
        self.crawler = crawler
        self.db_url = db_url
        self.batch_size = batch_size
        self.redis_url = redis_url
        self.engine: Engine | None = None
        self._batch: list[dict[str, Any]] = []
        self._notes: list[Note] = []
        self.pending: PendingDates = MemoryPending()
        self._failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            crawler,
            db_url=crawler.settings.get("INGEST_DB_URL") or "sqlite:///data/news.db",
            batch_size=crawler.settings.getint("INGEST_STORE_BATCH_SIZE", 50),
            redis_url=crawler.settings.get("INGEST_REDIS_URL") or "",
        )

    def open_spider(self) -> None:
        # Fails the crawl at start (exit code 1) when the database is unreachable or cannot be migrated.
        self.engine = get_engine(self.db_url, migrate=True)
        spider = getattr(self.crawler, "spider", None)
        if self.redis_url and spider is not None:
            self.pending = RedisPending(self.redis_url, listed_dates_key(spider.name))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ListedDate):
            return self._listed(item)
        if self._failed:
            self._count_drop(ItemAdapter(item).get("site"))
            raise DropItem(f"{DB_ERROR_REASON}: database unavailable, not stored", log_level="WARNING")
        self._batch.append(_record(item))
        if len(self._batch) >= self.batch_size:
            self._flush()
        return item

    def _listed(self, item: ListedDate) -> None:
        """Buffer a listed date for the stored article it names; the item goes no further (nothing to export)."""
        if not self._failed:
            self._notes.append(
                {"url": item.url, "canonical_url": item.canonical_url, "listed_published": item.listed_published}
            )
            if len(self._notes) >= self.batch_size:
                self._flush_notes()
        raise DropItem(f"listed_date: {item.url} (consumed by the store)", log_level="DEBUG")

    def close_spider(self) -> None:
        try:
            if self._batch and not self._failed:
                self._flush()
            if self._notes and not self._failed:
                self._flush_notes()
            if isinstance(self.pending, MemoryPending) and self.pending.notes and not self._failed:
                # This process's last chance: every article it will store is stored now.
                left = self.pending.remaining()
                self.pending.discard(left)
                self._count(self._write_notes(left) or [], missing="ingest/listed_dates/unmatched")
        finally:
            self.pending.close()
            if self.engine is not None:
                self.engine.dispose()

    def _inc(self, key: str, count: int = 1) -> None:
        if count and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def _flush_notes(self) -> None:
        """Apply the buffered listed dates: published to the pending map first, then looked for in the database
        (see the module docstring for why in this order); a date whose article was found leaves the map."""
        notes, self._notes = self._notes, []
        for note in notes:
            self.pending.put(note)
        outcomes = self._write_notes(notes)
        if outcomes is None:
            return
        self.pending.discard(note for note, outcome in zip(notes, outcomes, strict=True) if outcome != "missing")
        self._count(outcomes, missing="ingest/listed_dates/missing")

    def _apply(self, notes: list[Note]) -> None:
        """Apply dates taken from the pending map (their articles were just committed)."""
        if notes:
            self._count(self._write_notes(notes) or [], missing=None)

    def _count(self, outcomes: Iterable[str], *, missing: str | None) -> None:
        for outcome, n in Counter(outcomes).items():
            key = missing if outcome == "missing" else f"ingest/listed_dates/{outcome}"
            if key is not None:
                self._inc(key, n)

    def _write_notes(self, notes: list[Note]) -> list[str] | None:
        if self.engine is None:
            raise RuntimeError("StorePipeline.open_spider() was not called")
        counts: Counter[str] = Counter()
        try:
            outcomes = store_listed_dates(self.engine, notes, counts=counts)
        except (SQLAlchemyError, ValueError):
            self._failed = True
            logger.exception("database error applying %d listed dates", len(notes))
            self._inc("ingest/db/errors")
            close_for_db_error(self.crawler)
            return None
        return list(outcomes)

    def _count_drop(self, site: str | None) -> None:
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"ingest/dropped/{DB_ERROR_REASON}")
            stats.inc_value(f"ingest/dropped/{DB_ERROR_REASON}/{site or 'unknown'}")

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if self.engine is None:
            raise RuntimeError("StorePipeline.open_spider() was not called")
        stats = self.crawler.stats
        run_id = stats.get_value("ingest/run_id") if stats is not None else None
        counts: Counter[str] = Counter()
        try:
            outcomes = store_batch(
                self.engine, batch, run_id=run_id if isinstance(run_id, int) else None, counts=counts
            )
        except (SQLAlchemyError, ValueError):  # ValueError: a record the schema cannot hold (a bug upstream)
            self._failed = True
            logger.exception("database error writing %d articles (first %s)", len(batch), batch[0].get("url"))
            if stats is not None:
                stats.inc_value("ingest/db/errors")
                stats.inc_value("ingest/db/lost", len(batch))
            close_for_db_error(self.crawler)
            return
        if stats is not None:
            for outcome, n in count_outcomes(outcomes).items():
                if n:
                    stats.inc_value(_STAT_KEYS[outcome], n)
        self._inc("ingest/merged", counts["merged"])
        # Dates that waited for these articles (listed before the pages were stored, here or by another worker).
        keys = {k for rec in batch for k in (rec.get("canonical_url"), rec.get("url")) if isinstance(k, str) and k}
        self._apply(self.pending.take(keys))
