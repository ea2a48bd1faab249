"""``python -m benchmarks``: run every bench module's ``main()``, then print one summary table of their figures.

Usage::

    python -m benchmarks                 # everything at full size (make bench); writes benchmarks/results/latest.md
    python -m benchmarks --quick         # smaller sizes, same figures
    python -m benchmarks --only crawl --only query
    python -m benchmarks --list

Bench modules record figures with ``benchmarks.report``. A module that only prints (its ``main()`` returns
nothing and reports nothing) still gets its ratio lines into the table: lines saying ``ratio ... N.Nx`` are read
from its output. A bench that fails is shown as failed and makes the exit status non-zero; the others still run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import platform
import re
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import benchmarks
from benchmarks import FIGURES, ROOT, Figure, fmt, results_dir

# Cheap, pure-function benches first; the ones that build big databases or crawl last.
ORDER = ("dates", "bounds", "extract", "storage", "dedup", "query", "crawl", "memory")
# Targets of benches that only print (their lines are parsed): name -> (target text, minimum ratio).
PRINTED_TARGETS = {"dates": ("≥ 20x dateparser.parse", 20.0), "extract": ("≥ 3x trafilatura+htmldate", 3.0)}
_RATIO = re.compile(r"ratio[^\n]*?(\d+(?:\.\d+)?)x", re.IGNORECASE)
_ACCURACY = re.compile(r"^(\S.*?)\s{2,}[\d.]+\s+[\d.]+\s+(\d+)/(\d+)\b", re.MULTILINE)


class Tee(io.TextIOBase):
    """Writes to the real stream and keeps a copy (a bench's printed lines are shown live and parsed later)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, s: str) -> int:
        self.stream.write(s)
        self.stream.flush()
        return self.copy.write(s)

    def flush(self) -> None:
        self.stream.flush()


def available() -> list[str]:
    """Bench names (``bench_NAME.py``) present in the package, in run order."""
    names = sorted(p.stem.removeprefix("bench_") for p in Path(benchmarks.__file__).parent.glob("bench_*.py"))
    return [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]


def figures_from_output(bench: str, text: str) -> list[Figure]:
    """Figures read from a bench's printed lines: its speed ratio (and accuracy lines when present)."""
    found: list[Figure] = []
    ratios = _RATIO.findall(text)
    if ratios:
        value = float(ratios[-1])
        target, minimum = PRINTED_TARGETS.get(bench, ("", 0.0))
        found.append(Figure(bench, "speed ratio vs peer", value, "x", target, value >= minimum if target else None))
    for name, right, total in _ACCURACY.findall(text):
        share = 100 * int(right) / int(total) if int(total) else float("nan")
        found.append(Figure(bench, f"accuracy: {name.strip()}", share, "%", note=f"{right}/{total}"))
    return found


def run_bench(name: str) -> tuple[list[Figure], float, str | None]:
    """Run one bench's ``main()``; its figures, wall seconds and the error (None when it succeeded)."""
    before = len(FIGURES)
    tee = Tee(sys.stdout)
    start = time.perf_counter()
    error = None
    try:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        with contextlib.redirect_stdout(tee):
            module.main()
    except Exception as exc:  # a broken bench is shown as failed; the others still run
        traceback.print_exc()
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    figures = FIGURES[before:]
    if not figures and error is None:
        figures = figures_from_output(name, tee.copy.getvalue())
    return figures, seconds, error


def prepare(selected: Sequence[str]) -> dict[str, str]:
    """Untimed work first: build the cached databases (``prepare()`` of a bench module) while the memory bench's
    large crawl runs beside them (it only reads peak memory); then wait for it, so timed benches run on quiet CPUs.
    Returns the benches whose preparation failed, with the error."""
    errors: dict[str, str] = {}
    modules = {}
    for name in selected:
        try:
            modules[name] = importlib.import_module(f"benchmarks.bench_{name}")
        except Exception as exc:  # reported, the bench then fails on its own when run
            errors[name] = f"{type(exc).__name__}: {exc}"
    memory = modules.get("memory")
    builders = [(n, m) for n, m in modules.items() if hasattr(m, "prepare")]
    if memory is not None and builders:
        print("=== starting the memory bench's large crawl in the background ===", flush=True)
        memory.start_background()
    for name, module in builders:
        print(f"=== preparing {name} (untimed) ===", flush=True)
        start = time.perf_counter()
        try:
            module.prepare()
        except Exception as exc:
            traceback.print_exc()
            errors[name] = f"prepare: {type(exc).__name__}: {exc}"
        print(f"prepared {name} in {time.perf_counter() - start:.0f} s", flush=True)
    if memory is not None and builders:
        start = time.perf_counter()
        memory.wait_background()
        print(f"waited {time.perf_counter() - start:.0f} s for the large crawl", flush=True)
    return errors


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def table(rows: Sequence[tuple[Figure, ...] | Figure]) -> list[str]:
    """The summary as a Markdown table."""
    lines = ["| bench | figure | value | target | verdict | note |", "|---|---|---:|---|---|---|"]
    for fig in rows:
        assert isinstance(fig, Figure)
        value = f"{fmt(fig.value)} {fig.unit}".strip()
        lines.append(f"| {fig.bench} | {fig.name} | {value} | {fig.target} | {fig.verdict()} | {fig.note} |")
    return lines


def summary(figures: Sequence[Figure], timings: dict[str, float], errors: dict[str, str], scale: str) -> str:
    """The whole report: context, the table, failures and per-bench wall time."""
    cpus = len(__import__("os").sched_getaffinity(0))
    head = [
        f"Benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {_git_commit()}, scale {scale}: "
        f"{platform.machine()}, {cpus} CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "",
        *table(figures),
        "",
    ]
    missed = [f for f in figures if f.met is False]
    if missed:
        head.append("Missed targets: " + "; ".join(f"{f.bench} {f.name} ({fmt(f.value)} {f.unit})" for f in missed))
    for name, error in errors.items():
        head.append(f"FAILED {name}: {error}")
    head.append("Wall time per bench: " + ", ".join(f"{n} {s:.0f} s" for n, s in timings.items()))
    return "\n".join(head) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    parser.add_argument("--tiny", action="store_true", help="smallest sizes (seconds; what the tests run)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="run only this bench (repeat)")
    parser.add_argument("--list", action="store_true", help="list the benches and exit")
    parser.add_argument("--output", type=Path, help="where to write the Markdown summary (default: results/latest.md "
                        "for a full run, results/latest-SCALE.md otherwise)")  # fmt: skip
    args = parser.parse_args(argv)
    names = available()
    if args.list:
        print("\n".join(names))
        return 0
    unknown = [n for n in args.only if n not in names]
    if unknown:
        parser.error(f"unknown bench {', '.join(unknown)}; choose from {', '.join(names)}")
    scale = "tiny" if args.tiny else "quick" if args.quick else "full"
    benchmarks.set_scale(scale)
    selected = [n for n in names if not args.only or n in args.only]
    figures: list[Figure] = []
    timings: dict[str, float] = {}
    errors: dict[str, str] = {}
    errors.update(prepare(selected))
    for name in selected:
        print(f"\n=== {name} ({scale}) ===", flush=True)
        found, seconds, error = run_bench(name)
        figures += found
        timings[name] = seconds
        if error is not None:
            errors[name] = error
    text = summary(figures, timings, errors, scale)
    print("\n=== summary ===\n" + text)
    output = args.output or results_dir() / ("latest.md" if scale == "full" and not args.only else f"latest-{scale}.md")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"written to {output}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
