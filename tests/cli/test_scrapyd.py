"""Scrapyd deployment, for real: a scrapyd started on 127.0.0.1, the egg deployed with ``deploy/scrapyd/deploy.sh``
(``scrapyd-deploy``), one spider scheduled with ``schedule.json`` against a fixture site, polled with
``listjobs.json`` until it finishes, and its articles and run found in the database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from ingest.demo.server import FixtureServer

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def api(base: str, path: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(base + path, data=body, timeout=60) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\nmax_proc = 1\n"
        "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\n",
        encoding="utf-8",
    )
    # Scrapyd's environment is where the deployed spiders run: it names the registry and, per job, the database.
    env = {**os.environ, "INGEST_SITES_FILE": str(ROOT / "data" / "sites.toml")}
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180  # liveness guard on a loaded machine
        while True:
            try:
                if api(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=120)


def test_deploy_and_schedule_one_spider(scrapyd: str, tmp_path: Path) -> None:
    env = {**os.environ, "SCRAPYD_DEPLOY": str(BIN / "scrapyd-deploy"), "PATH": f"{BIN}:{os.environ['PATH']}"}
    deployed = subprocess.run(
        ["sh", str(ROOT / "deploy" / "scrapyd" / "deploy.sh"), scrapyd, "r1"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert '"status": "ok"' in deployed.stdout + deployed.stderr
    assert (ROOT / "setup.py").exists() is False  # the checkout is left alone
    spiders = api(scrapyd, "listspiders.json?project=vn_news_ingest")["spiders"]
    assert "kontumtv" in spiders
    assert "article" in spiders

    db = f"sqlite:///{tmp_path / 'news.db'}"
    with FixtureServer(sites=["kontumtv"]) as site:
        job = api(
            scrapyd,
            "schedule.json",
            [
                ("project", "vn_news_ingest"),
                ("spider", "kontumtv"),
                ("start_url", site.urls["kontumtv"]),
                ("setting", f"INGEST_DB_URL={db}"),
                ("setting", "AUTOTHROTTLE_ENABLED=0"),
                ("setting", "DOWNLOAD_DELAY=0"),
                ("setting", "RETRY_TIMES=0"),
            ],
        )
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 300  # liveness guard on a loaded machine
        while True:
            jobs = api(scrapyd, "listjobs.json?project=vn_news_ingest")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            assert time.monotonic() < deadline, jobs
            time.sleep(0.5)
        assert site.hits("kontumtv"), "the scheduled spider never reached the fixture site"
    engine = create_engine(db)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM articles WHERE site = 'kontumtv'")).scalar_one()
        runs = conn.execute(text("SELECT spider, status FROM crawl_runs")).all()
    engine.dispose()
    assert stored > 0
    assert runs == [("kontumtv", "finished")]
