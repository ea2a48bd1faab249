"""The extraction bench's protocol: both sides warmed up, then timed in alternation on the same page.

Only the bookkeeping is checked here (which side ran when, which figure comes from which runs); the figures
themselves are printed by ``python -m benchmarks.bench_extract``, never asserted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from benchmarks import bench_extract

PAGE = ("p.html", b"<html><body><p>x</p></body></html>", "https://example.vn/a.html", datetime(2026, 3, 7))


def test_each_round_runs_both_sides_on_the_same_page_in_alternating_order() -> None:
    calls: list[tuple[str, bytes, str]] = []

    def ours(html: bytes, url: str, fetched: datetime) -> Any:
        calls.append(("ours", html, url))

    def theirs(html: bytes, url: str, fetched: datetime) -> Any:
        calls.append(("theirs", html, url))

    timing = bench_extract.time_page(PAGE, 4, ours, theirs)
    sides = [side for side, _, _ in calls]
    # Warm-up (not timed), then ours first on even rounds and theirs first on odd ones.
    assert sides == ["ours", "theirs"] + ["ours", "theirs", "theirs", "ours"] * 2
    assert {(html, url) for _, html, url in calls} == {(PAGE[1], PAGE[2])}
    assert timing.name == "p.html"
    assert timing.rounds == 4
    assert timing.ours_ms >= 0
    assert timing.theirs_ms >= 0


def test_a_page_figure_is_the_median_of_its_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([1.0, 9.0, 5.0, 3.0, 2.0])  # ms per timed call, in call order
    monkeypatch.setattr(bench_extract, "_cpu_ms", lambda fn, page: next(clock) if fn is ours else 10.0)

    def ours(html: bytes, url: str, fetched: datetime) -> Any:
        return None

    timing = bench_extract.time_page(PAGE, 5, ours, lambda *_: None)
    assert timing.ours_ms == 3.0  # median of 1, 9, 5, 3, 2
    assert timing.theirs_ms == 10.0
    assert timing.ratio == pytest.approx(10.0 / 3.0)


def test_run_compares_medians_over_the_same_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = [(f"p{i}.html", PAGE[1], PAGE[2], PAGE[3]) for i in range(3)]
    fixed = {"p0.html": (2.0, 10.0), "p1.html": (4.0, 30.0), "p2.html": (1.0, 40.0)}

    def fake(page: bench_extract.Page, rounds: int) -> bench_extract.PageTiming:
        ours, theirs = fixed[page[0]]
        return bench_extract.PageTiming(page[0], ours, theirs, rounds)

    monkeypatch.setattr(bench_extract, "time_page", fake)
    result = bench_extract.run(pages, rounds=3)
    assert [row.name for row in result["pages"]] == ["p0.html", "p1.html", "p2.html"]
    assert result["ours_ms"] == 2.0
    assert result["theirs_ms"] == 30.0
    assert result["ratio"] == pytest.approx(15.0)
    assert result["rounds"] == 3
