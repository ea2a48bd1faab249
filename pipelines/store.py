"""The store stage: items buffered and written in batches, one database session (transaction) per batch.

The dedup decisions and upserts are ``ingest.db.store.write_batch``; this class only buffers, counts and fails
loudly. A database error closes the spider with reason ``ingest_db_error`` (the run is recorded as failed and
``ingest crawl`` exits non-zero); a killed crawl loses at most the open batch, which the next run fetches again
because nothing of it is stored.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ingest.db.engine import get_engine
from ingest.db.store import count_outcomes, store_batch
from ingest.items import ArticleItem

logger = logging.getLogger(__name__)

DB_ERROR_REASON = "ingest_db_error"
_STAT_KEYS = {
    "stored": "ingest/stored",
    "updated": "ingest/updated",
    "unchanged": "ingest/unchanged",
    "duplicate_exact": "ingest/duplicate_exact",
    "duplicate_near": "ingest/duplicate_near",
}


def _record(item: Any) -> dict[str, Any]:
    """The item as the dict ``store_batch`` takes. An ArticleItem is copied shallowly: the store only reads its
    records, and ItemAdapter.asdict's deep walk (every field, every image dict) cost more than the copy is worth."""
    if isinstance(item, ArticleItem):
        return dict(vars(item))
    return ItemAdapter(item).asdict()


class StorePipeline:
    """Batched writes of articles into the database at ``INGEST_DB_URL``."""

    def __init__(self, crawler: Crawler, *, db_url: str, batch_size: int) -> None:
        if batch_size < 1:
            raise ValueError(f"INGEST_STORE_BATCH_SIZE must be at least 1, got {batch_size}")
        self.crawler = crawler
        self.db_url = db_url
        self.batch_size = batch_size
        self.engine: Engine | None = None
        self._batch: list[dict[str, Any]] = []
        self._failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            crawler,
            db_url=crawler.settings.get("INGEST_DB_URL") or "sqlite:///data/news.db",
            batch_size=crawler.settings.getint("INGEST_STORE_BATCH_SIZE", 50),
        )

    def open_spider(self) -> None:
        # Fails the crawl at start (exit code 1) when the database is unreachable or cannot be migrated.
        self.engine = get_engine(self.db_url, migrate=True)

    def process_item(self, item: Any) -> Any:
        if self._failed:
            self._count_drop(ItemAdapter(item).get("site"))
            raise DropItem(f"{DB_ERROR_REASON}: database unavailable, not stored", log_level="WARNING")
        self._batch.append(_record(item))
        if len(self._batch) >= self.batch_size:
            self._flush()
        return item

    def close_spider(self) -> None:
        try:
            if self._batch and not self._failed:
                self._flush()
        finally:
            if self.engine is not None:
                self.engine.dispose()

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
        try:
            outcomes = store_batch(self.engine, batch, run_id=run_id if isinstance(run_id, int) else None)
        except (SQLAlchemyError, ValueError):  # ValueError: a record the schema cannot hold (a bug upstream)
            self._failed = True
            logger.exception("database error writing %d articles (first %s)", len(batch), batch[0].get("url"))
            if stats is not None:
                stats.inc_value("ingest/db/errors")
                stats.inc_value("ingest/db/lost", len(batch))
            self._close_spider()
            return
        if stats is not None:
            for outcome, n in count_outcomes(outcomes).items():
                if n:
                    stats.inc_value(_STAT_KEYS[outcome], n)

    def _close_spider(self) -> None:
        try:
            engine = self.crawler.engine
        except RuntimeError:  # no crawl running (the stage used on its own): nothing to close
            return
        if engine is not None and engine.running:
            deferred_from_coro(engine.close_spider_async(reason=DB_ERROR_REASON))
