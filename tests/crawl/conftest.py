"""Helpers for crawl tests: fixture servers in this process, ``scrapy crawl`` in a subprocess, database reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from ingest.demo.server import FixtureServer

ROOT = Path(__file__).resolve().parents[2]

# Tests crawl fast: no politeness delays against our own loopback server, few quick retries.
FAST = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "RETRY_TIMES": "2",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": "0",
}


def crawl(spider: str, db_url: str, stats_file: Path, *args: str, **settings: str) -> dict[str, Any]:
    """Run ``scrapy crawl SPIDER`` in a subprocess from the repository root; the crawl's stats."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for arg in args:
        command += ["-a", arg]
    for key, value in {**FAST, "INGEST_DB_URL": db_url, "INGEST_STATS_FILE": str(stats_file), **settings}.items():
        command += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats_file.exists(), result.stderr[-3000:]
    stats: dict[str, Any] = json.loads(stats_file.read_text(encoding="utf-8"))
    return stats


def rows(db_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


@pytest.fixture
def fixture_server(tmp_path: Path) -> Iterator[FixtureServer]:
    """The three hand-written fixture sites, fresh for each test (the 500-once article fails again)."""
    with FixtureServer(access_log=tmp_path / "access.log") as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: SQLite in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'news.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url
