"""``scrapy crawl article`` over every article page of the shared dev set (pages.jsonl and pages-more/), served from
127.0.0.1 at its original path: every page is stored, none is rejected or dropped."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ingest.normalize import search_key
from tests.conftest import DEV_SET
from tests.crawl.conftest import crawl, rows
from tests.crawl.page_server import PageServer, html_reply


def dev_set_articles() -> list[tuple[str, Path, dict[str, object]]]:
    """(path to serve the page at, its file, its ground truth) for every article of the dev set's page lists."""
    found: list[tuple[str, Path, dict[str, object]]] = []
    for listing in (DEV_SET / "pages.jsonl", *sorted(DEV_SET.glob("*/pages.jsonl"))):
        for line in listing.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            gold = json.loads(line)
            if gold.get("type") != "article":
                continue
            url = gold.get("url")
            path = urlsplit(url).path if isinstance(url, str) and url else f"/{Path(gold['file']).stem}.html"
            found.append((path, listing.parent / gold["file"], gold))
    return found


@pytest.mark.slow
def test_article_spider_stores_every_dev_set_article(db_url: str, tmp_path: Path) -> None:
    pages = dev_set_articles()
    assert len(pages) >= 12  # the dev set's 10 articles and pages-more's (it only grows)
    server = PageServer()
    for i, (path, file, _gold) in enumerate(pages):
        # Two pages saved from the same path on different sites would meet here: keep both, apart.
        served = path if path not in server.routes else f"/{i}{path}"
        server.routes[served] = html_reply(file.read_bytes(), "text/html")
    served_paths = list(server.routes)
    with server.serve() as base:
        urls = [base + p for p in served_paths]
        (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
        stats = crawl("article", db_url, tmp_path / "stats.json", f"urls_file={tmp_path / 'urls.txt'}")

    assert stats.get("ingest/rejected", 0) == 0
    assert not [k for k in stats if k.startswith("ingest/dropped/")], stats
    assert rows(db_url, "SELECT count(*) FROM rejected_pages") == [(0,)]
    stored = rows(db_url, "SELECT id, url, title, body FROM articles")
    assert len(stored) == len(pages)
    aliases = dict(rows(db_url, "SELECT url, article_id FROM url_aliases"))
    by_url = {url: (aid, title, body) for aid, url, title, body in stored}
    by_id = {aid: (title, body) for aid, _url, title, body in stored}
    for url, (_path, file, gold) in zip(urls, pages, strict=True):
        if url in by_url:
            title, body = by_url[url][1:]
        else:
            assert url in aliases, f"{file.name} ({url}) was not stored"
            title, body = by_id[aliases[url]]
        assert search_key(title) == search_key(str(gold["title"])), file.name
        assert len(body) >= 200, file.name
