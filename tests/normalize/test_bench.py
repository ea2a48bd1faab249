"""The date benchmark's own logic: it reads the dev set, scores like score_normalize.py and times our parser."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from benchmarks import bench_dates

VN = timezone(timedelta(hours=7))


def test_scoring_rule() -> None:
    row = {"expected": "2021-12-14T17:02:00+07:00", "precision": "minute"}
    assert bench_dates.correct(row, datetime(2021, 12, 14, 17, 2, 30, tzinfo=VN))
    assert not bench_dates.correct(row, datetime(2021, 12, 14, 17, 3, tzinfo=VN))
    assert not bench_dates.correct(row, datetime(2021, 12, 14, 17, 2))  # naive is wrong
    assert bench_dates.correct({"expected": None, "precision": None}, None)
    assert bench_dates.correct({"expected": "2021-12-14", "precision": "day"}, datetime(2021, 12, 14, 23, tzinfo=VN))


def test_measure_ours_on_the_dev_set(dev_set: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_DEV_SET", str(dev_set))
    rows = bench_dates.dev_set_rows()
    assert len(rows) > 0
    times, right = bench_dates.measure(bench_dates._ours, rows)
    assert len(times) == len(rows)
    assert all(t > 0 for t in times)
    assert right == sum(
        bench_dates.correct(r, bench_dates._ours(r["raw"], datetime.fromisoformat(r["reference"]))) for r in rows
    )
