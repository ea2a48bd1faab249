"""Shared fixtures: paths to the shared dev set and seed, and real PostgreSQL / Redis servers."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from scrapy.utils.reactor import install_reactor, is_reactor_installed

from tests.servers import PostgresServer, RedisServer, postgres_server, redis_server

# CI runs the property tests on a fixed sequence of examples, so a red run can be reproduced and a green one is not
# luck; on a developer's machine they search afresh each run (and keep what they find in .hypothesis/).
# No example has a time limit (hypothesis's default deadline is 200 ms of wall clock): a loaded machine must not fail a
# property that holds. Bounded work is asserted where it matters (tests/work.py).
hypothesis_settings.register_profile("ingest", deadline=None)
hypothesis_settings.register_profile("ci", parent=hypothesis_settings.get_profile("ingest"), derandomize=True,
                                     print_blob=True)  # fmt: skip
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "ingest")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DEV_SET = SHARED / "dev-set"
SEED = SHARED / "seed" / "000_2f714dbf94d9eafe.txt"

# Crawler objects built in-process (pipeline tests) need the project's reactor installed first.
if not is_reactor_installed():
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")


@pytest.fixture(scope="session")
def dev_set() -> Path:
    """The shared dev set (real pages and strings); CI lays ../shared beside the checkout."""
    if not (DEV_SET / "pages.jsonl").exists():
        raise FileNotFoundError(f"the shared dev set is missing at {DEV_SET}")
    return DEV_SET


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed article's text (a kontumtv.vn page)."""
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server per test process."""
    with postgres_server() as server:
        yield server


_db_counter = itertools.count()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return pg_server.create_database(f"t{next(_db_counter)}")


@pytest.fixture(scope="session")
def redis_srv() -> Iterator[RedisServer]:
    """One real redis-server per test process."""
    with redis_server() as server:
        yield server


# Fixtures that start a server (PostgreSQL, Redis, an HTTP fixture site) or a crawl: a test using one is `slow`.
# `make test-fast` (-m "not slow") leaves them out; `make test` runs everything.
SERVER_FIXTURES = frozenset({"pg_server", "pg_url", "redis_srv", "fixture_server", "small_site"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `slow` every test that starts a server: through a fixture above or a `postgres`/`redis` variant."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SERVER_FIXTURES or item.get_closest_marker("postgres") or item.get_closest_marker("redis"):
            item.add_marker(pytest.mark.slow)
