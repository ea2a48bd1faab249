"""A real crawl's log is readable: the hostile site's crawl at DEBUG, with drops, has one short line per item."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.hostile.site import HostileSite
from tests.reliability.harness import run_crawl

pytestmark = pytest.mark.slow

LINE_LIMIT = 2000


def test_a_crawl_with_drops_logs_no_line_over_2000_characters(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the log", encoding="utf-8")
    site = HostileSite(secret_file=secret)
    base, stop = site.serve()
    try:
        crawl = run_crawl(
            "kontumtv", f"sqlite:///{tmp_path / 'news.db'}", f"start_url={base}", "max_pages=3",
            stats_file=tmp_path / "stats.json", LOG_LEVEL="DEBUG",
        )  # fmt: skip
    finally:
        stop()
    assert crawl.returncode == 0, crawl.log[-3000:]
    lines = crawl.log.splitlines()
    assert [line[:200] for line in lines if len(line) > LINE_LIMIT] == []

    # The crawl dropped items (else the test would prove nothing): each drop is one line, reason, URL and site.
    drops = {k.split("/")[2]: v for k, v in crawl.stats.items() if re.fullmatch(r"ingest/dropped/[a-z_]+", k)}
    assert sum(drops.values()) >= 2
    assert sum(drops.values()) == crawl.stats["item_dropped_count"]
    dropped = [line for line in lines if "] INFO: Dropped " in line]
    assert len(dropped) == crawl.stats["item_dropped_count"]
    for reason, count in drops.items():
        pattern = re.compile(rf"Dropped {reason}: {re.escape(base)}\S* \(site kontumtv\)")
        assert sum(1 for line in dropped if pattern.search(line)) == count

    # Scraped items are logged at DEBUG, one line each, without the page.
    scraped = [line for line in lines if "] DEBUG: Scraped " in line]
    assert len(scraped) == crawl.stats["item_scraped_count"] > 0
    assert all("title=" in line for line in scraped)
    page = re.compile(r"<html|<body|<p>|html=|b'<", re.IGNORECASE)
    assert [line[:200] for line in scraped + dropped if page.search(line)] == []
    assert not re.search(r"<html|<body", crawl.log, re.IGNORECASE)
