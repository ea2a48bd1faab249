"""``ingest sites check``: saved dev-set pages, a live check against fixture sites on 127.0.0.1, ``--write``
(tomlkit, the file stays valid and keeps its comments), a crawl with the repaired entry, and ``--all``."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ingest.cli import main
from ingest.registry import load_sites
from ingest.sitecheck import CheckReport, Fetched, Fetcher, analyse_page, check_site, detect_cms, entry_changes
from tests.crawl.conftest import rows
from tests.crawl.test_generic_discovery import UnknownSitesServer, crawl_site
from tests.crawl.unknown_sites import REGISTRY, unknown_sites

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT.parent / "shared" / "dev-set"


def dev_listings() -> list[dict[str, Any]]:
    manifest = DEV_SET / "pages.jsonl"
    if not manifest.exists():
        return []
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["type"] == "listing"]


def ingest(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")} | (env or {})
    command = [str(Path(sys.executable).with_name("ingest")), *args]
    return subprocess.run(command, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.skipif(not dev_listings(), reason="needs ../shared/dev-set")
@pytest.mark.parametrize("row", dev_listings(), ids=lambda r: r["file"])
def test_check_html_finds_the_dev_set_listing_articles(row: dict[str, Any]) -> None:
    result = CliRunner().invoke(
        main, ["sites", "check", "--html", str(DEV_SET / row["file"]), "--base-url", row["url"], "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    found = report["articles_generic"]["urls"]
    assert set(row["must_link"]) <= set(found)
    # The page's article count, as the dev set estimated it, is reached; a page-wide count may be higher (home
    # pages carry boxes of other sections' articles), but no listing link is counted as an article.
    assert len(found) >= row["approx_article_links"] * 0.95
    assert report["verdict"] == "no-registry"
    assert report["proposed"]["article_patterns"]
    covered = [u for u in row["must_link"] if any(re.search(p, u) for p in report["proposed"]["article_patterns"])]
    assert covered == row["must_link"]


def test_check_fails_plainly_without_articles(tmp_path: Path) -> None:
    page = tmp_path / "splash.html"
    page.write_text(
        '<html><body><nav><a href="/thoi-su/">Thời sự</a><a href="/lien-he.html">Liên hệ</a></nav>'
        "<p>Trang đang bảo trì.</p></body></html>",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["sites", "check", "--html", str(page), "--base-url", "https://x.example.vn/"])
    assert result.exit_code == 1
    assert "no article link was found" in result.output


def test_check_needs_a_site_or_a_page() -> None:
    result = CliRunner().invoke(main, ["sites", "check"])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["sites", "check", "no_such_site_xyz"])
    assert result.exit_code == 2
    assert "unknown site" in result.output


def test_cms_fingerprints() -> None:
    assert detect_cms('<link href="https://x.vn/wp-content/themes/a.css">')[0] == "wordpress"
    assert detect_cms('<a class="cms-link" href="/a-post1.html">x</a>')[0] == "zcms"
    assert detect_cms('<script src="/common/v2/js/app.js"></script>')[0] == "vnpt"
    assert detect_cms('<img src="https://bqn.1cdn.vn/x.jpg">')[0] == "onecms"
    assert detect_cms('<link href="/themes/frontend/btn/css/a.css">')[0] == "mediatech"
    assert detect_cms('<div class="detail-content afcbc-body"></div>')[0] == "vccorp"
    assert detect_cms("<p>plain page</p>") == ("unknown", [])


# --- live checks against fixture sites on 127.0.0.1 -------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[UnknownSitesServer]:
    with UnknownSitesServer(unknown_sites()) as running:
        yield running


@pytest.mark.slow
def test_check_write_repairs_a_stale_entry(server: UnknownSitesServer, tmp_path: Path) -> None:
    registry = tmp_path / "sites.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    site = server.sites["portal"]
    start = site.base_url.rstrip("/") + site.page_path(1)
    env = {"INGEST_SITES_FILE": str(registry)}
    result = ingest("sites", "check", "portal", "--url", start, "--json", "--write", "--delay", "0", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "registry-stale"
    assert report["articles_registry"]["count"] == 0
    assert report["articles_generic"]["count"] >= site.per_page
    # The start page's numbered page links are proposed as the listing pattern.
    assert report["next_page"] == site.base_url.rstrip("/") + site.page_path(2)
    text = registry.read_text(encoding="utf-8")
    assert "# The old URL scheme: no article on the site matches it any more." in text  # comments kept
    repaired = load_sites(registry)["portal"]
    # A check of a copy on 127.0.0.1 is not a check of portal.example.vn: the entry is repaired, not verified.
    assert repaired.verified is None
    assert "on a copy at 127.0.0.1" in (repaired.notes or "")
    assert "-\\d+\\.htm$" in repaired.article_patterns  # the old scheme stays (archived pages may still use it)
    new = [p for p in repaired.article_patterns if p != "-\\d+\\.htm$"]
    assert new
    assert all(u.startswith("https://portal.example.vn/") for u in repaired.example_urls)
    assert repaired.listing_patterns
    assert "ingest sites check" in (repaired.notes or "")
    # The repaired entry finds the articles itself: generic detection no longer stands in.
    stats, db_url = crawl_site("portal", start, registry, tmp_path)
    assert "ingest/links/registry_stale" not in stats
    assert stats.get("ingest/links/generic", 0) == 0
    assert rows(db_url, "SELECT count(*) FROM articles")[0][0] == len(site.articles)


@pytest.mark.slow
def test_check_all_summarises_every_site(server: UnknownSitesServer, tmp_path: Path) -> None:
    """``--all``'s engine, in-process: placeholder domains are answered by the fixture server (a fetcher that maps
    each registry host to its fixture port, over real HTTP)."""
    registry = tmp_path / "sites.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    sites = list(load_sites(registry).values())
    ports = {f"{name}.example.vn": s.base_url for name, s in server.sites.items()}

    class Mapped(Fetcher):
        def _get(self, url: str) -> Fetched:
            for host, base in ports.items():
                prefix = f"https://{host}/"
                if url.startswith(prefix):
                    got = super()._get(base + url[len(prefix) :])
                    return Fetched(url, got.status, url, got.body, got.error)
            return Fetched(url, None, url, error="not a fixture host")

    from ingest.cli.sites import _check_all

    done: list[str] = []
    reports = _check_all(sites, Mapped(delay=0), lambda r: done.append(r.site or ""))
    assert sorted(done) == sorted(s.name for s in sites)
    verdicts = {r.site: r.verdict for r in reports}
    assert verdicts == {
        "portal": "registry-stale",
        "vdocish": "no-registry",
        "dated": "no-registry",
        "redesigned": "registry-stale",
        "postname": "no-registry",
    }
    dated = next(r for r in reports if r.site == "dated")
    assert [(s.url.rsplit("/", 1)[-1], s.origin, s.entries) for s in dated.sitemaps] == [
        ("sitemap-news.xml", "probe", len(server.sites["dated"].articles))
    ]
    vdocish = next(r for r in reports if r.site == "vdocish")
    assert [(s.origin, s.entries) for s in vdocish.feeds] == [("page", 10)]


def test_analyse_page_without_registry_proposes_patterns() -> None:
    site = unknown_sites()[1]  # vdocish
    site.base_url = "https://vdocish.example.vn/"
    reply = site.route("/thoi-su-c7.html", {})
    analysis = analyse_page(reply.body, "https://vdocish.example.vn/thoi-su-c7.html", None)
    assert analysis.cms == "vdoc"
    assert analysis.proposed_listing_patterns == ["[?&]p=\\d+(?:&|$)"]
    (pattern,) = analysis.proposed_article_patterns
    assert all(re.search(pattern, u) for u in site.article_urls())
    assert not any(re.search(pattern, u) for u in analysis.generic.listings)
    report = check_site(None, html=reply.body, base_url="https://vdocish.example.vn/thoi-su-c7.html")
    assert [(s.url, s.origin) for s in report.feeds] == [("https://vdocish.example.vn/rss/tin-moi.rss", "page")]


def test_write_verifies_an_entry_only_from_the_site_itself(tmp_path: Path) -> None:
    """``verified`` is the day a live check of the site's own domain found articles; a mirror, a local copy or a
    saved page repairs patterns but never verifies."""
    site = unknown_sites()[1]  # vdocish
    site.base_url = "https://vdocish.example.vn/"
    reply = site.route("/thoi-su-c7.html", {})
    registry = tmp_path / "sites.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    entry = load_sites(registry)["vdocish"]
    today = dt.date(2026, 12, 6)

    def changes(url: str, *, live: bool) -> dict[str, Any]:
        report = CheckReport("vdocish", url, live=live, final_url=url)
        report.analysis = analyse_page(reply.body, url, entry)
        report.verdict, report.explanation = "ok", ""
        return entry_changes(report, entry, today)

    own = changes("https://vdocish.example.vn/thoi-su-c7.html", live=True)
    assert own["verified"] == today
    assert "(live)" in own["notes"]
    mirror = changes("http://127.0.0.1:8999/thoi-su-c7.html", live=True)
    assert "verified" not in mirror
    assert "on a copy at 127.0.0.1:8999" in mirror["notes"]
    saved = changes("https://vdocish.example.vn/thoi-su-c7.html", live=False)
    assert "verified" not in saved
