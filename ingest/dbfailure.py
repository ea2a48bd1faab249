"""What a crawl component does when the database fails it: one reason and one way of stopping the crawl.

The store stage, the reject recorder and the incremental middleware each meet database errors on their own; they
all count ``ingest/db/errors``, log, and close the spider with :data:`DB_ERROR_REASON` so the run is recorded as
failed and ``scrapy crawl`` exits non-zero (a run that loses data must fail loudly).
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

# The spider's close reason after a database error (``ingest.verdict`` reads it as a failed run).
DB_ERROR_REASON = "ingest_db_error"


def close_for_db_error(crawler: Crawler) -> None:
    """Close the running crawl with :data:`DB_ERROR_REASON`; nothing when no crawl runs (a component used alone)."""
    try:
        engine = crawler.engine
    except RuntimeError:  # no crawl running: nothing to close
        return
    if engine is not None and engine.running:
        deferred_from_coro(engine.close_spider_async(reason=DB_ERROR_REASON))
