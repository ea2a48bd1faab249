"""The crawl's stats as a JSON file: a Scrapy extension for scripts and ``ingest crawl``/``ingest demo``.

``StatsFileWriter`` (``EXTENSIONS``) writes the stats to the path in ``INGEST_STATS_FILE`` when the spider closes,
for every spider; without the setting it is not loaded (``NotConfigured``). It is listed last in ``EXTENSIONS``, so
its ``spider_closed`` handler runs after the pipelines have closed and after the other extensions' handlers: the
file holds what they count at the end (``ingest/rejects_resolved``, ``ingest/run_status``, ``finish_reason``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

__all__ = ["StatsFileWriter"]


class StatsFileWriter:
    """Extension: the stats as sorted, indented JSON (datetimes as text) in ``INGEST_STATS_FILE``."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("INGEST_STATS_FILE")
        if not path:
            raise NotConfigured("INGEST_STATS_FILE is not set")
        ext = cls(crawler, Path(path))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self) -> None:
        if self.crawler.stats is None:
            return
        stats = self.crawler.stats.get_stats()
        self.path.write_text(json.dumps(stats, default=str, indent=1, sort_keys=True), encoding="utf-8")
