"""The project installs and wires up: `scrapy list`, the pipeline manager, the `ingest` command, the servers."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import warnings
from pathlib import Path

import sqlalchemy as sa
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from tests.servers import PostgresServer, RedisServer

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_scrapy_list_runs_from_the_repository_root() -> None:
    proc = subprocess.run([str(BIN / "scrapy"), "list"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_item_pipeline_manager_builds_from_project_settings_without_warnings(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    settings = get_project_settings()
    assert list(settings.getdict("ITEM_PIPELINES")), "no pipelines configured"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a deprecated signature or a wrong path fails here
        crawler = get_crawler(settings_dict=settings.copy_to_dict())
        manager = ItemPipelineManager.from_crawler(crawler)
    names = [type(mw).__name__ for mw in manager.middlewares]
    assert names[:4] == ["NormalizePipeline", "ValidatePipeline", "DedupPipeline", "StorePipeline"]


def test_ingest_help_lists_commands() -> None:
    proc = subprocess.run([str(BIN / "ingest"), "--help"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Usage: ingest" in proc.stdout


def test_settings_read_the_database_url_from_the_environment() -> None:
    code = "from scrapy.utils.project import get_project_settings as g; print(g().get('INGEST_DB_URL'))"
    env = {**os.environ, "INGEST_DB_URL": "sqlite:////tmp/elsewhere.db", "SCRAPY_SETTINGS_MODULE": "ingest.settings"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "sqlite:////tmp/elsewhere.db", out.stderr


def test_postgres_server_is_real(pg_server: PostgresServer) -> None:
    engine = sa.create_engine(pg_server.url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("select version()")).scalar_one()
    engine.dispose()
    assert "PostgreSQL" in version


def test_redis_server_is_real(redis_srv: RedisServer) -> None:
    import redis

    client = redis.Redis.from_url(redis_srv.url)
    client.set("k", "v")
    assert client.get("k") == b"v"
    client.close()


def test_no_spider_callback_is_a_generator_that_returns_a_value() -> None:
    # WARN_ON_GENERATOR_RETURN_VALUE is off in ingest/settings.py (Scrapy re-read the source per response); the same
    # check, Scrapy's own, on every method of our spiders once: a `return value` in a generator callback drops it.
    from scrapy.utils.misc import is_generator_with_return_value

    from spiders.article import ArticleSpider
    from spiders.news import NewsSpider

    checked = []
    for cls in (NewsSpider, ArticleSpider):
        for name, func in vars(cls).items():
            if inspect.isgeneratorfunction(func):
                checked.append(name)
                assert not is_generator_with_return_value(func), f"{cls.__name__}.{name} returns a value"
    assert {"parse_article", "parse_listing", "parse_sitemap", "parse_feed"} <= set(checked)
