"""The dedup stage: content hash and SimHash fingerprint on each item, and in-run repeats dropped.

The database decides the three cross-run layers (canonical URL, exact hash -> alias, near duplicate ->
``duplicate_of``) inside the store's transaction (``ingest.db.store``), where it sees every worker's rows and
records aliases. This stage computes the keys with the pure functions of ``ingest.dedup`` and drops only what this
run already passed on from the same URL with the same content (an item yielded twice), which would add nothing.
"""

from __future__ import annotations

from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from ingest.dedup import content_hash, fingerprint


class DedupPipeline:
    """Set ``content_hash`` and ``fingerprint``; drop exact repeats within this run."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._seen: set[tuple[str, str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        chash = content_hash(adapter.get("title"), adapter.get("body"))
        adapter["content_hash"] = chash
        adapter["fingerprint"] = fingerprint(adapter.get("title"), adapter.get("body"))
        key = (adapter["url"], adapter.get("canonical_url") or adapter["url"], chash)
        if key in self._seen:
            site = adapter.get("site") or "unknown"
            stats = self.crawler.stats
            if stats is not None:
                stats.inc_value("ingest/dropped/repeat_in_run")
                stats.inc_value(f"ingest/dropped/repeat_in_run/{site}")
            raise DropItem(f"repeat_in_run: {adapter['url']} (already passed on in this run)", log_level="INFO")
        self._seen.add(key)
        return item
