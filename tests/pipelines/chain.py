"""Running items through the project's four pipeline stages in-process, as the Scrapy engine would."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from pipelines.dedup import DedupPipeline
from pipelines.normalize import NormalizePipeline
from pipelines.store import StorePipeline
from pipelines.validate import ValidatePipeline

STAGES = (NormalizePipeline, ValidatePipeline, DedupPipeline, StorePipeline)


def make_crawler(db_url: str, **settings: Any) -> Crawler:
    return get_crawler(settings_dict={"INGEST_DB_URL": db_url, "INGEST_STORE_BATCH_SIZE": 2, **settings})


def run_chain(crawler: Crawler, items: Iterable[Any]) -> tuple[list[Any], list[str]]:
    """Pass every item through all stages; return the items that came out and the drop messages."""
    stages = [build_from_crawler(cls, crawler) for cls in STAGES]
    for stage in stages:
        if hasattr(stage, "open_spider"):
            stage.open_spider()
    passed: list[Any] = []
    dropped: list[str] = []
    for item in items:
        try:
            for stage in stages:
                item = stage.process_item(item)
        except DropItem as exc:
            dropped.append(str(exc))
        else:
            passed.append(item)
    for stage in stages:
        if hasattr(stage, "close_spider"):
            stage.close_spider()
    return passed, dropped
