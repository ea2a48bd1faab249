"""Sites the registry does not know (or knows wrongly): generic discovery finds every article and nothing else.

Five fixture sites (``unknown_sites.py``), each with its own URL shape, markup and pagination, are crawled by the real
spider through Scrapy's engine with an empty or a stale registry entry. Every request the crawl made is checked
against what the site knows its paths to be: recall (articles fetched / articles published) and precision
(articles fetched / pages fetched as articles) must both reach 95%; on these sites both are in fact 100%.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.demo.server import FixtureServer
from tests.crawl.conftest import FAST, ROOT, rows
from tests.crawl.unknown_sites import REGISTRY, UnknownSite, unknown_sites

pytestmark = pytest.mark.slow


class UnknownSitesServer(FixtureServer):
    """The fixture server, serving the unknown sites instead of the demo ones."""

    def __init__(self, sites: list[UnknownSite]) -> None:
        super().__init__(sites=["kontumtv"])
        self.sites = {site.name: site for site in sites}


@pytest.fixture(scope="module")
def server() -> Iterator[UnknownSitesServer]:
    with UnknownSitesServer(unknown_sites()) as running:
        yield running


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "sites.toml"
    path.write_text(REGISTRY, encoding="utf-8")
    return path


def crawl_site(name: str, start_url: str, registry: Path, tmp_path: Path) -> tuple[dict[str, Any], str]:
    """``scrapy crawl NAME -a start_url=...`` with the test registry; the stats and the database URL."""
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    stats_file = tmp_path / "stats.json"
    command = [sys.executable, "-m", "scrapy", "crawl", name, "-a", f"start_url={start_url}"]
    for key, value in {**FAST, "INGEST_DB_URL": db_url, "INGEST_STATS_FILE": str(stats_file)}.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    env["INGEST_SITES_FILE"] = str(registry)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(stats_file.read_text(encoding="utf-8")), db_url


@pytest.mark.parametrize("name", ["portal", "vdocish", "dated", "redesigned", "postname"])
def test_unknown_site_every_article_and_nothing_else(
    name: str, server: UnknownSitesServer, registry: Path, tmp_path: Path
) -> None:
    site = server.sites[name]
    assert isinstance(site, UnknownSite)
    before = len(server.hits(name))
    start = site.base_url.rstrip("/") + site.page_path(1)
    stats, db_url = crawl_site(name, start, registry, tmp_path)
    hits = server.hits(name)[before:]
    kinds = [(site.kind_of(h.target), h) for h in hits]
    # Requests as articles: everything but the start listing's pages, robots.txt, feeds and sitemaps.
    fetched_as_articles = {h.target for kind, h in kinds if kind in ("article", "other")}
    articles = {h.target for kind, h in kinds if kind == "article" and h.status == 200}
    published = {site.article_path(a) for a in site.articles}
    recall = len(articles & published) / len(published)
    precision = len(articles) / len(fetched_as_articles)
    assert recall >= 0.95, sorted(published - articles)
    assert precision >= 0.95, sorted(fetched_as_articles - articles)
    # Stronger than the 95% bar: on these sites nothing is missed and no category, tag or service page is fetched.
    assert articles == published
    assert fetched_as_articles == articles
    # Every page of the start listing was followed, in whatever form the site paginates.
    assert {h.target for kind, h in kinds if kind == "listing"} == set(site.listing_targets())
    assert stats["ingest/links/generic"] > 0
    stored = rows(db_url, "SELECT count(*) FROM articles WHERE site = :site", site=name)[0][0]
    assert stored == len(published)
    # Generic detection stood in for the registry: the run is finished, but flagged.
    ((status, flags),) = rows(db_url, "SELECT status, flags FROM crawl_runs")
    assert status == "finished"
    flags = json.loads(flags) if isinstance(flags, str) else flags
    assert flags["generic_links"] == stats["ingest/links/generic"]


def test_stale_entries_are_counted(server: UnknownSitesServer, registry: Path, tmp_path: Path) -> None:
    """A wrong pattern (portal) and a selector of the old markup (redesigned) select nothing: each listing page
    where generic detection stood in is counted as registry_stale."""
    for name in ("portal", "redesigned"):
        site = server.sites[name]
        out = tmp_path / name
        out.mkdir()
        stats, _ = crawl_site(name, site.base_url.rstrip("/") + site.page_path(1), registry, out)
        assert stats["ingest/links/registry_stale"] == len(site.listing_targets())


def test_autodiscovery_of_feeds_and_sitemaps(server: UnknownSitesServer, registry: Path, tmp_path: Path) -> None:
    vdocish, dated = server.sites["vdocish"], server.sites["dated"]
    before = len(server.hits("vdocish"))
    stats, _ = crawl_site("vdocish", vdocish.base_url.rstrip("/") + vdocish.page_path(1), registry, tmp_path)
    fetched = [h.target for h in server.hits("vdocish")[before:]]
    # The feed the start page announces is read; its comment feed is not.
    assert "/rss/tin-moi.rss" in fetched
    assert "/rss/comments.rss" not in fetched
    assert stats["ingest/discovery/feeds_announced"] == 1
    assert stats["ingest/discovery/feed_entries"] == 10
    # robots.txt names no sitemap: the common paths are tried, each miss counted, not an error.
    assert stats["ingest/discovery/sitemap_probe_missing"] == stats["ingest/discovery/sitemap_probes"] == 7
    assert "log_count/ERROR" not in stats
    out = tmp_path / "dated"
    out.mkdir()
    stats, _ = crawl_site("dated", dated.base_url.rstrip("/") + dated.page_path(1), registry, out)
    assert stats["ingest/discovery/sitemap_probe_found"] == 1
    assert stats["ingest/discovery/sitemap_probe_missing"] == 6
    assert stats["ingest/discovery/sitemap_entries"] == len(dated.articles)


def test_listing_pages_without_article_links_fail_the_site(
    server: UnknownSitesServer, registry: Path, tmp_path: Path
) -> None:
    """A start page with no article link (a maintenance page stands in for a site whose links all moved) fails the
    site's crawl, and the message says which command shows what the site links to."""
    site = server.sites["portal"]
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    command = [str(Path(sys.executable).with_name("ingest")), "crawl", "portal", "--db", db_url]
    command += ["-a", f"start_url={site.base_url}bao-tri.html"]
    for key, value in FAST.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    env["INGEST_SITES_FILE"] = str(registry)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "FAILED portal: 1 listing page(s) fetched but no article link found" in result.stderr
    assert "ingest sites check portal" in result.stderr
    ((status,),) = rows(db_url, "SELECT status FROM crawl_runs")
    assert status == "failed"


def test_flags_are_shown_by_runs_and_sites(server: UnknownSitesServer, registry: Path, tmp_path: Path) -> None:
    site = server.sites["vdocish"]
    stats, db_url = crawl_site("vdocish", site.base_url.rstrip("/") + site.page_path(1), registry, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    env["INGEST_SITES_FILE"] = str(registry)
    ingest = str(Path(sys.executable).with_name("ingest"))
    runs = subprocess.run([ingest, "runs", "--db", db_url], env=env, capture_output=True, text=True, check=False)
    assert f"generic_links={stats['ingest/links/generic']}" in runs.stdout
    sites = subprocess.run([ingest, "sites", "--db", db_url], env=env, capture_output=True, text=True, check=False)
    line = next(row for row in sites.stdout.splitlines() if row.startswith("vdocish\t"))
    assert f"generic_links={stats['ingest/links/generic']}" in line
    as_json = subprocess.run(
        [ingest, "runs", "--db", db_url, "--json"], env=env, capture_output=True, text=True, check=False
    )
    (run,) = json.loads(as_json.stdout)
    assert run["flags"]["generic_links"] == stats["ingest/links/generic"]
