"""Keep every page fetched as an article that is not stored: a Scrapy extension writing ``rejected_pages``.

Pipeline stages reject an item by raising :class:`RejectItem` (a ``DropItem`` with a reason and a detail): the
validate stage (no title, no body, short body, legacy font, listing page, future date, over-long URL) and the
normalize stage (a normaliser error). :class:`RejectRecorder` listens for dropped items and writes each
``RejectItem`` through ``ingest.db.rejects`` with the item's raw HTML, URL, reason, detail, fetch time and run id. It
also keeps what would otherwise vanish with a traceback in the log:

* ``extract_error``: the spider's callback raised on a page it requested as an article (the request's meta holds
  ``ingest.items.DISCOVERED_BY_META``); the response's body is kept.
* ``pipeline_error``: a pipeline stage raised something other than ``DropItem`` on an item.

Stats: ``ingest/rejected`` and ``ingest/rejected/<reason>`` count the rows written (``crawl_runs.items_rejected``
records the first). A page stored again later resolves its reject: the recorder notes stored items whose URL has an
open reject and, once the pipelines have flushed (``spider_closed``), marks those rejects resolved with the article's
id; when no reject is open at the start of the run, this costs nothing.

A database error while writing a reject fails the crawl as the store stage does: logged, counted in
``ingest/db/errors``, the spider closed with reason ``ingest_db_error`` (the run is recorded as failed).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Response
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from twisted.python.failure import Failure

from ingest.db.engine import get_engine, session_scope
from ingest.db.rejects import Reject, has_unresolved, resolve_stored, row_url, store_reject, unresolved
from ingest.dbfailure import DB_ERROR_REASON, close_for_db_error
from ingest.items import DISCOVERED_BY_META

logger = logging.getLogger(__name__)

# Stored items whose URLs are checked for open rejects in one query.
_CHECK_EVERY = 200


class RejectItem(DropItem):
    """A ``DropItem`` for a page that is kept as a reject: ``reason`` (a code) and ``detail`` (for people).

    The drop is logged at ``log_level`` (INFO by default) as one line, reason, URL and site, by the project's
    ``LOG_FORMATTER`` (``ingest.logformatter``); the recorder adds a DEBUG line when the page is kept."""

    def __init__(
        self, reason: str, detail: str | None = None, *, message: str | None = None, log_level: str = "INFO"
    ) -> None:
        super().__init__(message or reason, log_level=log_level)
        self.reason = reason
        self.detail = detail


def reject_of_item(item: Any, reason: str, detail: str | None) -> Reject | None:
    """The ``Reject`` for a pipeline item (None when it has no URL to keep it under)."""
    adapter = ItemAdapter(item)
    url = adapter.get("url")
    if not isinstance(url, str) or not url:
        return None
    html = adapter.get("html")
    fetched = adapter.get("fetched_at")
    status = adapter.get("http_status")
    return Reject(
        url=url,
        reason=reason,
        detail=detail,
        site=adapter.get("site"),
        fetched_at=fetched if isinstance(fetched, datetime) and fetched.tzinfo is not None else None,
        http_status=status if isinstance(status, int) else None,
        encoding=adapter.get("encoding"),
        html=html.encode("utf-8") if isinstance(html, str) else html,
        discovered_by=adapter.get("discovered_by"),
    )


class RejectRecorder:
    """Scrapy extension (``EXTENSIONS``): rejected items and article pages that raised go to ``rejected_pages``."""

    def __init__(self, crawler: Crawler, db_url: str) -> None:
        self.crawler = crawler
        self.db_url = db_url
        self.engine: Engine | None = None
        self._failed = False
        self._watch = False  # some reject is open: look for stored items that resolve one
        self._stored_urls: list[tuple[str, tuple[str, ...]]] = []  # (reject key, URLs stored under) to check
        self._pending: dict[str, tuple[str, ...]] = {}  # open rejects whose page this run passed to the store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler, crawler.settings.get("INGEST_DB_URL") or "sqlite:///data/news.db")
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        return ext

    # --- signals --------------------------------------------------------------------------------------------------

    def spider_opened(self) -> None:
        try:
            self.engine = get_engine(self.db_url, migrate=True)
            with session_scope(self.engine) as session:
                self._watch = has_unresolved(session)
        except SQLAlchemyError:
            self._fail("could not open the database for rejected pages")

    def item_dropped(self, item: Any, exception: BaseException, **_kw: Any) -> None:
        if isinstance(exception, RejectItem):
            self.record(reject_of_item(item, exception.reason, exception.detail))

    def item_error(self, item: Any, failure: Failure, **_kw: Any) -> None:
        self._stat("ingest/dropped/pipeline_error")
        self.record(reject_of_item(item, "pipeline_error", _describe(failure.value or Exception("unknown error"))))

    def spider_error(self, failure: Failure, response: Response | Failure, **_kw: Any) -> None:
        request = response.request if isinstance(response, Response) else None
        if request is None or DISCOVERED_BY_META not in request.meta:
            return  # not a page requested as an article (a listing, a feed): Scrapy's log and stats have it
        assert isinstance(response, Response)
        self._stat("ingest/dropped/extract_error")
        self.record(
            Reject(
                url=response.url,
                reason="extract_error",
                detail=_describe(failure.value or Exception("unknown error")),
                site=_site_name(self.crawler.spider, response.url),
                fetched_at=datetime.now(UTC),
                http_status=response.status,
                html=response.body,
                discovered_by=response.meta.get(DISCOVERED_BY_META),
            )
        )

    def item_scraped(self, item: Any, **_kw: Any) -> None:
        if not self._watch or self._failed:
            return
        adapter = ItemAdapter(item)
        url = adapter.get("url")
        if not isinstance(url, str):
            return
        urls = tuple(u for u in dict.fromkeys((url, adapter.get("canonical_url"))) if isinstance(u, str) and u)
        self._stored_urls.append((row_url(url), urls))
        if len(self._stored_urls) >= _CHECK_EVERY:
            self._check_stored()

    def spider_closed(self) -> None:
        # After the pipelines closed: the store has flushed its last batch, so stored pages can be looked up.
        try:
            if self._watch and not self._failed and self.engine is not None:
                self._check_stored()
                if self._pending and not self._failed:
                    with session_scope(self.engine) as session:
                        n = resolve_stored(session, self._pending, now=datetime.now(UTC))
                    self._stat("ingest/rejects_resolved", n)
        except SQLAlchemyError:
            self._fail("could not resolve rejected pages stored in this run")
        finally:
            if self.engine is not None:
                self.engine.dispose()

    # --- writing --------------------------------------------------------------------------------------------------

    def record(self, reject: Reject | None) -> None:
        """Write one reject (counted), or count it as lost when the database has failed."""
        if reject is None:  # no URL to keep it under (the validate stage counted it as no_url)
            return
        if self._failed or self.engine is None:
            self._stat(f"ingest/dropped/{DB_ERROR_REASON}")
            logger.warning("rejected page %s (%s) not kept: the database is unavailable", reject.url, reject.reason)
            return
        stats = self.crawler.stats
        run_id = stats.get_value("ingest/run_id") if stats is not None else None
        try:
            store_reject(self.engine, reject, run_id=run_id if isinstance(run_id, int) else None)
        except (SQLAlchemyError, ValueError):
            self._stat("ingest/db/lost")
            self._fail(f"database error keeping the rejected page {reject.url}")
            return
        self._stat("ingest/rejected")
        self._stat(f"ingest/rejected/{reject.reason}")
        logger.debug("kept rejected page %s: %s (%s)", reject.url, reject.reason, reject.detail or "")

    def _check_stored(self) -> None:
        batch, self._stored_urls = self._stored_urls, []
        if not batch or self.engine is None:
            return
        by_key: dict[str, tuple[str, ...]] = {}
        for key, urls in batch:
            by_key[key] = by_key.get(key, ()) + urls
        try:
            with session_scope(self.engine) as session:
                found = unresolved(session, by_key)
        except SQLAlchemyError:
            self._fail("could not look up rejected pages")
            return
        for key in found:
            self._pending[key] = self._pending.get(key, ()) + by_key[key]

    def _stat(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def _fail(self, what: str) -> None:
        self._failed = True
        logger.exception("%s in %s", what, make_url(self.db_url).render_as_string(hide_password=True))
        self._stat("ingest/db/errors")
        close_for_db_error(self.crawler)


def _site_name(spider: Any, url: str) -> str | None:
    """The registry site of the page: the news spider's own, or the one the article spider finds for the URL."""
    site = getattr(spider, "site", None)
    site_for = getattr(spider, "site_for", None)
    if site is None and callable(site_for):
        site = site_for(url)
    name = getattr(site, "name", None)
    return name if isinstance(name, str) else None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:500]}" if text else type(exc).__name__
