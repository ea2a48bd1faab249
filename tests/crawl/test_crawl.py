"""End-to-end: the real spiders and pipelines crawl the offline fixture sites (scrapy in a subprocess) into a real
database; the assertions read the database, the crawl's stats and the fixture server's access log."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.demo.server import FixtureServer
from ingest.demo.sites import SEED_NUMBER, SYNDICATED, UTM
from ingest.normalize import canonical_url
from ingest.registry import load_sites
from tests.crawl.conftest import ROOT, crawl, rows

pytestmark = pytest.mark.slow  # every test here runs scrapy in a subprocess


def article_hits(server: FixtureServer, site: str) -> list[str]:
    """Targets of article downloads (status 200 or 500) on ``site``, in request order."""
    paths = {server.sites[site].article_path(a) for a in server.sites[site].articles}
    return [h.target for h in server.hits(site) if h.target.split("?")[0] in paths or h.target + "/" in paths]


def test_scrapy_list_shows_every_registry_site_and_article() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True
    )
    listed = set(result.stdout.split())
    assert set(load_sites()) <= listed
    assert "article" in listed


def test_wordpress_crawl_is_incremental(
    fixture_server: FixtureServer, db_url: str, tmp_path: Path, seed_text: str
) -> None:
    site = fixture_server.sites["kontumtv"]
    url = fixture_server.urls["kontumtv"]
    first = crawl("kontumtv", db_url, tmp_path / "run1.json", f"start_url={url}")

    stored = rows(db_url, "SELECT canonical_url FROM articles WHERE site = 'kontumtv'")
    expected = {canonical_url(site.article_url(a)) for a in site.articles}
    assert {r[0] for r in stored} == expected
    assert len(stored) == len(expected)
    assert first.get("retry/count", 0) >= 1  # the 500-once post was retried and stored
    assert first["downloader/response_status_count/404"] >= 1  # the deleted post
    # The utm-tagged feed link and the plain listing link are one article, downloaded once.
    utm_article = next(a for a in site.articles if a.number == UTM)
    downloads = [t for t in article_hits(fixture_server, "kontumtv") if site.article_path(utm_article) in t]
    assert len(downloads) == 1
    # The seed report prints no date of its own (only a year-less dateline): the REST API's date for it is used.
    seed = next(a for a in site.articles if a.number == SEED_NUMBER)
    (published, body) = rows(
        db_url,
        "SELECT published_at, body FROM articles WHERE canonical_url = :u",
        u=canonical_url(site.article_url(seed)),
    )[0]
    assert str(published).startswith(seed.published.astimezone(UTC).date().isoformat())
    assert seed_text.split("\n")[0].split(". ")[1].strip() in body

    # Between runs the site publishes one post; the second run fetches it and no stored article.
    hits_before = len(fixture_server.access_log)
    new_url = fixture_server.add_article("kontumtv")
    second = crawl("kontumtv", db_url, tmp_path / "run2.json", f"start_url={url}")
    later = [h.target for h in fixture_server.access_log[hits_before:] if h.site == "kontumtv"]
    article_paths = {site.article_path(a) for a in site.articles}
    fetched_articles = [t for t in later if t.split("?")[0] in article_paths]
    assert fetched_articles == [new_url.removeprefix(url.rstrip("/"))]
    assert second["ingest/skipped_known"] >= len(expected)
    assert second.get("ingest/paging_stopped/all_stored", 0) + second.get("ingest/paging_stopped/older_than_cutoff", 0)
    stored_after = {r[0] for r in rows(db_url, "SELECT canonical_url FROM articles WHERE site = 'kontumtv'")}
    assert stored_after == expected | {canonical_url(new_url)}


def test_vnpt_and_zcms_sites_collapse_duplicate_urls(fixture_server: FixtureServer, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    for name in ("baodaklak", "baogialai"):
        crawl(name, db_url, tmp_path / f"{name}.json", f"start_url={fixture_server.urls[name]}")
        site = fixture_server.sites[name]
        count = rows(db_url, "SELECT count(*) FROM articles WHERE site = :site", site=name)[0][0]
        # VNPT articles answer with and without their trailing slash (sitemap vs listing): still one row each.
        assert count == len(site.articles)
        assert len(article_hits(fixture_server, name)) >= len(site.articles)
    titles = rows(db_url, "SELECT title, body FROM articles WHERE site = 'baogialai'")
    assert all(t and len(b) > 200 for t, b in titles)


def test_syndicated_story_is_stored_per_site_and_marked_near_duplicate(
    fixture_server: FixtureServer, tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    for name in ("kontumtv", "baogialai"):
        crawl(name, db_url, tmp_path / f"{name}.json", f"start_url={fixture_server.urls[name]}")
    story = next(a for a in fixture_server.sites["kontumtv"].articles if a.number == SYNDICATED)
    found = rows(
        db_url,
        "SELECT site, id, duplicate_of FROM articles WHERE title LIKE :t ORDER BY site",
        t=story.title.split(" (số")[0] + "%",
    )
    assert [site for site, _, _ in found] == ["baogialai", "kontumtv"]
    # The lightly edited copy is recognised as a near-duplicate of the original crawled first.
    (_, _, copy_of), (_, original, _) = found
    assert copy_of == original


def test_since_limits_the_crawl(fixture_server: FixtureServer, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    site = fixture_server.sites["baogialai"]
    # The day after the newest post of listing page 2: that page is then wholly older than `since`.
    since = (max(a.published for a in site.page_of(2)[0]) + timedelta(days=1)).date()
    stats = crawl(
        "baogialai", db_url, tmp_path / "s.json", f"start_url={fixture_server.urls['baogialai']}", f"since={since}"
    )
    stored = rows(db_url, "SELECT published_at FROM articles")
    wanted = [a for a in site.articles if a.published.date() >= since]
    assert 0 < len(stored) == len(wanted) < len(site.articles)
    assert stats["ingest/skipped_out_of_range"] >= 1
    # The listing's second page holds only posts older than `since`: paging ends there.
    assert stats["ingest/paging_stopped/older_than_cutoff"] >= 1
    assert all(isinstance(r[0], datetime | str) for r in stored)


def test_article_spider_fetches_given_urls(fixture_server: FixtureServer, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    site = fixture_server.sites["baodaklak"]
    urls = [site.article_url(a) for a in site.articles[:2]]
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# two articles\n{urls[1]}\n\n", encoding="utf-8")
    crawl("article", db_url, tmp_path / "a.json", f"url={urls[0]}", f"urls_file={listing}", "site=baodaklak")
    stored = rows(db_url, "SELECT site, canonical_url FROM articles ORDER BY canonical_url")
    assert stored == sorted(("baodaklak", canonical_url(u)) for u in urls)


@pytest.mark.parametrize("bad", ["url=ftp://example.org/x", "since=yesterday-ish"])
def test_bad_arguments_fail_clearly(bad: str, tmp_path: Path) -> None:
    spider = "article" if bad.startswith("url=") else "kontumtv"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", spider, "-a", bad, "-s", f"INGEST_DB_URL=sqlite:///{tmp_path}/x.db"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "not an http(s) URL" in result.stderr or "not a date" in result.stderr


def test_max_pages_limits_listing_pagination(fixture_server: FixtureServer, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    url = fixture_server.urls["baodaklak"]
    stats = crawl("baodaklak", db_url, tmp_path / "m.json", f"start_url={url}", "max_pages=2")
    listing_pages = {h.target for h in fixture_server.hits("baodaklak", "/")}
    assert listing_pages == {"/", "/?page=2"}
    assert stats["ingest/paging_stopped/max_pages"] == 1
    # The sitemap still names every article: max_pages bounds paging, not discovery.
    count = rows(db_url, "SELECT count(*) FROM articles")[0][0]
    assert count == len(fixture_server.sites["baodaklak"].articles)


def test_run_is_recorded_and_bounds_the_next_one(fixture_server: FixtureServer, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    url = fixture_server.urls["baogialai"]
    crawl("baogialai", db_url, tmp_path / "1.json", f"start_url={url}")
    (status,) = rows(db_url, "SELECT status FROM crawl_runs WHERE spider = 'baogialai'")[0]
    assert status == "finished"
    fixture_server.add_article("baogialai")
    second = crawl("baogialai", db_url, tmp_path / "2.json", f"start_url={url}")
    # Page 1 holds the new post; page 2 only posts older than the first run, so paging ends there.
    assert fixture_server.hits("baogialai", "/")[-1].target == "/?trang=2"
    assert second.get("ingest/paging_stopped/older_than_cutoff", 0) + second.get("ingest/paging_stopped/all_stored", 0)
    assert second["ingest/stored"] == 1


def test_recheck_after_hours_fetches_stored_articles_again(fixture_server: FixtureServer, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    url = fixture_server.urls["baogialai"]
    crawl("baogialai", db_url, tmp_path / "1.json", f"start_url={url}")
    before = len(article_hits(fixture_server, "baogialai"))
    # A third of a second: every article stored by the first run is due again.
    second = crawl("baogialai", db_url, tmp_path / "2.json", f"start_url={url}", INGEST_RECHECK_AFTER_HOURS="0.0001")
    assert second.get("ingest/skipped_known", 0) == 0
    assert len(article_hits(fixture_server, "baogialai")) - before == len(fixture_server.sites["baogialai"].articles)


def test_unreadable_database_closes_the_spider(fixture_server: FixtureServer, tmp_path: Path) -> None:
    # Only the spider reads the database here (no pipelines, no run recorder): its own failure is what shows.
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "baogialai",
        "-a",
        f"start_url={fixture_server.urls['baogialai']}",
    ]
    (tmp_path / "not-a-dir").write_text("a file where the database's folder should be", encoding="utf-8")
    command += ["-s", f"INGEST_DB_URL=sqlite:///{tmp_path}/not-a-dir/news.db", "-s", "ITEM_PIPELINES={}"]
    command += ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0"]
    command += ["-s", "EXTENSIONS={}", "-s", "LOG_LEVEL=INFO"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert "Spider closed (ingest_db_error)" in result.stderr
    assert "cannot read the database" in result.stderr
    assert fixture_server.hits("baogialai") == []


def test_http_cache_replays_a_crawl_without_the_site(fixture_server: FixtureServer, tmp_path: Path) -> None:
    url = fixture_server.urls["baodaklak"]
    cache = {"HTTPCACHE_ENABLED": "1", "HTTPCACHE_DIR": str(tmp_path / "cache"), "INGEST_INCREMENTAL": "0"}
    crawl("baodaklak", f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "1.json", f"start_url={url}", **cache)
    first_targets = {h.target for h in fixture_server.hits("baodaklak") if h.status == 200}
    hits = len(fixture_server.access_log)
    second = crawl("baodaklak", f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "2.json", f"start_url={url}", **cache)
    # Every URL fetched in the first run came from the cache; only an article reached under its other URL form
    # (with or without the trailing slash, whichever discovery found first this time) went to the site.
    again = [h.target for h in fixture_server.access_log[hits:]]
    assert not set(again) & first_targets
    assert second["httpcache/hit"] >= len(first_targets) - len(again)
    count = rows(f"sqlite:///{tmp_path / 'b.db'}", "SELECT count(*) FROM articles")[0][0]
    assert count == len(fixture_server.sites["baodaklak"].articles)
