"""Paging ends by itself without ``max_pages``: the ``INGEST_MAX_LISTING_PAGES`` cap, and listing pages that only
repeat article links this run already found (``ingest/paging_stopped/<reason>``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.demo.server import FixtureServer
from tests.crawl.conftest import crawl, rows
from tests.hostile.site import HostileSite

pytestmark = pytest.mark.slow  # every test here runs a crawl


def test_listing_page_cap_applies_without_max_pages(fixture_server: FixtureServer, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    url = fixture_server.urls["baodaklak"]
    stats = crawl("baodaklak", db_url, tmp_path / "c.json", f"start_url={url}", INGEST_MAX_LISTING_PAGES="2")
    assert {h.target for h in fixture_server.hits("baodaklak", "/")} == {"/", "/?page=2"}
    assert stats["ingest/paging_stopped/page_cap"] == 1
    assert "ingest/paging_stopped/max_pages" not in stats
    # The sitemap still names every article: the cap bounds paging, not discovery.
    assert rows(db_url, "SELECT count(*) FROM articles")[0][0] == len(fixture_server.sites["baodaklak"].articles)


def test_repeating_listing_pages_end_the_pagination(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not read", encoding="utf-8")
    site = HostileSite(secret_file=secret)
    base, stop = site.serve()
    try:
        stats = crawl("kontumtv", f"sqlite:///{tmp_path / 'news.db'}", tmp_path / "s.json", f"start_url={base}")
    finally:
        stop()
    # Every page of the endless listing links the same articles: page 1 is new, pages 2 and 3 are not, then stop.
    assert stats["ingest/paging_stopped/no_new_articles"] >= 1
    assert len([hit for hit in site.hits if "/page/" in hit]) <= 5
