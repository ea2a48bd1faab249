"""Distributed mode for real: 3 scrapy-redis workers, one redis-server, one PostgreSQL, a 500-article fixture site.

Every article is stored exactly once, no page is downloaded twice (the fixture server's access log), and the
database equals the one a single process builds from the same site.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import redis

from ingest.demo.server import FixtureServer
from tests.reliability.harness import crawl_env, diff, integrity_problems, run_crawl, snapshot, start_crawl
from tests.servers import PostgresServer, RedisServer

ARTICLES = 500
WORKERS = 3


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.postgres
def test_three_workers_crawl_each_page_once_and_match_the_single_process_crawl(
    tmp_path: Path, pg_server: PostgresServer, redis_srv: RedisServer
) -> None:
    with FixtureServer(generated=ARTICLES) as server:
        base = server.urls["kontumtv"]
        single_db = pg_server.create_database("dist_single")
        single = run_crawl("kontumtv", single_db, f"start_url={base}", stats_file=tmp_path / "single.json", timeout=600)
        assert single.returncode == 0, single.log[-3000:]
        expected = snapshot(single_db)
        assert expected["count"] >= ARTICLES

        # Slow answers for the distributed part: a worker whose start pages were taken by another polls the shared
        # queue on Scrapy's 5 s heartbeat, so on a fast machine one worker could drain the whole site before the
        # others first look. At 150 ms per answer one worker alone needs about 10 s for the site.
        server.latency_s = 0.15
        client = redis.Redis.from_url(redis_srv.url)
        client.flushdb()  # a fresh shared queue and dupefilter
        mark = len(server.access_log)
        shared_db = pg_server.create_database("dist_shared")
        env = crawl_env(INGEST_REDIS_URL=redis_srv.url)
        workers = [
            start_crawl(
                "kontumtv",
                shared_db,
                f"start_url={base}",
                log=tmp_path / f"worker{i}.log",
                env=env,
                INGEST_REDIS_MAX_IDLE="3",
                INGEST_STATS_FILE=str(tmp_path / f"worker{i}.json"),
            )
            for i in range(WORKERS)
        ]
        codes = [w.wait(600) for w in workers]
        logs = [(tmp_path / f"worker{i}.log").read_text(encoding="utf-8") for i in range(WORKERS)]
        assert codes == [0] * WORKERS, [log[-2000:] for log in logs]
        hits = [hit.target for hit in server.access_log[mark:]]

    stats = [json.loads((tmp_path / f"worker{i}.json").read_text(encoding="utf-8")) for i in range(WORKERS)]
    # Really distributed: the shared scheduler was used, and more than one worker downloaded articles. Not every
    # worker need get work: one that starts last finds its start pages already taken (the shared dupefilter) and,
    # polling the shared queue on Scrapy's 5 s heartbeat, may find it drained by the others each time; it then
    # closes after INGEST_REDIS_MAX_IDLE with nothing done, which is correct.
    used = [s.get("scheduler/enqueued/redis", 0) + s.get("scheduler/dequeued/redis", 0) for s in stats]
    assert sum(1 for n in used if n > 0) >= 2, used
    assert sum(1 for s in stats if s.get("ingest/stored", 0) + s.get("ingest/duplicate_near", 0) > 0) >= 2, stats

    # No page fetched twice. robots.txt is the exception by design: each worker process reads it for itself.
    twice = {target: n for target, n in Counter(hits).items() if n > 1 and target != "/robots.txt"}
    assert twice == {}

    # Every article exactly once, and the same database as the single process built.
    assert integrity_problems(shared_db) == []
    assert diff(expected, snapshot(shared_db)) == []
    client.close()
