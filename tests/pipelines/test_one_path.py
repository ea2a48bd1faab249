"""One normalisation path: the crawl's normalize stage, ``ingest extract`` and ``ingest reprocess`` give the same
fields for the same page with the same site profile (here a site whose numeric dates are month-first and whose
canonical URLs keep ``www.``: the two profile settings the crawl once ignored)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, text

from ingest.cli import main as cli_main
from ingest.registry import default_sites_path, load_sites
from spiders.news import _site_spiders
from tests.pipelines.chain import make_crawler, run_chain

FETCHED = "2025-07-03T09:00:00+07:00"
URL = "https://www.kontumtv.vn/tin-tuc/hoi-nghi-tong-ket/"
# 05/12/2025 is 12 May month-first (the test site) and 5 December day-first (which lies after the fetch).
PAGE = (
    "<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Hội nghị tổng kết công tác</title>"
    f"<link rel='canonical' href='{URL}'></head><body><article><h1>Hội nghị tổng kết công tác</h1>"
    "<div class='date'>Cập nhật: 05/12/2025 09:30</div><div class='content'>"
    + "".join(f"<p>Ủy ban nhân dân tỉnh tổ chức hội nghị tổng kết công tác năm, đoạn {i}.</p>" for i in range(6))
    + "<p class='author'><strong>Hiền Lương</strong></p></div></article></body></html>"
)
COMPARED = ("title", "canonical_url", "published", "published_precision", "authors", "lead", "body")


@pytest.fixture
def month_first_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real registry with kontumtv made month-first and www-keeping, as INGEST_SITES_FILE."""
    real = default_sites_path().read_text(encoding="utf-8")
    edited = real.replace('name = "kontumtv"\n', 'name = "kontumtv"\nmonth_first = true\nstrip_www = false\n', 1)
    assert edited != real
    path = tmp_path / "sites.toml"
    path.write_text(edited, encoding="utf-8")
    monkeypatch.setenv("INGEST_SITES_FILE", str(path))
    site = load_sites(path)["kontumtv"]
    assert (site.month_first, site.strip_www) == (True, False)
    return path


def _iso(value: Any) -> Any:
    """Dates as UTC ISO text, whatever form they came in (aware datetime, JSON text, SQLite's naive UTC text)."""
    if isinstance(value, str) and value[:4].isdigit() and value[4:5] == "-":
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return value


def _crawled(db_url: str, registry: Path) -> dict[str, Any]:
    """The page through the spider's callback and the four pipeline stages into the database."""
    spider_cls = _site_spiders([load_sites(registry)["kontumtv"]])["KontumtvSpider"]
    spider = spider_cls.from_crawler(get_crawler(spider_cls, {"INGEST_INCREMENTAL": False}))
    response = HtmlResponse(URL, body=PAGE.encode(), encoding="utf-8", request=Request(URL))
    (item,) = list(spider.parse_article(response))
    item.fetched_at = datetime.fromisoformat(FETCHED)
    passed, dropped = run_chain(make_crawler(db_url), [item])
    assert dropped == []
    return {name: getattr(passed[0], name) for name in COMPARED}


def _stored(db_url: str) -> dict[str, Any]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT id, title, canonical_url, published_at, published_precision, lead, body FROM articles")
        ).one()
        authors = conn.execute(
            text(
                "SELECT a.name FROM article_authors x JOIN authors a ON a.id = x.author_id "
                "WHERE x.article_id = :id ORDER BY x.position"
            ),
            {"id": row.id},
        ).scalars()
        out = {
            "title": row.title,
            "canonical_url": row.canonical_url,
            "published": row.published_at,
            "published_precision": row.published_precision,
            "authors": list(authors),
            "lead": row.lead,
            "body": row.body,
        }
    engine.dispose()
    return out


def test_crawl_extract_and_reprocess_give_the_same_fields(month_first_registry: Path, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    crawled = _crawled(db_url, month_first_registry)
    assert crawled["published"] == datetime(2025, 5, 12, 2, 30, tzinfo=UTC)  # 12 May 09:30 in Vietnam
    assert crawled["canonical_url"] == URL.rstrip("/")  # www. kept, as the profile says

    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        cli_main, ["extract", str(page), "--url", URL, "--fetched-at", FETCHED, "--site", "kontumtv"]
    )
    assert result.exit_code == 0, result.output
    extracted = json.loads(result.output)

    stored_before = _stored(db_url)
    result = runner.invoke(cli_main, ["reprocess", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "unchanged 1" in result.output  # reprocess derives what the crawl stored
    reprocessed = _stored(db_url)

    for name in COMPARED:
        values = [_iso(crawled[name]), _iso(extracted[name]), _iso(stored_before[name]), _iso(reprocessed[name])]
        assert values.count(values[0]) == 4, (name, values)
