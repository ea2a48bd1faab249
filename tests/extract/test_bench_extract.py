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


PAGE2 = ("q.html", b"<html><body><p>y</p></body></html>", "https://example.vn/b.html", datetime(2026, 3, 7))


def test_rounds_visit_every_page_with_both_sides_in_alternating_order() -> None:
    calls: list[tuple[str, str]] = []

    def ours(html: bytes, url: str, fetched: datetime) -> Any:
        calls.append(("ours", url))

    def theirs(html: bytes, url: str, fetched: datetime) -> Any:
        calls.append(("theirs", url))

    timings = bench_extract.time_pages([PAGE, PAGE2], 2, ours, theirs)
    a, b = PAGE[2], PAGE2[2]
    warm_up = [("ours", a), ("theirs", a), ("ours", b), ("theirs", b)]
    first = [("ours", a), ("theirs", a), ("ours", b), ("theirs", b)]
    second = [("theirs", a), ("ours", a), ("theirs", b), ("ours", b)]
    assert calls == warm_up + first + second
    assert [t.name for t in timings] == ["p.html", "q.html"]
    assert all(t.rounds == 2 for t in timings)
    assert all(t.ours_ms >= 0 for t in timings)
    assert all(t.theirs_ms >= 0 for t in timings)


def test_a_page_figure_is_the_median_of_its_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([1.0, 9.0, 5.0, 3.0, 2.0])  # ms per timed call of ours, in call order

    def ours(html: bytes, url: str, fetched: datetime) -> Any:
        return None

    monkeypatch.setattr(bench_extract, "_cpu_ms", lambda fn, page: next(clock) if fn is ours else 10.0)
    [timing] = bench_extract.time_pages([PAGE], 5, ours, lambda *_: None)
    assert timing.ours_ms == 3.0  # median of 1, 9, 5, 3, 2
    assert timing.theirs_ms == 10.0
    assert timing.ratio == pytest.approx(10.0 / 3.0)


def test_run_compares_medians_over_the_same_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = [(f"p{i}.html", PAGE[1], PAGE[2], PAGE[3]) for i in range(3)]
    fixed = {"p0.html": (2.0, 10.0), "p1.html": (4.0, 30.0), "p2.html": (1.0, 40.0)}

    def fake(pages: list[bench_extract.Page], rounds: int) -> list[bench_extract.PageTiming]:
        return [bench_extract.PageTiming(page[0], *fixed[page[0]], rounds) for page in pages]

    monkeypatch.setattr(bench_extract, "time_pages", fake)
    result = bench_extract.run(pages, rounds=3)
    assert [row.name for row in result["pages"]] == ["p0.html", "p1.html", "p2.html"]
    assert result["ours_ms"] == 2.0
    assert result["theirs_ms"] == 30.0
    assert result["ratio"] == pytest.approx(15.0)
    assert result["rounds"] == 3
