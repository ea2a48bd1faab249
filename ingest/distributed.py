"""Distributed mode: many crawl workers share one scrapy-redis request queue and dupefilter.

This module owns the wiring only; the distribution itself is scrapy-redis's. When ``INGEST_REDIS_URL`` is set (in the
environment or with ``-s``), the ``DistributedMode`` add-on (listed in ``ADDONS`` in ``ingest/settings.py``) switches
every spider to ``scrapy_redis.scheduler.Scheduler`` with ``scrapy_redis.dupefilter.RFPDupeFilter``, keeps the queue
and the seen-fingerprints set in redis across runs (``SCHEDULER_PERSIST``), and adds two small adapters:

* ``SharedStartMiddleware``: start requests go through the shared dupefilter too (Scrapy marks them
  ``dont_filter``), so N workers started with the same spider fetch each start page once, not N times.
* ``IdleGuard``: a worker whose share of the queue is momentarily empty waits ``INGEST_REDIS_MAX_IDLE`` seconds for
  the others to push new requests before it closes, instead of quitting at the first empty poll.

Without ``INGEST_REDIS_URL`` nothing changes. ``python -m ingest.distributed reset SPIDER...`` clears a spider's queue,
dupefilter and waiting listed dates (``<spider>:listed_dates``, see ``pipelines.store``) so the next run starts a fresh
pass (needed after a crashed worker: requests it had taken from the queue are already marked as seen).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider

__all__ = [
    "DistributedMode",
    "IdleGuard",
    "SharedStartMiddleware",
    "listed_dates_key",
    "queue_keys",
    "redact_url",
    "redis_settings",
    "reset",
]

SCHEDULER = "scrapy_redis.scheduler.Scheduler"
DUPEFILTER = "scrapy_redis.dupefilter.RFPDupeFilter"
# The scrapy-redis default key patterns (scrapy_redis.defaults); repeated so `reset` agrees with the scheduler.
QUEUE_KEY = "%(spider)s:requests"
DUPEFILTER_KEY = "%(spider)s:dupefilter"
# Ours: listed dates waiting for their article (pipelines.store.RedisPending), cleared with the queue by `reset`.
LISTED_DATES_KEY = "%(spider)s:listed_dates"
DEFAULT_MAX_IDLE = 30.0


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for logs and messages)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


def redis_settings(redis_url: str) -> dict[str, Any]:
    """The Scrapy settings distributed mode changes; empty when ``redis_url`` is empty."""
    if not redis_url:
        return {}
    return {
        "SCHEDULER": SCHEDULER,
        "DUPEFILTER_CLASS": DUPEFILTER,
        # Kept across runs and worker restarts: a worker that joins later continues the same crawl.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": redis_url,
    }


def _add_component(settings: Any, name: str, path: str, order: int) -> None:
    components = settings.getdict(name)
    components.setdefault(path, order)
    settings.set(name, components, priority=settings.getpriority(name) or 0)


class DistributedMode:
    """Scrapy add-on: turns scrapy-redis on for the crawl when ``INGEST_REDIS_URL`` is set."""

    def update_settings(self, settings: Any) -> None:
        url = str(settings.get("INGEST_REDIS_URL") or "")
        if not url:
            return
        for name, value in redis_settings(url).items():
            # "addon" priority: a user's `-s SCHEDULER_PERSIST=0` on the command line still wins.
            settings.set(name, value, priority="addon")
        _add_component(settings, "SPIDER_MIDDLEWARES", "ingest.distributed.SharedStartMiddleware", 10)
        _add_component(settings, "EXTENSIONS", "ingest.distributed.IdleGuard", 600)


class SharedStartMiddleware:
    """Spider middleware: in distributed mode, start requests are deduplicated by the shared dupefilter."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedStartMiddleware:
        return cls()

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            if isinstance(item_or_request, Request) and item_or_request.dont_filter:
                yield item_or_request.replace(dont_filter=False)
            else:
                yield item_or_request


class IdleGuard:
    """Extension: keep an idle worker open for ``INGEST_REDIS_MAX_IDLE`` seconds after its last activity.

    Another worker may be parsing a listing page that will fill the queue again; closing at the first empty poll
    would leave all the work to whoever started first.
    """

    def __init__(self, crawler: Any, max_idle: float) -> None:
        self.crawler = crawler
        self.max_idle = max_idle
        self.idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> IdleGuard:
        max_idle = crawler.settings.getfloat("INGEST_REDIS_MAX_IDLE", DEFAULT_MAX_IDLE)
        guard = cls(crawler, max_idle)
        crawler.signals.connect(guard.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(guard.active, signal=signals.request_scheduled)
        crawler.signals.connect(guard.active, signal=signals.response_received)
        return guard

    def active(self, *args: Any, **kwargs: Any) -> None:
        self.idle_since = None

    def spider_idle(self, *args: Any, **kwargs: Any) -> None:
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.max_idle:
            raise DontCloseSpider


def queue_keys(spider: str) -> tuple[str, str]:
    """The redis keys of a spider's shared request queue and dupefilter."""
    return QUEUE_KEY % {"spider": spider}, DUPEFILTER_KEY % {"spider": spider}


def listed_dates_key(spider: str) -> str:
    """The redis key of a spider's listed dates waiting for their article (see ``pipelines.store``)."""
    return LISTED_DATES_KEY % {"spider": spider}


def reset(redis_url: str, spiders: Sequence[str]) -> int:
    """Delete the queue, dupefilter and waiting listed dates of ``spiders``; return how many keys existed."""
    import redis  # an optional dependency (the `redis` extra): imported only when distributed mode is used

    client = redis.Redis.from_url(redis_url)
    try:
        keys = [key for spider in spiders for key in (*queue_keys(spider), listed_dates_key(spider))]
        return int(client.delete(*keys)) if keys else 0
    finally:
        client.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.distributed", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("reset", help="clear the shared queue and dupefilter of spiders (start a fresh pass)")
    cmd.add_argument("spiders", nargs="+")
    cmd.add_argument("--redis-url", default=os.environ.get("INGEST_REDIS_URL", ""))
    args = parser.parse_args(argv)
    if not args.redis_url:
        parser.error("no redis URL: set INGEST_REDIS_URL or pass --redis-url")
    try:
        deleted = reset(args.redis_url, args.spiders)
    except Exception as exc:  # connection refused, auth failure, ...: one clear line, no traceback, no password
        print(f"error: cannot reset {redact_url(args.redis_url)}: {type(exc).__name__}", file=sys.stderr)
        return 1
    print(f"deleted {deleted} key(s) for {', '.join(args.spiders)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
