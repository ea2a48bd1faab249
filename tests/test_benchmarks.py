"""The benchmarks' own parts: the synthetic generator and the harness (each bench's tiny mode gives figures).

Benchmarks print figures; nothing here asserts a timing. What is checked: the generator is deterministic and gives
valid Vietnamese text (NFC, one tone-mark placement, a search key equal to ``search_key`` of the full text), the
harness reads the figures of benches that only print, and every bench of ours runs end to end at its tiny size
(real Scrapy crawls against the fixture server, real SQLite and PostgreSQL) and reports finite numbers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

import benchmarks
from benchmarks import __main__ as harness
from benchmarks import bench_storage, synth
from ingest.normalize import normalize_text, search_key
from tests.servers import PostgresServer

VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")
TEXT_FIELDS = ("title", "lead", "body", "byline_raw", "published_raw")


def test_generator_is_deterministic_per_index_and_seed() -> None:
    first = list(synth.articles(30, seed=4))
    again = list(synth.articles(30, seed=4))
    assert first == again
    assert list(synth.articles(5, seed=4, start=10)) == first[10:15]
    other = list(synth.articles(30, seed=5))
    assert [a["body"] for a in other] != [a["body"] for a in first]
    assert len({a["canonical_url"] for a in first + other}) == 60  # unique URLs across seeds


def test_generator_gives_valid_vietnamese_text() -> None:
    for rec in synth.articles(300, seed=2):
        for field in TEXT_FIELDS:
            value = rec[field]
            assert unicodedata.is_normalized("NFC", value), (field, value)
        assert VIETNAMESE.search(rec["title"] + rec["body"]), rec["title"]
        assert normalize_text(rec["body"]) == rec["body"]  # already in the one canonical form
        assert normalize_text(rec["title"]) == rec["title"]
        assert rec["search_text"] == search_key("\n\n".join((rec["title"], rec["lead"], rec["body"])))
        assert rec["published"].tzinfo is not None
        assert rec["fetched_at"] > rec["published"]
        assert rec["authors"]
        assert rec["author_roles"][rec["authors"][0]]
        assert len(rec["body"].split("\n\n")) >= 2


def test_printed_figures_are_read_from_bench_output() -> None:
    dates_out = (
        "parser                   median µs      p90 µs      accuracy\n"
        "ingest parse_date             12.5        40.1     95/100  95%\n"
        "dateparser.parse             900.0      2000.0     61/100  61%\n"
        "speed ratio (median dateparser / median parse_date): 72.0x\n"
    )
    figures = harness.figures_from_output("dates", dates_out)
    ratio = next(f for f in figures if f.unit == "x")
    assert (ratio.value, ratio.met) == (72.0, True)
    assert {f.note for f in figures if f.unit == "%"} == {"95/100", "61/100"}
    extract = harness.figures_from_output("extract", "ratio: 2.4x faster (MISSES the 3x target)\n")
    assert [(f.value, f.met) for f in extract] == [(2.4, False)]


@pytest.fixture
def bench_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_server: PostgresServer) -> Iterator[Path]:
    monkeypatch.setenv("INGEST_BENCH_RESULTS", str(tmp_path))
    names = iter(range(10_000))
    monkeypatch.setattr(bench_storage, "PG_DATABASE", lambda name: pg_server.create_database(f"b{name}{next(names)}"))
    scale = benchmarks.scale()
    yield tmp_path
    benchmarks.set_scale(scale)


def test_every_bench_of_ours_gives_figures_at_tiny_size(bench_env: Path) -> None:
    ours = ["bounds", "storage", "dedup", "query", "crawl", "memory"]
    assert set(ours) <= set(harness.available())
    before = len(benchmarks.FIGURES)
    argv = ["--tiny", "--output", str(bench_env / "summary.md")]
    for name in ours:
        argv += ["--only", name]
    assert harness.main(argv) == 0
    figures = benchmarks.FIGURES[before:]
    assert {f.bench for f in figures} == set(ours)
    for fig in figures:
        assert isinstance(fig.value, float), fig
        assert math.isfinite(fig.value), fig
    by_name = {(f.bench, f.name): f for f in figures}
    assert by_name[("crawl", "pages/s ratio ours / bare")].value > 0
    assert by_name[("crawl", "pages/s ratio at 150 ms latency")].value > 0  # the context row beside the target
    stage_ms = [f.value for f in figures if f.bench == "crawl" and f.name.startswith("CPU/page: ")]
    assert len(stage_ms) == 6
    assert sum(stage_ms) > 0
    summary = (bench_env / "summary.md").read_text(encoding="utf-8")
    assert "| crawl | pages/s ratio ours / bare |" in summary
    assert "scale tiny" in summary
