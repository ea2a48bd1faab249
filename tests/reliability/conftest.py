"""Fixtures for the reliability tests: one generated fixture site and its uninterrupted reference crawl per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.demo.server import FixtureServer
from tests.reliability.harness import integrity_problems, run_crawl, snapshot


class Reference:
    """A fixture site and what one uninterrupted single-process crawl of it stored."""

    def __init__(self, server: FixtureServer, db_url: str, expected: dict[str, object]) -> None:
        self.server = server
        self.base = server.urls["kontumtv"]
        self.db_url = db_url
        self.expected = expected

    def article_hits(self, since: int = 0) -> int:
        """Article pages requested since access-log position ``since``."""
        return sum(1 for hit in self.server.access_log[since:] if hit.target.startswith("/20"))


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    """60 generated articles (small enough for many kill trials) and the reference crawl into SQLite."""
    tmp = tmp_path_factory.mktemp("reference")
    with FixtureServer(generated=60) as server:
        db_url = f"sqlite:///{tmp / 'reference.db'}"
        crawl = run_crawl("kontumtv", db_url, f"start_url={server.urls['kontumtv']}", stats_file=tmp / "stats.json")
        assert crawl.returncode == 0, crawl.log[-3000:]
        assert integrity_problems(db_url) == []
        expected = snapshot(db_url)
        assert expected["count"] >= 60, crawl.stats
        yield Reference(server, db_url, expected)


@pytest.fixture
def stats_file(tmp_path: Path) -> Path:
    return tmp_path / "stats.json"
