"""Benchmarks: each ``bench_*`` module has a ``main()`` that prints its figures (``make bench``).

This package module owns what the bench modules share: the run's scale (``full`` for ``make bench``, ``quick`` for
``python -m benchmarks --quick``, ``tiny`` for the tests) and :func:`report`, which records one figure for the
summary table that ``python -m benchmarks`` prints and writes to ``benchmarks/results/latest.md``.

A figure is a ratio against a peer measured in the same run wherever a peer exists (ours vs a bare Scrapy crawl,
vs dateparser, vs a smaller table, ...); a target that is missed is reported as missed, never hidden.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
RESULTS: Final = Path(__file__).resolve().parent / "results"
SCALES: Final = ("tiny", "quick", "full")

_state = {"scale": os.environ.get("INGEST_BENCH_SCALE", "full")}


@dataclass(frozen=True)
class Figure:
    """One measured figure: ``value`` in ``unit``; ``met`` is None where there is no target."""

    bench: str
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""

    def verdict(self) -> str:
        """ "met", "MISSED" or "" (no target)."""
        if self.met is None:
            return ""
        return "met" if self.met else "MISSED"


FIGURES: list[Figure] = []


def scale() -> str:
    """The size of this run: "full", "quick" or "tiny"."""
    value = _state["scale"]
    if value not in SCALES:
        raise ValueError(f"INGEST_BENCH_SCALE must be one of {', '.join(SCALES)}, not {value!r}")
    return value


def set_scale(value: str) -> None:
    """Set the size of the following benches (the harness does this; subprocesses read INGEST_BENCH_SCALE)."""
    if value not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {value!r}")
    _state["scale"] = value
    os.environ["INGEST_BENCH_SCALE"] = value


def results_dir() -> Path:
    """Where cached bench databases and summaries go: ``$INGEST_BENCH_RESULTS`` or ``benchmarks/results``."""
    path = Path(os.environ.get("INGEST_BENCH_RESULTS") or RESULTS)
    path.mkdir(parents=True, exist_ok=True)
    return path


def sized(full: int, quick: int, tiny: int) -> int:
    """The number for this run's scale."""
    return {"full": full, "quick": quick, "tiny": tiny}[scale()]


def report(
    bench: str, name: str, value: float, unit: str, *, target: str = "", met: bool | None = None, note: str = ""
) -> Figure:
    """Record one figure for the summary table and return it."""
    figure = Figure(bench, name, float(value), unit, target, met, note)
    FIGURES.append(figure)
    return figure


def fmt(value: float) -> str:
    """A figure printed with as many digits as it deserves."""
    if value != value:  # NaN
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def bulk_sqlite(path: Path, wanted: dict[str, Any]) -> sqlite3.Connection | None:
    """A connection for a fast, unsafe bulk load into a freshly migrated SQLite file at ``path``.

    Returns None when the file there was already built for ``wanted`` (the build's description, kept beside it as
    JSON), so a cached benchmark database is reused. Finish the load with :func:`finish_bulk_sqlite`.
    """
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists() and json.loads(meta_path.read_text()) == wanted:
        return None
    for stale in (path, meta_path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    from ingest.db.engine import get_engine  # here, not at import: most benches never build a database

    get_engine(f"sqlite:///{path}").dispose()  # the schema, by the migrations
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = DELETE", "journal_mode = OFF", "synchronous = OFF", "cache_size = -400000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def finish_bulk_sqlite(conn: sqlite3.Connection, path: Path, wanted: dict[str, Any]) -> None:
    """Put the file back in WAL mode, close it and record what it was built for (so the next run reuses it)."""
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    path.with_suffix(".json").write_text(json.dumps(wanted))
