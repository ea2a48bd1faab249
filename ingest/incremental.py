"""Incremental crawls: a Scrapy spider middleware that holds back article requests for pages already stored.

``IncrementalMiddleware`` (``SPIDER_MIDDLEWARES``) owns every question a crawl asks the database before downloading,
through the narrow read API ``ingest.db.known`` only, and never on the reactor thread:

* **At the start** (``process_start``, before the first start request goes out) it opens the database and reads the
  spider's last finished runs: paging stops at pages dated before the start of the last successful run (less a day,
  ``ingest.paging.incremental_cutoff``), and "all stored" counts only articles first stored before the last finished
  run ended (``ingest.paging.stored_before``). A database it cannot read closes the spider at once with reason
  ``ingest_db_error`` (the run is recorded as failed): an incremental crawl must not run blind.
* **Per callback output** (a feed, a sitemap, a REST API page, a listing page) it collects the article requests (those
  carrying ``ingest.items.DISCOVERED_BY_META``) and the next-page requests (carrying an ``ingest.paging.ListedPage``
  under ``PAGE_META``) and asks ``ingest.db.known.KnownArticles.lookup_with_rejects`` about all their URLs in ONE
  query (per ``BATCH`` requests: a listing page is one batch; a 50,000-URL sitemap a hundred). An article
  request whose page is stored and not due again (``INGEST_RECHECK_AFTER_HOURS``; the one refetch of a stored
  tracking URL met clean, ``StoredArticle.needs_fetch``) is held back and counted (``ingest/skipped_known``); when it
  carried a listed date, that date goes to the store as an ``ingest.items.ListedDate`` (the stored row may lack it).
  An article request whose page is not stored but was kept as a reject ``INGEST_REJECT_RETRIES`` times (default 3)
  is held back too (``ingest/skipped_rejected``): a page that failed that often fails again, and
  ``ingest reprocess --rejected`` retries it from its stored HTML once the extractor improves.
  A next-page request is held back when the page before it is older than the last run or lists only articles earlier
  crawls stored (``ingest/paging_stopped/older_than_cutoff|all_stored``, ``ingest.paging.incremental_stop``).

It is switched off (``NotConfigured``) by ``INGEST_INCREMENTAL=0`` (the crawl then runs as if the database were
empty; the store still deduplicates), without ``INGEST_DB_URL``, and for spiders that do not declare
``incremental = True`` (the ``article`` spider fetches what it is given). A database error in the middle of a crawl
is logged, counted (``ingest/db/errors``) and closes the spider with ``ingest_db_error``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import run_in_thread

from ingest.db.known import KnownArticles, StoredArticle
from ingest.dbfailure import DB_ERROR_REASON, close_for_db_error
from ingest.distributed import redact_url
from ingest.items import DISCOVERED_BY_META, LISTED_DATE_META, ListedDate
from ingest.paging import PAGE_META, ListedPage, articles_known, incremental_cutoff, incremental_stop, stored_before

__all__ = ["BATCH", "IncrementalMiddleware"]

logger = logging.getLogger(__name__)

# Requests checked per query: every listing page in one, and a huge sitemap's memory bounded while it is checked.
BATCH: Final = 500


class IncrementalMiddleware:
    """Spider middleware: article and next-page requests are checked against the stored articles, a batch at once."""

    def __init__(
        self, crawler: Crawler, db_url: str, *, recheck_after_hours: float = 0.0, reject_retries: int = 3
    ) -> None:
        self.crawler = crawler
        self.db_url = db_url
        self.recheck_after_hours = recheck_after_hours
        # A page rejected this many times (and never stored) is not requested again; 0: always requested.
        self.reject_retries = reject_retries
        self.known: KnownArticles | None = None
        self.cutoff: datetime | None = None  # pages older than this hold nothing new (the last run saw them)
        self.stored_before: datetime | None = None  # articles first stored before this: earlier crawls'
        self.failed = False
        spider = crawler.spider
        self.spider_name: str = getattr(spider, "name", None) or "unknown"
        # The registry site the listed dates of skipped articles belong to (the news spider's).
        self.site_name: str | None = getattr(getattr(spider, "site", None), "name", None)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("INGEST_INCREMENTAL", True):
            raise NotConfigured("INGEST_INCREMENTAL is off: crawling as if the database were empty")
        db_url = settings.get("INGEST_DB_URL")
        if not db_url:
            raise NotConfigured("no INGEST_DB_URL")
        if not getattr(crawler.spider, "incremental", False):
            raise NotConfigured("the spider fetches what it is given")
        mw = cls(
            crawler,
            str(db_url),
            recheck_after_hours=settings.getfloat("INGEST_RECHECK_AFTER_HOURS", 0.0),
            reject_retries=settings.getint("INGEST_REJECT_RETRIES", 3),
        )
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    # --- start ------------------------------------------------------------------------------------------------

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        await self.open()
        async for item_or_request in start:
            yield item_or_request

    async def open(self) -> None:
        """Open the database and read the last runs (in a thread); ``CloseSpider`` when it cannot be read."""
        try:
            known, last_started, last_finished = await run_in_thread(self._open)
        except Exception as exc:  # any driver's error: the crawl cannot be incremental, so it must not run blind
            logger.error("cannot read the database %s for an incremental crawl: %s", redact_url(self.db_url), exc)
            raise CloseSpider(DB_ERROR_REASON) from exc
        self.known = known
        self.stored_before = stored_before(last_finished, datetime.now(UTC))
        self.cutoff = incremental_cutoff(last_started)
        if self.cutoff is not None:
            logger.info("incremental crawl: paging stops at pages dated before %s", self.cutoff.isoformat())

    def _open(self) -> tuple[KnownArticles, datetime | None, datetime | None]:
        known = KnownArticles.open(self.db_url)
        try:
            return known, known.last_successful_run(self.spider_name), known.last_finished_at(self.spider_name)
        except Exception:
            known.close()
            raise

    def spider_closed(self) -> None:
        if self.known is not None:
            self.known.close()
            self.known = None

    # --- spider output ----------------------------------------------------------------------------------------

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        """The callback's output with stored articles and needless next pages held back, in the callback's order.
        Output with nothing to check (an article page's item) passes straight through. (``spider``: passed by older
        Scrapy versions only; the crawler's spider is the one.)"""
        held: list[Any] = []
        checks = 0
        async for obj in result:
            if isinstance(obj, Request) and self.known is not None and _to_check(obj):
                held.append(obj)
                checks += 1
                if checks >= BATCH:
                    for out in await self._filter(held):
                        yield out
                    held, checks = [], 0
            elif held:
                held.append(obj)  # kept in order behind the requests being checked
            else:
                yield obj
        if held:
            for out in await self._filter(held):
                yield out

    async def _filter(self, held: list[Any]) -> list[Any]:
        """``held`` less what the database says is not worth requesting (one query for all of it)."""
        requests = [r for r in held if isinstance(r, Request)]
        pages = {id(p): p for r in requests if isinstance(p := r.meta.get(PAGE_META), ListedPage)}
        urls = [r.url for r in requests if DISCOVERED_BY_META in r.meta]
        urls += [u for page in pages.values() for u in page.urls]
        known = self.known
        if known is None or self.failed:
            return []
        try:
            stored, rejected = await run_in_thread(
                partial(known.lookup_with_rejects, urls, reject_attempts=self.reject_retries)
            )
        except Exception as exc:
            self._fail(exc)
            return []
        stops = {key: self._paging_stop(page, stored) for key, page in pages.items()}
        now = datetime.now(UTC)
        out: list[Any] = []
        skipped: list[str] = []
        for obj in held:
            if not isinstance(obj, Request):
                out.append(obj)
                continue
            page = obj.meta.pop(PAGE_META, None)
            if page is not None:
                if not stops.get(id(page)):
                    out.append(obj)
                continue
            row = stored.get(obj.url) if DISCOVERED_BY_META in obj.meta else None
            if row is None and obj.url in rejected and DISCOVERED_BY_META in obj.meta:
                self._stat("ingest/skipped_rejected")
                continue
            if row is None or row.needs_fetch(obj.url, recheck_after_hours=self.recheck_after_hours, now=now):
                out.append(obj)
                continue
            skipped.append(obj.url)
            listed = obj.meta.get(LISTED_DATE_META)
            if listed is not None:
                # The stored row may lack this date (an earlier run parsed the page before the feed listed it).
                self._stat("ingest/listed_dates/sent")
                out.append(ListedDate(url=obj.url, listed_published=listed, site=self.site_name))
        if skipped:
            self._stat("ingest/skipped_known", len(skipped))
            self.crawler.signals.send_catch_log(signal=articles_known, urls=skipped)
        return out

    def _paging_stop(self, page: ListedPage, stored: dict[str, StoredArticle]) -> bool:
        flags = [(row := stored.get(u)) is not None and row.stored_before(self.stored_before) for u in page.urls]
        reason = incremental_stop(page.newest, cutoff=self.cutoff, stored=flags)
        if reason is None:
            return False
        self._stat(f"ingest/paging_stopped/{reason}")
        logger.debug("%s paging stops at depth %d: %s", page.kind, page.depth, reason)
        return True

    def _fail(self, exc: BaseException) -> None:
        self.failed = True
        logger.error("cannot read the database %s for an incremental crawl: %s", redact_url(self.db_url), exc)
        self._stat("ingest/db/errors")
        close_for_db_error(self.crawler)

    def _stat(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)


def _to_check(request: Request) -> bool:
    meta = request.meta
    return DISCOVERED_BY_META in meta or PAGE_META in meta
