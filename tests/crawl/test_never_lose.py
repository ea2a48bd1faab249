"""Never lose an article, end to end: real ``scrapy crawl`` processes against a fixture site on 127.0.0.1, into
SQLite and PostgreSQL. Pages the spider requested as articles are stored even undated and unsigned; pages that
cannot be stored are kept in ``rejected_pages`` with their raw HTML; a non-HTML answer is a counted drop; a later
crawl that stores a rejected page resolves its reject; a database error while keeping a reject fails the run."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.cli import main
from tests.crawl.conftest import crawl, rows
from tests.crawl.lossless_site import PDF_ROUTE, ROUTES_REJECTED, ROUTES_STORED, LosslessSite
from tests.reliability.harness import run_crawl


def _rejects(db_url: str) -> dict[str, dict[str, object]]:
    found = rows(
        db_url,
        "SELECT url, reason, detail, html_zlib, fetched_at, crawl_run_id, attempts, first_seen_at, last_seen_at,"
        " resolved_at, article_id, site, http_status FROM rejected_pages",
    )
    names = ("reason", "detail", "html", "fetched_at", "run", "attempts", "first", "last", "resolved", "article",
             "site", "status")  # fmt: skip
    return {url: dict(zip(names, rest, strict=True)) for url, *rest in found}


def _runs(db_url: str) -> list[tuple[int, str, int]]:
    return [tuple(r) for r in rows(db_url, "SELECT id, status, items_rejected FROM crawl_runs ORDER BY id")]  # type: ignore[misc]


@pytest.mark.slow
def test_articles_are_stored_or_kept_as_rejects(db_url: str, tmp_path: Path) -> None:
    site = LosslessSite()
    with site.serve() as base:
        site.publish_discovery(base)
        first = crawl("kontumtv", db_url, tmp_path / "run1.json", f"start_url={base}/")

        # Every undated, unsigned article found by a listing link, the feed, the sitemap or the REST API is stored.
        stored = dict(rows(db_url, "SELECT url, published_at FROM articles"))
        assert set(stored) == {base + r for r in ROUTES_STORED}
        assert all(published is None for published in stored.values())
        assert first["ingest/undated"] == len(ROUTES_STORED)
        assert not [k for k in first if k.startswith("ingest/dropped/listing_page")]

        # The others are kept, each with its reason, raw HTML, fetch time and run.
        (run_id, status, items_rejected), = _runs(db_url)  # fmt: skip
        rejects = _rejects(db_url)
        assert {url: r["reason"] for url, r in rejects.items()} == {base + p: why for p, why in ROUTES_REJECTED.items()}
        for path in ROUTES_REJECTED:
            reject = rejects[base + path]
            assert zlib.decompress(reject["html"]) == site.routes[path][2]  # type: ignore[arg-type]
            assert reject["fetched_at"] is not None
            assert (reject["run"], reject["attempts"], reject["site"], reject["status"]) == (run_id, 1, "kontumtv", 200)
            assert reject["resolved"] is None
            assert str(reject["detail"]).endswith("[discovered_by=selector]")
        assert first["ingest/rejected"] == len(ROUTES_REJECTED) == items_rejected
        for why in ROUTES_REJECTED.values():
            assert first[f"ingest/rejected/{why}"] == 1
        assert status == "finished"
        # The PDF has no HTML to keep: a counted drop (and a log line), not a silent one.
        assert first["ingest/dropped/not_html"] == 1
        assert PDF_ROUTE in site.hits

        # The site fixes its short page; the next crawl stores it and resolves its reject. The other rejects are
        # fetched again (they may have been fixed too) and count a second attempt.
        site.fix_short_page()
        second = crawl("kontumtv", db_url, tmp_path / "run2.json", f"start_url={base}/")

    after = _rejects(db_url)
    fixed = after[base + "/bai-viet/qua-ngan/"]
    (article_id,) = rows(db_url, "SELECT id FROM articles WHERE url = :u", u=base + "/bai-viet/qua-ngan/")[0]
    assert (fixed["article"], fixed["attempts"]) == (article_id, 1)
    assert fixed["resolved"] is not None
    # Counted once the store has flushed: the run's record has it, and so has the stats file (written last).
    last_stats = rows(db_url, "SELECT stats FROM crawl_runs ORDER BY id DESC")[0][0]
    assert (json.loads(last_stats) if isinstance(last_stats, str) else last_stats)["ingest/rejects_resolved"] == 1
    assert second["ingest/rejects_resolved"] == 1
    assert (second["ingest/run_status"], second["finish_reason"]) == ("finished", "finished")
    for path in ("/bai-viet/trang-trong/", "/bai-viet/font-vni/"):
        again = after[base + path]
        assert again["attempts"] == 2
        assert again["resolved"] is None
        assert again["first"] == rejects[base + path]["first"]
        assert again["last"] > rejects[base + path]["last"]  # type: ignore[operator]
    assert [r[2] for r in _runs(db_url)] == [3, 2]
    assert second["ingest/rejected"] == 2

    # What a user sees: `ingest rejects` lists the open ones, --all the resolved one too; `ingest runs` the counts.
    runner = CliRunner()
    listed = runner.invoke(main, ["rejects", "--db", db_url, "--format", "jsonl"], catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    open_rejects = [json.loads(line) for line in listed.output.splitlines()]
    assert sorted(r["reason"] for r in open_rejects) == ["legacy_font", "no_body"]
    assert all(r["html_zlib_bytes"] > 0 and r["attempts"] == 2 for r in open_rejects)
    every = runner.invoke(main, ["rejects", "--db", db_url, "--all", "--format", "json"], catch_exceptions=False)
    assert {r["reason"]: r["article_id"] for r in json.loads(every.output)}["short_body"] == article_id
    runs = runner.invoke(main, ["runs", "--db", db_url], catch_exceptions=False)
    header, *lines = runs.output.splitlines()
    column = header.split("\t").index("rejected")
    assert sorted(line.split("\t")[column] for line in lines) == ["2", "3"]


@pytest.mark.slow
def test_a_database_error_while_keeping_a_reject_fails_the_run(tmp_path: Path) -> None:
    db_path = tmp_path / "news.db"
    db_url = f"sqlite:///{db_path}"
    site = LosslessSite()
    with site.serve() as base:
        site.publish_discovery(base)
        crawl("kontumtv", db_url, tmp_path / "run1.json", f"start_url={base}/", INGEST_INCREMENTAL="0")
        # The disk says no from now on: any write to rejected_pages fails inside the database.
        with sqlite3.connect(db_path) as conn:
            for event in ("INSERT", "UPDATE"):
                conn.execute(
                    f"CREATE TRIGGER refuse_{event.lower()} BEFORE {event} ON rejected_pages "
                    "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                )
        failed = run_crawl("kontumtv", db_url, f"start_url={base}/", stats_file=tmp_path / "run2.json")
    assert failed.returncode == 1, failed.log[-3000:]
    assert failed.stats["ingest/db/errors"] >= 1
    assert "disk full" in failed.log
    assert [r[1] for r in _runs(db_url)] == ["finished", "failed"]
    assert rows(db_url, "SELECT finish_reason FROM crawl_runs ORDER BY id")[-1] == ("ingest_db_error",)
