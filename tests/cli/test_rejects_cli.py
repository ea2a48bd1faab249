"""``ingest rejects`` and ``ingest reprocess --rejected`` driven as a user would, on a real SQLite database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ingest.cli import main
from ingest.db.engine import get_engine
from ingest.db.rejects import Reject, store_reject
from tests.cli.test_query_cli import assert_clean_error
from tests.crawl.lossless_site import short_page
from tests.hostile import pages

FETCHED = datetime(2025, 5, 21, 3, 0, tzinfo=UTC)
GOOD = "https://kontumtv.vn/bai-viet/da-sua/"
SHORT = "https://kontumtv.vn/bai-viet/qua-ngan/"
OTHER_SITE = "https://baogialai.com.vn/tin-post1.html"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def rejects_db(tmp_path: Path) -> str:
    """Three rejects: a whole article an older extractor missed, a page too short to be one, one without HTML."""
    db_url = f"sqlite:///{tmp_path / 'news.db'}"
    engine = get_engine(db_url, migrate=True)
    for url, reason, html, site in (
        (GOOD, "no_body", pages.article_html(4).encode(), "kontumtv"),
        (SHORT, "no_body", short_page().encode(), "kontumtv"),
        (OTHER_SITE, "legacy_font", None, "baogialai"),
    ):
        reject = Reject(url=url, reason=reason, detail="why", site=site, fetched_at=FETCHED, html=html)
        store_reject(engine, reject)
    engine.dispose()
    return db_url


def listed(db_url: str, *args: str) -> list[dict[str, object]]:
    result = run("rejects", "--db", db_url, "--format", "jsonl", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_rejects_lists_filters_and_prints_a_pages_html(rejects_db: str) -> None:
    assert {r["url"] for r in listed(rejects_db)} == {GOOD, SHORT, OTHER_SITE}
    assert [r["url"] for r in listed(rejects_db, "--reason", "legacy_font")] == [OTHER_SITE]
    assert {r["url"] for r in listed(rejects_db, "--site", "kontumtv")} == {GOOD, SHORT}
    assert len(listed(rejects_db, "--limit", "1")) == 1
    table = run("rejects", "--db", rejects_db)  # a pipe: tab-separated, header first
    header, *lines = table.output.splitlines()
    assert header.split("\t") == ["id", "site", "reason", "attempts", "last_seen_at", "url", "detail"]
    assert sorted(line.split("\t")[5] for line in lines) == sorted([GOOD, SHORT, OTHER_SITE])
    whole = json.loads(run("rejects", "--db", rejects_db, "--format", "json").output)
    good_id = next(r["id"] for r in whole if r["url"] == GOOD)
    html = run("rejects", "--db", rejects_db, "--html", str(good_id))
    assert html.stdout_bytes == pages.article_html(4).encode()
    assert run("rejects", "--db", rejects_db, "--html", GOOD).stdout_bytes == html.stdout_bytes


def test_rejects_refuses_bad_input_in_one_line(rejects_db: str, tmp_path: Path) -> None:
    assert "no_bdy" in assert_clean_error(run("rejects", "--db", rejects_db, "--reason", "no_bdy"), code=2)
    assert "kontum" in assert_clean_error(run("rejects", "--db", rejects_db, "--site", "kontum"), code=2)
    assert_clean_error(run("rejects", "--db", rejects_db, "--limit", "-1"), code=2)
    assert_clean_error(run("rejects", "--db", rejects_db, "--html", "999"), code=1)
    assert_clean_error(run("rejects", "--db", rejects_db, "--html", OTHER_SITE), code=1)  # no HTML was kept
    assert_clean_error(run("rejects", "--db", f"sqlite:///{tmp_path / 'none.db'}"), code=1)


def test_reprocess_rejected_dry_run_then_for_real(rejects_db: str) -> None:
    dry = run("reprocess", "--rejected", "--dry-run", "--db", rejects_db, "--site", "kontumtv")
    assert dry.exit_code == 0, dry.output
    assert dry.output.strip() == "2 rejected pages would be reprocessed"
    assert len(listed(rejects_db)) == 3  # nothing changed
    by_province = run("reprocess", "--rejected", "--dry-run", "--db", rejects_db, "--province", "Gia Lai")
    assert by_province.output.strip() == "1 rejected pages would be reprocessed"
    both = run("reprocess", "--rejected", "--dry-run", "--db", rejects_db, "--site=kontumtv", "--province=Gia Lai")
    assert both.output.strip() == "0 rejected pages would be reprocessed"  # kontumtv is not in Gia Lai

    done = run("reprocess", "--rejected", "--db", rejects_db)
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "stored 1, still rejected 1, no html 1, failed 0"
    still = {r["url"]: r["reason"] for r in listed(rejects_db)}
    assert still == {SHORT: "short_body", OTHER_SITE: "legacy_font"}
    resolved = [r for r in listed(rejects_db, "--all") if r["url"] == GOOD]
    assert resolved[0]["article_id"] is not None
    stored = json.loads(run("show", "--db", rejects_db, "--format", "json", GOOD).output)
    assert stored["title"] == "Nông dân Đắk Hà được mùa cà phê, bài số 4"
    assert stored["id"] == resolved[0]["article_id"]


def test_reprocess_rejected_refuses_article_only_options(rejects_db: str) -> None:
    line = assert_clean_error(run("reprocess", "--rejected", "--db", rejects_db, "--search", "x"), code=2)
    assert "--search" in line
    assert_clean_error(run("reprocess", "--rejected", "--db", rejects_db, "--site", "nosuchsite"), code=2)
