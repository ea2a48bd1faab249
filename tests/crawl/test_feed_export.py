"""Feed exports of a real crawl (``scrapy crawl kontumtv -o FILE``, Scrapy's feed extension with the project's
exporters) read back and compared with what ``ingest query --format jsonl`` prints for the stored rows."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ingest.demo.server import FixtureServer
from ingest.records import CRAWL_FIELDS
from tests.crawl.conftest import FAST, ROOT, rows

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("feed_export")]

INGEST = str(Path(sys.executable).with_name("ingest"))
FORMATS = ("jsonl", "json", "csv", "xml")
NESTED = ("authors", "author_roles", "organizations", "category", "tags", "images")


def scrapy_crawl(spider: str, *options: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl SPIDER OPTIONS... -s K=V`` from the repository root, as a user types it."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *options]
    for key, value in {**FAST, **settings}.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def query_records(db_url: str) -> dict[str, dict[str, Any]]:
    """Every stored article as ``ingest query --format jsonl`` prints it, by URL."""
    result = subprocess.run(
        [INGEST, "query", "--db", db_url, "--format", "jsonl", "--limit", "0", "--include-duplicates"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return {r["url"]: r for r in records}


def _cell(field: str, text: str | None) -> Any:
    """A CSV or XML cell read back: lists and dicts are JSON text; an empty cell (CSV) or no element (XML) is null."""
    if field in NESTED:
        return json.loads(text or "null")
    if field == "published_year_inferred":
        return {"True": True, "False": False}.get(text or "")  # a boolean cell prints as Python does
    return text or None


def read_feed(path: Path) -> list[dict[str, Any]]:
    fmt = path.suffix.lstrip(".")
    text = path.read_text(encoding="utf-8")
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines()]
    if fmt == "json":
        records: list[dict[str, Any]] = json.loads(text)
        return records
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as fh:  # bodies keep their newlines inside quoted cells
            return [{k: _cell(k, v) for k, v in row.items()} for row in csv.DictReader(fh)]
    out = []
    for element in ET.fromstring(path.read_bytes()).iter("item"):
        out.append({child.tag: _cell(child.tag, child.text) for child in element})
    return out


@dataclass
class FeedCrawl:
    files: dict[str, Path]
    db_url: str
    stored: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def feed_crawl(tmp_path_factory: pytest.TempPathFactory) -> FeedCrawl:
    """One crawl of the kontumtv fixture site writing all four feed formats at once (``-o`` repeated)."""
    tmp = tmp_path_factory.mktemp("feeds")
    db_url = f"sqlite:///{tmp / 'news.db'}"
    files = {fmt: tmp / f"out.{fmt}" for fmt in FORMATS}
    with FixtureServer(sites=["kontumtv"]) as server:
        outputs = [arg for path in files.values() for arg in ("-o", str(path))]
        scrapy_crawl("kontumtv", "-a", f"start_url={server.urls['kontumtv']}", *outputs, INGEST_DB_URL=db_url)
    return FeedCrawl(files, db_url, query_records(db_url))


@pytest.mark.parametrize("fmt", FORMATS)
def test_feed_export_has_the_query_fields_and_values_of_every_stored_article(feed_crawl: FeedCrawl, fmt: str) -> None:
    exported = read_feed(feed_crawl.files[fmt])
    assert len(exported) >= 10  # the site's articles, each exported once
    assert {r["url"] for r in exported} == set(feed_crawl.stored)
    for record in exported:
        stored = feed_crawl.stored[record["url"]]
        # Every field a crawl knows (all but id and duplicate_of) is there, with the value ingest query shows.
        assert {k: record.get(k) for k in CRAWL_FIELDS} == {k: stored[k] for k in CRAWL_FIELDS}
        assert set(record) <= set(CRAWL_FIELDS)  # no raw page, no internal keys (hashes, fingerprint)
        assert record["published"].endswith("+07:00")
        assert record["fetched_at"].endswith("+07:00")
    assert any(r["author_roles"] for r in exported)  # a dict field was compared, not only empty ones


def test_export_html_setting_adds_the_page_as_stored(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    out = tmp_path / "out.jsonl"
    with FixtureServer(sites=["baogialai"]) as server:
        scrapy_crawl(
            "baogialai", "-a", f"start_url={server.urls['baogialai']}", "-O", str(out),
            INGEST_DB_URL=db_url, INGEST_EXPORT_HTML="1",
        )  # fmt: skip
    exported = read_feed(out)
    stored = query_records(db_url)
    pages = {url: (blob, enc) for url, blob, enc in rows(db_url, "SELECT url, html_zlib, html_encoding FROM articles")}
    assert len(exported) >= 5
    for record in exported:
        assert {k: record[k] for k in CRAWL_FIELDS} == {k: stored[record["url"]][k] for k in CRAWL_FIELDS}
        blob, encoding = pages[record["url"]]
        assert record["html"] == zlib.decompress(blob).decode(encoding or "utf-8")
        assert record["title"] in record["html"]
