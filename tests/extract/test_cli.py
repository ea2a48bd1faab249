"""The ``ingest extract`` command: its JSON contract, stdin, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ingest.cli import main


def test_prints_one_json_object_with_the_design_fields(dev_set: Path) -> None:
    page = dev_set / "pages" / "vnexpress-1.html"
    url = "https://vnexpress.net/cach-cac-nuoc-doi-pho-cu-soc-nang-luong-tu-trung-dong-5047363.html"
    result = CliRunner().invoke(main, ["extract", str(page), "--url", url, "--fetched-at", "2026-03-07T09:00:00+07:00"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    for key in ("url", "canonical_url", "site", "title", "lead", "body", "published", "published_raw", "modified",
                "authors", "byline_raw", "author_roles", "source", "category", "tags", "images"):  # fmt: skip
        assert key in record
    assert record["published"] == "2026-03-07T00:05:00+07:00"
    assert record["published_year_inferred"] is False
    assert record["authors"] == ["Hà Thu"]
    assert record["byline_raw"] == "Hà Thu (tổng hợp)"
    assert record["canonical_url"] == url


def test_reads_stdin_and_takes_a_naive_fetch_time_as_vietnam_time(fixture_page: Any, seed_text: str) -> None:
    html = fixture_page.kontumtv(seed_text)
    result = CliRunner().invoke(
        main, ["extract", "-", "--url", "https://kontumtv.vn/tin/a", "--fetched-at", "2021-12-20T08:00"], input=html
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["published"].startswith("2021-12-14T")
    assert record["published"].endswith("+07:00")
    assert record["part_of_day"] == "chiều"
    assert record["published_year_inferred"] is True  # "Chiều 14/12" prints no year
    assert record["authors"] == ["Hiền Lương"]


def test_bad_arguments_are_clear_errors(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_bytes(b"<html></html>")
    bad_time = CliRunner().invoke(main, ["extract", str(page), "--fetched-at", "yesterday"])
    assert bad_time.exit_code == 2
    assert "--fetched-at" in bad_time.output
    missing = CliRunner().invoke(main, ["extract", str(tmp_path / "nope.html")])
    assert missing.exit_code != 0
    assert "nope.html" in missing.output


def test_junk_input_still_prints_json(tmp_path: Path) -> None:
    page = tmp_path / "junk.html"
    page.write_bytes(b"\x00\xff\xfe garbage <<<")
    result = CliRunner().invoke(main, ["extract", str(page), "--url", "https://x.vn/a"])
    assert result.exit_code == 0
    assert json.loads(result.output)["published"] is None
