"""The crawl-run record: a Scrapy extension that writes one ``crawl_runs`` row per spider run.

At ``spider_opened`` it inserts a ``running`` row (or adopts the open row ``INGEST_RUN_ID`` names: ``ingest crawl``
opens it before starting the process) and puts its id in the stats as ``ingest/run_id`` (the store stamps articles
with it); at ``spider_closed`` (after the pipelines have flushed) it records the end time, the
status, the finish reason, the stats, the drops per reason, the number of articles written and the number of pages
kept as rejects (``ingest/rejected``, written by ``ingest.rejects.RejectRecorder``). Status:
``failed`` (``ingest_db_error`` or any database error in the store), ``cancelled`` (shutdown), ``limited`` (a
CLOSESPIDER_* limit), ``finished`` (otherwise, including reasons a spider chose); the status is also in the stats as
``ingest/run_status``.

Scrapy's ``crawl``/``runspider`` commands exit 0 whatever the finish reason, so when a run *failed* under the
``scrapy`` command line, the recorder makes the process exit with ``INGEST_FAILED_RUN_EXIT_CODE`` (default 1) once
Scrapy has finished: a scheduled job must not report success after a database error.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ingest.db.engine import get_engine, session_scope
from ingest.db.models import CrawlRun
from ingest.verdict import drops_per_reason, run_flags, run_status

logger = logging.getLogger(__name__)


def json_stats(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Stats made JSON-safe (datetimes as ISO 8601, other objects as text)."""
    out: dict[str, Any] = {}
    for key, value in stats.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
        elif isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
        else:
            out[key] = json.loads(json.dumps(value, default=str))
    return out


def _is_scrapy_command_line() -> bool:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name == "scrapy.__main__":
        return True
    return os.path.basename(sys.argv[0] if sys.argv else "") == "scrapy"


def _exit_with(code: int) -> None:
    # Runs at interpreter exit, after Scrapy's own sys.exit(0): flush what is buffered, then replace the code.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class CrawlRunRecorder:
    """Scrapy extension (``EXTENSIONS``) recording each run in ``crawl_runs``."""

    def __init__(self, crawler: Crawler, db_url: str, *, failed_exit_code: int = 1) -> None:
        self.crawler = crawler
        self.db_url = db_url
        self.failed_exit_code = failed_exit_code
        self.engine: Engine | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("INGEST_RECORD_RUNS", True):
            raise NotConfigured("INGEST_RECORD_RUNS is off")
        ext = cls(
            crawler,
            crawler.settings.get("INGEST_DB_URL") or "sqlite:///data/news.db",
            failed_exit_code=crawler.settings.getint("INGEST_FAILED_RUN_EXIT_CODE", 1),
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        spider = self.crawler.spider
        name = spider.name if spider is not None else "unknown"
        given = self.crawler.settings.getint("INGEST_RUN_ID", 0)
        try:
            self.engine = get_engine(self.db_url, migrate=True)
            with session_scope(self.engine) as session:
                # `ingest crawl` opens the row before it starts the process (ingest.crawl) and reads the verdict
                # from it: adopt that row when it is this spider's and still open.
                run = session.get(CrawlRun, given) if given else None
                if run is not None and run.spider == name and run.status == "running":
                    run.started_at = datetime.now(UTC)
                else:
                    if given:
                        logger.warning("INGEST_RUN_ID=%s is no open run of %s: recording a new run", given, name)
                    run = CrawlRun(spider=name, started_at=datetime.now(UTC), status="running", stats={}, drops={})
                    session.add(run)
                session.flush()
                self.run_id = run.id
        except SQLAlchemyError:
            # The store fails the crawl on the same database; here we only log so the cause is reported once.
            logger.exception("could not record the start of the %s run in %s", name, self.db_url)
            return
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("ingest/run_id", self.run_id)

    def spider_closed(self, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        status = run_status(reason, stats)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("ingest/run_status", status)
        if status == "failed" and self.failed_exit_code and _is_scrapy_command_line():
            logger.error("run failed (%s): the process will exit with code %d", reason, self.failed_exit_code)
            atexit.register(_exit_with, self.failed_exit_code)
        if self.engine is None or self.run_id is None:
            return
        try:
            with session_scope(self.engine) as session:
                run = session.get(CrawlRun, self.run_id)
                if run is not None:
                    run.finished_at = datetime.now(UTC)
                    run.status = status
                    run.finish_reason = reason
                    run.stats = json_stats(stats)
                    run.drops = drops_per_reason(stats)
                    run.flags = run_flags(stats)
                    run.items_stored = sum(
                        int(stats.get(k, 0)) for k in ("ingest/stored", "ingest/updated", "ingest/duplicate_near")
                    )
                    run.items_rejected = int(stats.get("ingest/rejected", 0))
        except SQLAlchemyError:
            logger.exception("could not record the end of run %s in %s", self.run_id, self.db_url)
        finally:
            self.engine.dispose()
