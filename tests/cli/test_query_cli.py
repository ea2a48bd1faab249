"""``ingest query|show|export|stats|runs|sites|reprocess`` driven as a user would, on a real SQLite database."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from ingest.cli import main
from ingest.cli.extract import extract_record
from ingest.db.engine import get_engine, session_scope
from ingest.db.store import write_article
from tests.cli.conftest import FETCHED, PAGES, page_html, record

ROOT = Path(__file__).resolve().parents[2]
INGEST = str(Path(sys.executable).with_name("ingest"))  # the installed console script a user runs


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def assert_clean_error(result: Result | subprocess.CompletedProcess[str], *, code: int | None = None) -> str:
    """A non-zero exit with exactly one line saying what is wrong, and no traceback."""
    if isinstance(result, Result):
        exit_code, output = result.exit_code, result.output
    else:
        exit_code, output = result.returncode, result.stdout + result.stderr
    assert exit_code != 0, output
    if code is not None:
        assert exit_code == code, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: "), output
    return lines[0]


def titles(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [json.loads(line)["title"] for line in result.output.splitlines() if line.strip()]


def test_search_is_accent_insensitive(news_db: str) -> None:
    assert titles(run("query", "--db", news_db, "--search", "quoc phong", "--format", "jsonl")) == [PAGES[0][2]]
    assert titles(run("query", "--db", news_db, "--search", "QUỐC PHÒNG", "--format", "jsonl")) == [PAGES[0][2]]
    # đ and d are one letter for search.
    assert titles(run("query", "--db", news_db, "--search", "da nang", "--format", "jsonl")) == [PAGES[1][2]]
    assert titles(run("query", "--db", news_db, "--search", "xyz không có", "--format", "jsonl")) == []


@pytest.mark.parametrize(
    "nasty",
    [
        "\"'; DROP TABLE articles; --",
        'quoc" OR "1"="1',
        "NEAR(quoc phong) * ^ : ( ) AND NOT",
        '"""',
        "%_\\",
        "'",
    ],
)
def test_search_with_quotes_and_sql_metacharacters(news_db: str, nasty: str) -> None:
    result = run("query", "--db", news_db, "--search", nasty, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    # Nothing leaked out of the parameter: the text matches no article and every article is still there.
    assert result.output.strip() == ""
    with create_engine(news_db).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM articles")).scalar_one() == len(PAGES)


def test_jsonl_fields_are_those_of_ingest_extract(news_db: str) -> None:
    out = run("query", "--db", news_db, "--search", "quoc phong", "--format", "jsonl").output
    rec = json.loads(out)
    path, site, title, date, byline, sentence = PAGES[0]
    extracted = extract_record(page_html(title, date, byline, sentence).encode(), f"https://{site}.example.vn{path}")
    assert set(rec) == set(extracted) | {"id", "fetched_at", "duplicate_of"}
    for key in ("title", "body", "published", "authors", "author_roles", "canonical_url"):
        assert rec[key] == extracted[key], key
    assert rec["published"] == "2021-12-14T09:00:00+07:00"


def test_dates_are_vietnam_days_and_until_includes_the_whole_day(news_db: str) -> None:
    # PAGES[1] was published 01/07/2025 23:30 in Vietnam (16:30 UTC): still 1 July for a Vietnamese reader.
    until = titles(run("query", "--db", news_db, "--until", "2025-07-01", "--since", "01/07/2025", "--format", "jsonl"))
    assert until == [PAGES[1][2]]
    since = titles(run("query", "--db", news_db, "--since", "2025-07-02", "--format", "jsonl"))
    assert since == [PAGES[2][2]]


def test_author_site_order_duplicates_and_limit(news_db: str) -> None:
    assert titles(run("query", "--db", news_db, "--author", "nguyen thi", "--format", "jsonl")) == [PAGES[2][2]]
    site = titles(run("query", "--db", news_db, "--site", "kontumtv", "--order", "oldest", "--format", "jsonl"))
    assert site == [PAGES[0][2]]  # PAGES[3] is a near-duplicate: left out by default
    with_dupes = run("query", "--db", news_db, "--site", "kontumtv", "--include-duplicates", "--format", "jsonl")
    assert sorted(titles(with_dupes)) == sorted([PAGES[0][2], PAGES[3][2]])
    newest = titles(run("query", "--db", news_db, "--limit", "1", "--format", "jsonl"))
    assert newest == [PAGES[2][2]]


def test_table_csv_and_json_formats(news_db: str) -> None:
    table = run("query", "--db", news_db).output.splitlines()
    assert table[0].split("\t") == ["id", "site", "published", "authors", "title"]
    assert table[1].split("\t")[2:] == ["2025-07-02 06:15", "Nguyễn Thị Hoa", PAGES[2][2]]
    rows = list(csv.DictReader(io.StringIO(run("query", "--db", news_db, "--format", "csv").output)))
    assert [r["title"] for r in rows] == [PAGES[2][2], PAGES[1][2], PAGES[0][2]]
    assert rows[0]["authors"] == "Nguyễn Thị Hoa"
    assert len(json.loads(run("query", "--db", news_db, "--format", "json").output)) == 3


def test_unknown_site_lists_close_matches(news_db: str) -> None:
    line = assert_clean_error(run("query", "--db", news_db, "--site", "kontum"), code=2)
    assert "kontumtv" in line


@pytest.mark.parametrize("value", ["2025-13-45", "yesterday-ish", "31/02/2025", "07/2025", ""])
def test_malformed_dates(news_db: str, value: str) -> None:
    if value == "":
        # An empty value means "no bound", like leaving the option out.
        assert run("query", "--db", news_db, "--since", value).exit_code == 0
        return
    line = assert_clean_error(run("query", "--db", news_db, "--since", value), code=2)
    assert "--since" in line
    assert value in line


def test_since_after_until_is_refused(news_db: str) -> None:
    assert_clean_error(run("query", "--db", news_db, "--since", "2025-07-02", "--until", "2025-07-01"), code=2)


def test_unreachable_database_url_hides_the_password() -> None:
    # A real process, as a user runs it: nothing listens on port 1.
    url = "postgresql+psycopg://reader:s3cret-pw@127.0.0.1:1/news"
    result = subprocess.run([INGEST, "query", "--db", url], capture_output=True, text=True, cwd=ROOT, check=False)
    line = assert_clean_error(result, code=1)
    assert "s3cret-pw" not in line
    assert "127.0.0.1" in line


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://x/y"])
def test_malformed_database_urls(url: str) -> None:
    assert_clean_error(run("stats", "--db", url))


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    assert "no database" in assert_clean_error(run("query", "--db", f"sqlite:///{path}"))
    assert not path.exists()


def test_read_only_database_file(news_db: str) -> None:
    path = news_db.removeprefix("sqlite:///")
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    try:
        # Reading a read-only file works; a command that writes says why it cannot.
        assert titles(run("query", "--db", news_db, "--format", "jsonl", "--search", "lua he thu")) == [PAGES[2][2]]
        assert "read-only" in assert_clean_error(run("reprocess", "--db", news_db))
        assert "read-only" in assert_clean_error(run("crawl", "kontumtv", "--db", news_db))
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def test_show_by_id_and_url(news_db: str) -> None:
    shown = json.loads(run("show", "--db", news_db, "--format", "json", "1").output)
    assert shown["title"] == PAGES[0][2]
    by_url = run("show", "--db", news_db, f"https://{PAGES[1][1]}.example.vn{PAGES[1][0]}")
    assert by_url.exit_code == 0
    assert PAGES[1][2] in by_url.output
    assert "Trần Đức Anh" in by_url.output
    assert_clean_error(run("show", "--db", news_db, "999"), code=1)


def test_export_csv_and_parquet(news_db: str, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = tmp_path / "all.parquet"
    result = run("export", "--db", news_db, "--format", "parquet", "--include-duplicates", "-o", str(out))
    assert result.exit_code == 0, result.output
    table = pq.read_table(out).to_pylist()
    assert sorted(r["title"] for r in table) == sorted(p[2] for p in PAGES)
    assert json.loads(next(r for r in table if r["title"] == PAGES[0][2])["authors"]) == ["Hiền Lương"]
    stdout = run("export", "--db", news_db, "--format", "csv", "--search", "sam ngoc linh").output
    assert [r["title"] for r in csv.DictReader(io.StringIO(stdout))] == [PAGES[1][2]]
    assert_clean_error(run("export", "--db", news_db, "--format", "parquet"), code=2)


def test_stats_runs_and_sites(news_db: str) -> None:
    stats = {r["site"]: r for r in json.loads(run("stats", "--db", news_db, "--json").output)}
    assert stats["kontumtv"]["articles"] == 2
    assert stats["kontumtv"]["near_duplicates"] == 1
    assert stats["baoquangngai"]["latest_published"] == "2025-07-02T06:15:00+07:00"
    assert stats["baoquangngai"]["last_run_status"] == "failed"
    assert stats["kontumtv"]["share_dated"] == 1.0
    assert stats["kontumtv"]["share_with_author"] == 1.0
    runs = json.loads(run("runs", "--db", news_db, "--json").output)
    assert [(r["spider"], r["status"], r["pages"], r["drops"]) for r in runs] == [
        ("baoquangngai", "failed", 0, {}),
        ("kontumtv", "finished", 7, {"too_short": 2}),
    ]
    sites = {r["name"]: r for r in json.loads(run("sites", "--db", news_db, "--json").output)}
    assert sites["kontumtv"]["articles"] == 2
    assert sites["kontumtv"]["last_yield"] == 3
    assert sites["kontumtv"]["last_success"] is not None
    assert "baoquangngai" not in sites or sites["baoquangngai"]["last_success"] is None


def test_stats_and_query_start_without_the_extractor_crawler_or_demo(news_db: str) -> None:
    # The query commands are answered from the database: lxml, the extractor, the crawler and the demo server are
    # imported only by the commands that use them (ingest.cli.commands.LazyCommand).
    probe = (
        "import sys; from ingest.cli import main\n"
        "for args in (['stats', '--db', sys.argv[1]], ['query', '--db', sys.argv[1], '--search', 'sam']):\n"
        "    main(args, standalone_mode=False)\n"
        "heavy = ('lxml', 'ingest.extract', 'ingest.cli.extract', 'ingest.cli.crawl', 'ingest.cli.demo', 'scrapy')\n"
        "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, news_db], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300
    )
    assert "sâm" in done.stdout.lower()  # both commands ran and printed
    assert done.stdout.splitlines()[-1] == "LOADED []"
    assert run("extract", "--help").exit_code == 0  # a lazy command still parses and helps


def test_reprocess_rederives_fields_from_the_stored_html(news_db: str) -> None:
    engine = create_engine(news_db)
    with engine.begin() as conn:  # as if an old rule had missed the date and the author
        conn.execute(text("UPDATE articles SET published_at = NULL, published_precision = NULL WHERE id = 1"))
        conn.execute(text("DELETE FROM article_authors WHERE article_id = 1"))
    result = run("reprocess", "--db", news_db, "--include-duplicates")
    assert result.exit_code == 0, result.output
    assert "updated 1, unchanged 3" in result.output
    shown = json.loads(run("show", "--db", news_db, "--format", "json", "1").output)
    assert shown["published"] == "2021-12-14T09:00:00+07:00"
    assert shown["authors"] == ["Hiền Lương"]
    assert "updated 0, unchanged 4" in run("reprocess", "--db", news_db, "--include-duplicates").output


def test_reprocess_keeps_a_date_the_crawl_had_from_discovery(news_db: str) -> None:
    # A page that prints no date; the crawl took it from the site's feed (published_raw beside the URL).
    html = page_html("Bài không in ngày đăng", "", "Lê Văn Tám", "Nội dung bài viết " * 20).replace(
        "<div class='date'>Cập nhật: </div>", ""
    )
    url = "https://kontumtv.example.vn/khong-ngay.html"
    assert record(url, "kontumtv", html)["published"] is None
    rec = record(url, "kontumtv", html, listed=datetime(2025, 6, 1, 1, 0, tzinfo=UTC))
    assert rec["published"] == datetime(2025, 6, 1, 1, 0, tzinfo=UTC)
    assert rec["published_raw"] == "2025-06-01T01:00:00+00:00"  # the chosen date's raw string: the listed one
    engine = get_engine(news_db)
    with session_scope(engine) as session:
        assert write_article(session, rec, run_id=None, now=FETCHED) == "stored"
    engine.dispose()
    result = run("reprocess", "--db", news_db, "--search", "khong in ngay dang")
    assert "unchanged 1" in result.output, result.output
    shown = titles(run("query", "--db", news_db, "--since", "2025-06-01", "--until", "2025-06-01", "--format", "jsonl"))
    assert shown == ["Bài không in ngày đăng"]


def _command_paths() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name, command in sorted(main.commands.items()):
        paths.append((name,))
        if isinstance(command, click.Group):
            paths += [(name, sub) for sub in sorted(command.commands)]
    return paths


def test_the_commands_of_the_issue_exist() -> None:
    for expected in ("crawl", "query", "show", "stats", "runs", "export", "reprocess", "sites", "db"):
        assert expected in main.commands


@pytest.mark.parametrize("path", _command_paths(), ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`ingest {' '.join(path)} --help` shows no example"


def test_province_current_or_before_2025(news_db: str) -> None:
    kon_tum = run("query", "--db", news_db, "--province", "kon tum", "--format", "jsonl", "--include-duplicates")
    assert {json.loads(line)["site"] for line in kon_tum.output.splitlines()} == {"kontumtv"}
    quang_ngai = run("query", "--db", news_db, "--province", "Quảng Ngãi", "--format", "jsonl")
    assert {json.loads(line)["site"] for line in quang_ngai.output.splitlines()} == {"kontumtv", "baoquangngai"}
    assert "Atlantis" in assert_clean_error(run("query", "--db", news_db, "--province", "Atlantis"), code=2)


@pytest.mark.postgres
def test_query_on_postgresql(pg_url: str) -> None:
    from tests.cli.conftest import fill

    fill(pg_url)
    assert titles(run("query", "--db", pg_url, "--search", "quoc phong", "--format", "jsonl")) == [PAGES[0][2]]
    assert titles(run("query", "--db", pg_url, "--search", "Đà Nẵng", "--format", "jsonl")) == [PAGES[1][2]]
    for nasty in ("\"'; DROP TABLE articles; --", "100%_\\", "quoc' OR '1'='1"):
        assert titles(run("query", "--db", pg_url, "--search", nasty, "--format", "jsonl")) == []
    assert titles(
        run("query", "--db", pg_url, "--until", "2025-07-01", "--since", "2025-07-01", "--format", "jsonl")
    ) == [PAGES[1][2]]
    assert titles(run("query", "--db", pg_url, "--author", "nguyen thi", "--format", "jsonl")) == [PAGES[2][2]]
    stats = {r["site"]: r for r in json.loads(run("stats", "--db", pg_url, "--json").output)}
    assert stats["kontumtv"]["articles"] == 2
    assert stats["kontumtv"]["share_with_author"] == 1.0
    result = run("reprocess", "--db", pg_url, "--include-duplicates")
    assert "updated 0, unchanged 4" in result.output, result.output


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are not the tables you are looking for\n" * 100)
    for command in ("query", "stats", "runs"):
        line = assert_clean_error(run(command, "--db", f"sqlite:///{path}"), code=1)
        assert "not a database" in line


def test_sites_before_any_crawl_lists_the_registry(tmp_path: Path) -> None:
    from ingest.registry import load_sites

    result = CliRunner().invoke(main, ["sites", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert result.exit_code == 0, result.output
    listed = [line.split("\t")[0] for line in result.stdout.splitlines()[1:]]
    assert listed == list(load_sites())
    assert "no database" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_query_output_names_the_source_a_story_was_republished_from(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'sources.db'}"
    engine = get_engine(db_url, migrate=True)
    _, site, title, date, _, sentence = PAGES[0]
    html = page_html(title, date, "Theo TTXVN", sentence)
    with session_scope(engine) as session:
        rec = record("https://kontumtv.example.vn/theo-ttxvn.html", site, html)
        assert rec["source"] == "TTXVN"
        assert write_article(session, rec, run_id=None, now=FETCHED) == "stored"
    engine.dispose()
    result = run("query", "--db", db_url, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["source"] for line in result.output.splitlines()] == ["TTXVN"]
