"""Secrets stay secret and fixtures stay local: database passwords never appear in logs, run records or errors;
the fixture server and the demo listen on 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from ingest.cli import main as cli_main
from ingest.demo.server import FixtureServer, serve
from tests.reliability.harness import ROOT, crawl_env, run_crawl
from tests.servers import PostgresServer, RedisServer

PASSWORD = "pw-S3cret-7391"  # the string whose absence the tests check


def _with_password(url: str) -> str:
    # The test cluster trusts 127.0.0.1, so any password is accepted: a real password-bearing URL that works.
    return url.replace("postgres@", f"postgres:{PASSWORD}@", 1)


def _everything_stored(db_url: str) -> str:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return json.dumps([list(map(str, r)) for r in conn.execute(text("SELECT * FROM crawl_runs"))])
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_crawl_never_prints_or_records_the_database_password(pg_server: PostgresServer, tmp_path: Path) -> None:
    db_url = _with_password(pg_server.create_database("secret_crawl"))
    with FixtureServer(generated=8) as server:
        crawl = run_crawl("kontumtv", db_url, f"start_url={server.urls['kontumtv']}", stats_file=tmp_path / "s.json",
                          LOG_LEVEL="DEBUG")  # fmt: skip
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.stats.get("ingest/stored", 0) > 0  # the URL really worked
    assert PASSWORD not in crawl.log
    assert PASSWORD not in json.dumps(crawl.stats, default=str)
    assert PASSWORD not in _everything_stored(db_url)
    for args in (["runs"], ["runs", "--json"], ["stats"], ["query", "--format", "jsonl"]):
        result = CliRunner().invoke(cli_main, [*args, "--db", db_url])
        assert result.exit_code == 0, result.output
        assert PASSWORD not in result.output


@pytest.mark.slow  # a crawl
def test_unreachable_database_error_is_loud_and_hides_the_password(tmp_path: Path) -> None:
    db_url = f"postgresql+psycopg://ingest:{PASSWORD}@127.0.0.1:1/news"
    with FixtureServer(generated=3) as server:
        crawl = run_crawl("kontumtv", db_url, f"start_url={server.urls['kontumtv']}", stats_file=tmp_path / "s.json")
    assert crawl.returncode != 0
    assert PASSWORD not in crawl.log


@pytest.mark.parametrize(
    "command", [["db", "check"], ["db", "upgrade"], ["runs"], ["stats"], ["query"], ["export"], ["show", "1"]]
)
def test_db_commands_hide_the_password_in_errors(command: list[str]) -> None:
    result = CliRunner().invoke(cli_main, [*command, "--db", f"postgresql+psycopg://ingest:{PASSWORD}@127.0.0.1:1/x"])
    assert result.exit_code != 0
    assert PASSWORD not in result.output
    assert "***" in result.output  # the URL is still named, redacted


@pytest.mark.postgres
def test_demo_does_not_print_the_database_password(pg_server: PostgresServer) -> None:
    db_url = _with_password(pg_server.create_database("secret_demo"))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ingest"), "demo", "--db", db_url, "--port", "0", "--site", "kontumtv"],
        cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.redis
def test_redis_password_is_not_printed(redis_srv: RedisServer, tmp_path: Path) -> None:
    # Database 7 of the session's redis-server, so this crawl's persisted queue meets no other test's.
    redis_url = redis_srv.url.replace("redis://", f"redis://:{PASSWORD}@").removesuffix("/0") + "/7"
    with FixtureServer(generated=3) as server:
        crawl = run_crawl("kontumtv", f"sqlite:///{tmp_path / 'r.db'}", f"start_url={server.urls['kontumtv']}",
                          stats_file=tmp_path / "s.json", env=crawl_env(INGEST_REDIS_URL=redis_url),
                          INGEST_REDIS_MAX_IDLE="1", LOG_LEVEL="DEBUG")  # fmt: skip
    assert "scrapy_redis" in crawl.log  # distributed mode was really on
    assert PASSWORD not in crawl.log


# --- loopback only ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "8.8.8.8"])
def test_fixture_server_refuses_non_loopback_hosts(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        FixtureServer(host=host)
    with pytest.raises(ValueError, match="loopback"):
        serve(host=host, port=0)


def _listening_addresses(pid: int) -> list[str]:
    """Local addresses of the TCP sockets process ``pid`` listens on (from /proc, no tools needed)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A = LISTEN
                address = local.split(":")[0]
                found.append(address)
    return found


@pytest.mark.slow  # a server process
def test_fixture_server_process_listens_on_loopback_only() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest.demo.server", "--port", "0", "--stop-on-eof"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("http://127.0.0.1:")
        addresses = _listening_addresses(process.pid)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(20)
        process.stdout.close()
    assert len(addresses) >= 3  # one port per fixture site
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1 as /proc prints them
    assert set(addresses) <= loopback, addresses


def test_fixture_server_command_refuses_a_public_host() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ingest.demo.server", "--host", "0.0.0.0", "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode != 0
    assert "loopback" in result.stderr
