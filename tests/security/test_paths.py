"""Paths built from data stay inside their directory: site names (which name log and stats files) cannot climb out,
and ``ingest crawl`` refuses a traversal name before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.cli import main as cli_main
from ingest.registry import RegistryError, load_sites
from tests.reliability.harness import ROOT

TRAVERSALS = ["../evil", "..", "/etc/passwd", "a/../../b", "x\\..\\y", "kontumtv/../../z", "~root", "con\u0000tumtv"]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_registry_refuses_site_names_that_are_paths(tmp_path: Path, name: str) -> None:
    text = (ROOT / "data" / "sites.toml").read_text(encoding="utf-8")
    assert 'name = "kontumtv"' in text
    escaped = name.replace("\\", "\\\\").replace("\u0000", "\\u0000")
    bad = tmp_path / "sites.toml"
    bad.write_text(text.replace('name = "kontumtv"', f'name = "{escaped}"', 1), encoding="utf-8")
    with pytest.raises(RegistryError):
        load_sites(bad)


@pytest.mark.parametrize("name", TRAVERSALS)
def test_crawl_refuses_traversal_site_names_and_writes_nothing(tmp_path: Path, name: str) -> None:
    logs = tmp_path / "area" / "logs"
    logs.mkdir(parents=True)
    db = tmp_path / "area" / "news.db"
    result = CliRunner().invoke(cli_main, ["crawl", name, "--log-dir", str(logs), "--db", f"sqlite:///{db}"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert all(p.startswith("area/") for p in written), written
    assert not list(logs.iterdir())
