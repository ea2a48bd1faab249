"""The scrapy-redis wiring of ingest.distributed: settings, add-on, start-request sharing, idle guard, reset."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis
from scrapy import Request
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import Settings

from ingest import distributed
from tests.servers import RedisServer


def _project_settings(**overrides: Any) -> Settings:
    settings = Settings()
    settings.setmodule("ingest.settings", priority="project")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def test_no_redis_url_changes_nothing() -> None:
    settings = _project_settings(INGEST_REDIS_URL="")
    before = {name: settings.get(name) for name in ("SCHEDULER", "DUPEFILTER_CLASS", "SPIDER_MIDDLEWARES")}
    distributed.DistributedMode().update_settings(settings)
    assert {name: settings.get(name) for name in before} == before
    assert distributed.redis_settings("") == {}


def test_redis_url_switches_scheduler_dupefilter_and_persistence() -> None:
    settings = _project_settings(INGEST_REDIS_URL="redis://127.0.0.1:6390/2")
    distributed.DistributedMode().update_settings(settings)
    assert settings.get("SCHEDULER") == "scrapy_redis.scheduler.Scheduler"
    assert settings.get("DUPEFILTER_CLASS") == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert settings.getbool("SCHEDULER_PERSIST") is True
    assert settings.get("REDIS_URL") == "redis://127.0.0.1:6390/2"
    assert "ingest.distributed.SharedStartMiddleware" in settings.getdict("SPIDER_MIDDLEWARES")
    assert "ingest.distributed.IdleGuard" in settings.getdict("EXTENSIONS")


def test_command_line_still_wins_over_the_addon() -> None:
    settings = _project_settings(INGEST_REDIS_URL="redis://127.0.0.1:6390/0", SCHEDULER_PERSIST=False)
    distributed.DistributedMode().update_settings(settings)
    assert settings.getbool("SCHEDULER_PERSIST") is False


def test_project_settings_list_the_addon() -> None:
    assert "ingest.distributed.DistributedMode" in _project_settings().getdict("ADDONS")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://bob:s3cr%40t@db.example:5432/news", "postgresql+psycopg://bob:***@db.example:5432/news"),
        ("redis://:hunter2@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("sqlite:///data/news.db", "sqlite:///data/news.db"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert distributed.redact_url(url) == expected


def test_start_requests_go_through_the_shared_dupefilter() -> None:
    async def start() -> AsyncIterator[Any]:
        yield Request("http://127.0.0.1/a", dont_filter=True)
        yield Request("http://127.0.0.1/b")
        yield {"not": "a request"}

    async def collect() -> list[Any]:
        return [x async for x in distributed.SharedStartMiddleware().process_start(start())]

    out = asyncio.run(collect())
    assert [r.url for r in out[:2]] == ["http://127.0.0.1/a", "http://127.0.0.1/b"]
    assert not any(r.dont_filter for r in out[:2])
    assert out[2] == {"not": "a request"}


def test_idle_guard_waits_then_lets_go() -> None:
    guard = distributed.IdleGuard(crawler=None, max_idle=0.2)
    with pytest.raises(DontCloseSpider):
        guard.spider_idle()
    guard.active()  # a response arrived: the idle clock restarts
    assert guard.idle_since is None
    with pytest.raises(DontCloseSpider):
        guard.spider_idle()
    assert guard.idle_since is not None
    guard.idle_since -= 1.0
    guard.spider_idle()  # idle longer than max_idle: no DontCloseSpider, the worker may close


@pytest.mark.redis
def test_reset_deletes_queue_and_dupefilter(redis_srv: RedisServer) -> None:
    client = redis.Redis.from_url(redis_srv.url)
    queue, seen = distributed.queue_keys("wiring")
    client.zadd(queue, {b"x": 0})
    client.sadd(seen, b"fp")
    client.hset(distributed.listed_dates_key("wiring"), "http://x/a.html", "{}")
    client.set("other:key", b"kept")
    assert distributed.main(["reset", "wiring", "--redis-url", redis_srv.url]) == 0
    assert not client.exists(queue)
    assert not client.exists(seen)
    assert not client.exists(distributed.listed_dates_key("wiring"))
    assert client.get("other:key") == b"kept"
    client.close()


def test_reset_unreachable_redis_is_one_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert distributed.main(["reset", "x", "--redis-url", "redis://:pw-secret@127.0.0.1:1/0"]) == 1
    err = capsys.readouterr().err
    assert "cannot reset" in err
    assert "pw-secret" not in err
