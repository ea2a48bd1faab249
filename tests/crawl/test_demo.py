"""``ingest demo`` and the fixture server's command line."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.cli import main
from tests.crawl.conftest import ROOT, rows

pytestmark = pytest.mark.slow  # the demo crawls; the server command starts a server


def test_demo_crawls_into_the_database_and_reports(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'sub' / 'news.db'}"
    result = CliRunner().invoke(main, ["demo", "--db", db_url, "--port", "0", "--site", "baogialai"])
    assert result.exit_code == 0, result.output
    stored = rows(db_url, "SELECT count(*) FROM articles WHERE site = 'baogialai'")[0][0]
    assert stored > 0
    assert re.search(rf"^\s+baogialai\s+{stored}$", result.output, re.MULTILINE)
    newest = rows(db_url, "SELECT title FROM articles ORDER BY published_at DESC, id DESC LIMIT 1")[0][0]
    assert newest in result.output


def test_server_command_prints_its_url_first_and_serves(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    command = [sys.executable, "-m", "ingest.demo.server", "--port", "0", "--site", "baodaklak", "--stop-on-eof"]
    command += ["--access-log", str(log)]
    with subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        assert proc.stdin is not None
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(base + "robots.txt", timeout=120) as response:
            robots = response.read().decode()
        assert f"Sitemap: {base}sitemap.xml" in robots
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0
    assert log.read_text(encoding="utf-8").split() == ["baodaklak", "GET", "/robots.txt", "200"]
