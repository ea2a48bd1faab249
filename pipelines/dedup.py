"""The dedup stage: the store's keys on each item (content hash, MinHash fingerprint, search key), and in-run
repeats dropped.

The database decides the three cross-run layers (canonical URL, exact hash -> alias, near duplicate ->
``duplicate_of``) inside the store's transaction (``ingest.db.store``), where it sees every worker's rows and
records aliases. This stage computes the keys once, with ``ingest.dedup.content_keys`` (the title and body are
normalised once for all three), so the store takes them as given, and drops only what this run recently passed on
from the same URL with the same content (an item yielded twice), which would add nothing.

"Recently" is the last ``INGEST_REPEAT_WINDOW`` items passed on (default 4,096), remembered as 16-byte digests: the
memory of a long crawl must not grow with every page. A repeat older than that reaches the store, whose canonical
URL layer records it as ``unchanged`` (seen again, nothing written twice), so the window only saves work.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from ingest.dedup import content_keys
from ingest.items import ListedDate

DEFAULT_REPEAT_WINDOW = 4096


class DedupPipeline:
    """Set ``content_hash``, ``fingerprint`` and ``search_text``; drop exact repeats within this run."""

    def __init__(self, crawler: Crawler, *, window: int = DEFAULT_REPEAT_WINDOW) -> None:
        if window < 1:
            raise ValueError(f"INGEST_REPEAT_WINDOW must be at least 1, got {window}")
        self.crawler = crawler
        self.window = window
        # Digests of (url, canonical URL, content hash) of the last `window` items passed on, oldest first.
        self._recent: OrderedDict[bytes, None] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, window=crawler.settings.getint("INGEST_REPEAT_WINDOW", DEFAULT_REPEAT_WINDOW))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ListedDate):  # no content to hash: the store applies it to a stored article
            return item
        adapter = ItemAdapter(item)
        keys = content_keys(adapter.get("title"), adapter.get("lead"), adapter.get("body"))
        chash = keys.content_hash
        adapter["content_hash"] = chash
        adapter["fingerprint"] = keys.fingerprint
        adapter["search_text"] = keys.search_text
        parts = (adapter["url"], adapter.get("canonical_url") or adapter["url"], chash)
        key = hashlib.blake2b("\n".join(parts).encode("utf-8"), digest_size=16).digest()
        if key in self._recent:
            site = adapter.get("site") or "unknown"
            stats = self.crawler.stats
            if stats is not None:
                stats.inc_value("ingest/dropped/repeat_in_run")
                stats.inc_value(f"ingest/dropped/repeat_in_run/{site}")
            raise DropItem(f"repeat_in_run: {adapter['url']} (already passed on in this run)", log_level="INFO")
        self._recent[key] = None
        if len(self._recent) > self.window:
            self._recent.popitem(last=False)
        return item
