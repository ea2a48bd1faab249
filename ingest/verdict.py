"""What a crawl run's stats say about it: its status, the flags of what it had to work around, its drops.

Pure functions over a run's stats (no Scrapy, no database), shared by the run recorder (``ingest.runs``), the crawl
runner's verdict (``ingest.crawl``) and the spider, which must not import the recorder's database code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

OK_STATUSES = frozenset({"finished", "limited"})
_DROPPED = "ingest/dropped/"


# Stats of generic link detection that flag a run (``crawl_runs.flags``): the registry entry needed help.
FLAG_STATS: Final = {
    "generic_links": "ingest/links/generic",
    "registry_stale": "ingest/links/registry_stale",
    "registry_missed": "ingest/links/registry_missed",
    "generic_next_pages": "ingest/links/generic_next_page",
}


def no_articles_found(stats: Mapping[str, Any]) -> bool:
    """Whether a run fetched listing pages but found no article URL anywhere (listings, feeds, sitemaps, API): the
    registry entry no longer matches the site, and the run must fail rather than look fine with nothing stored."""
    return bool(stats.get("ingest/discovery/listing_pages")) and not stats.get("ingest/discovery/article_urls")


def run_flags(stats: Mapping[str, Any]) -> dict[str, int] | None:
    """What a run had to work around, for ``crawl_runs.flags`` (``{"generic_links": 12, "registry_stale": 1}``
    when generic link detection stood in for the registry), or None when nothing."""
    flags = {name: int(stats.get(key) or 0) for name, key in FLAG_STATS.items()}
    flags = {name: count for name, count in flags.items() if count}
    return flags or None


def run_status(reason: str | None, stats: Mapping[str, Any]) -> str:
    """The status recorded for a run that closed with ``reason`` and these stats: ``failed`` also when listing pages
    were fetched but no article link was found (:func:`no_articles_found`)."""
    if stats.get("ingest/db/errors") or reason == "ingest_db_error":
        return "failed"
    if reason == "finished" and no_articles_found(stats):
        return "failed"
    if reason in ("shutdown", "cancelled"):
        return "cancelled"
    if reason and reason.startswith("closespider_"):
        return "limited"
    return "finished"  # "finished", or a reason a spider chose deliberately (CloseSpider("since_reached"))


def drops_per_reason(stats: Mapping[str, Any]) -> dict[str, int]:
    """``ingest/dropped/<reason>`` counters (not the per-site ones) as ``{reason: count}``."""
    return {
        key[len(_DROPPED) :]: int(value)
        for key, value in stats.items()
        if key.startswith(_DROPPED) and "/" not in key[len(_DROPPED) :]
    }
