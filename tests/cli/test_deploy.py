"""The deployment files: Datasette's canned queries run on a real migrated database; the systemd and cron
examples call the command that exists."""

from __future__ import annotations

import configparser
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import PAGES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def canned() -> dict[str, dict[str, Any]]:
    meta = json.loads((DEPLOY / "datasette-metadata.json").read_text(encoding="utf-8"))
    queries: dict[str, dict[str, Any]] = meta["databases"]["news"]["queries"]
    return queries


PARAMS = {"site": "", "q": "quoc phong", "name": "Hiền"}


@pytest.mark.parametrize("name", sorted(canned()))
def test_canned_query_runs(news_db: str, name: str) -> None:
    sql = canned()[name]["sql"]
    names = set(re.findall(r":(\w+)", sql))
    assert names <= set(PARAMS), f"{name} uses parameters the test does not know: {names - set(PARAMS)}"
    with sqlite3.connect(news_db.removeprefix("sqlite:///")) as conn:
        rows = conn.execute(sql, {k: PARAMS[k] for k in names}).fetchall()
    if name not in ("near_duplicates", "sources"):
        assert rows, f"{name} returned nothing on a database with articles, authors and runs"


def test_canned_search_is_accent_insensitive_and_takes_quotes(news_db: str) -> None:
    sql = canned()["search"]["sql"]
    with sqlite3.connect(news_db.removeprefix("sqlite:///")) as conn:
        for q in ("quoc phong", "Quốc Phòng"):
            assert [r[3] for r in conn.execute(sql, {"q": q})] == [PAGES[0][2]]
        assert conn.execute(sql, {"q": 'quoc" OR "phong'}).fetchall() == []


def test_systemd_units_and_cron_line_run_ingest_crawl_all() -> None:
    service = configparser.ConfigParser(interpolation=None, strict=False)
    service.read(DEPLOY / "systemd" / "ingest-crawl.service")
    assert "ingest crawl --all" in service["Service"]["ExecStart"]
    assert service["Service"]["Type"] == "oneshot"
    # 75 = the lock is held by the previous run: not a failure of the unit.
    assert "75" in service["Service"]["SuccessExitStatus"].split()
    timer = configparser.ConfigParser(interpolation=None, strict=False)
    timer.read(DEPLOY / "systemd" / "ingest-crawl.timer")
    assert timer["Timer"]["Unit"] == "ingest-crawl.service"
    assert timer["Timer"]["OnCalendar"]
    cron = [line for line in (DEPLOY / "cron.example").read_text().splitlines() if line and not line.startswith("#")]
    assert len(cron) == 1
    assert len(cron[0].split(None, 5)) == 6
    assert "ingest crawl --all" in cron[0]
