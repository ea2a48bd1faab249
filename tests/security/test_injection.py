"""Every CLI filter takes hostile strings as data: SQL and full-text syntax, LIKE wildcards, quotes, NULs.

A real crawl fills the database first (SQLite, and PostgreSQL), then each filter of each reading command gets
each injection string. Nothing may crash (exit 0, or 1/2 with a one-line message for a value that is not a date),
nothing may match that does not contain the string, and the tables must be intact afterwards.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from ingest.cli import main as cli_main
from ingest.demo.server import FixtureServer
from tests.reliability.harness import run_crawl

# The CLI leaves a PostgreSQL connection to the garbage collector when a command refuses a value after opening the
# database (psycopg then warns "deleted while still open"); harmless for a one-shot process, reported, not our subject.
pytestmark = [
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    # One worker builds the module's database once (make test runs with --dist loadgroup).
    pytest.mark.xdist_group("injection_db"),
]

INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "'; DROP TABLE articles; --",
    "1; DELETE FROM articles",
    "') UNION SELECT name, sql FROM sqlite_master --",
    "%",
    "_",
    "%%'--",
    "\\",
    "*",
    '"',
    "NEAR(a b)",
    "title:x OR body:y",
    "a AND NOT b",
    "$$; DROP TABLE articles; $$",
    "\u0000",
    "&|!:*",
    "Zyxwå'; --",
]

FILTERS = ["--site", "--province", "--author", "--search", "--since", "--until"]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("injection")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'news.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"inj_{id(tmp) % 100000}")
    with FixtureServer(generated=12) as server:
        crawl = run_crawl("kontumtv", url, f"start_url={server.urls['kontumtv']}", stats_file=tmp / "s.json")
    assert crawl.returncode == 0, crawl.log[-3000:]
    return url


def _counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0) for t in
                    ("articles", "authors", "crawl_runs", "sites")}  # fmt: skip
    finally:
        engine.dispose()


def _run(args: list[str]) -> Result:
    return CliRunner().invoke(cli_main, args, catch_exceptions=True)


@pytest.fixture(autouse=True)
def _collect_leaked_connections() -> Iterator[None]:
    yield
    gc.collect()  # here, under this module's filter, not during someone else's test


def _clean(result: Result, option: str) -> None:
    """Exit 0, or a one-line refusal of a bad value (dates, unknown sites): never a traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        assert option in ("--since", "--until", "--site", "--province"), result.output
        assert result.exit_code in (1, 2)


@pytest.mark.parametrize("option", FILTERS)
def test_query_filters_treat_injections_as_data(db_url: str, option: str) -> None:
    before = _counts(db_url)
    assert before["articles"] >= 10
    for value in INJECTIONS:
        result = _run(["query", "--db", db_url, "--format", "jsonl", "--limit", "0", option, value])
        _clean(result, option)
        if result.exit_code == 0:
            rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
            # None of the generated articles contains these strings: any match means the value was interpreted.
            # (A lone NUL is stripped like any control character, leaving an empty filter, which selects all.)
            if value != "\u0000":
                assert rows == [], (option, value, len(rows))
    assert _counts(db_url) == before


@pytest.mark.parametrize("command", [["export", "--format", "csv"], ["reprocess", "--dry-run"]])
@pytest.mark.parametrize("option", ["--author", "--search", "--site"])
def test_other_filtering_commands_treat_injections_as_data(db_url: str, command: list[str], option: str) -> None:
    before = _counts(db_url)
    for value in INJECTIONS:
        result = _run([*command, "--db", db_url, option, value])
        _clean(result, option)
    assert _counts(db_url) == before


def test_show_and_runs_take_injections_as_data(db_url: str) -> None:
    before = _counts(db_url)
    for value in INJECTIONS:
        for args in (["show", value], ["runs", "--spider", value, "--json"]):
            result = _run([*args, "--db", db_url])
            assert "Traceback" not in result.output
            assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
            if args[0] == "runs" and value == "\u0000" and result.exit_code == 1:
                # PostgreSQL text cannot hold NUL at all: a one-line error is the honest answer there.
                assert result.output.startswith("Error:")
                assert len(result.output.strip().splitlines()) == 1
            elif args[0] == "runs":
                assert result.exit_code == 0, result.output
                assert json.loads(result.output) == []
    assert _counts(db_url) == before


def test_a_real_value_still_matches(db_url: str) -> None:
    # The control: the same filters do select when the value is honest, so the empty results above mean something.
    result = _run(["query", "--db", db_url, "--format", "jsonl", "--limit", "0", "--site", "kontumtv"])
    assert result.exit_code == 0, result.output
    assert len([line for line in result.output.splitlines() if line.startswith("{")]) >= 10


def test_export_path_is_the_users_not_the_datas(db_url: str, tmp_path: Path) -> None:
    # Export writes exactly the file the user named; nothing read from the database chooses a path.
    target = tmp_path / "out" / "export.jsonl"
    target.parent.mkdir()
    result = _run(["export", "--db", db_url, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["export.jsonl"]
