"""Bounded-work measurement for tests: how many Python steps a call takes, never how long it takes.

A wall-clock limit in a test fails on a loaded machine for no fault of the code (CI runs beside other jobs on two
cores). What those limits meant to catch is work that grows faster than the input: a quadratic loop, a sort per
insert, a rescan per match. That is caught deterministically by counting the interpreter's trace events (function
calls and executed lines) of a call on an input and on the same input made twice as large: linear code takes about
twice the steps, quadratic code four times. The count is the same on every run and every machine.

What the count cannot see is work inside C code (a regular expression's backtracking, lxml's parser): a regex that
blows up on some input shows as a hanging test, and its time is measured by ``benchmarks/bench_bounds.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["assert_linear", "steps"]


def steps(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> tuple[T, int]:
    """Call ``fn(*args, **kwargs)`` in this thread; return its result and the Python steps it took.

    A step is one trace event: a call, an executed line, a return or an exception of Python code, in ``fn`` and
    everything it calls on this thread.
    """
    count = 0

    def trace(frame: FrameType, event: str, arg: object) -> Callable[..., object]:
        nonlocal count
        count += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.settrace(previous)
    return result, count


def assert_linear(
    fn: Callable[[Any], object], small: Any, large: Any, *, factor: float = 2.0, slack: float = 1.25, base: int = 2000
) -> tuple[int, int]:
    """Assert that ``fn(large)`` takes at most about ``factor`` times the steps of ``fn(small)``.

    ``large`` is ``small`` made ``factor`` times bigger. Allowed: ``factor * slack`` times the small count, plus
    ``base`` steps of fixed cost; a quadratic rule takes ``factor**2`` times and fails. Returns both counts.
    """
    _, few = steps(fn, small)
    _, many = steps(fn, large)
    assert many <= factor * slack * few + base, f"{many} steps on the larger input vs {few}: not linear"
    return few, many
