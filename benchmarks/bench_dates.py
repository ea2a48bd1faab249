"""parse_date against plain dateparser.parse on the shared dev set's date strings: speed and accuracy, same run.

Run: ``python -m benchmarks.bench_dates`` (or ``make bench``). The dev set is read from ``../shared/dev-set``
beside the checkout, or from ``$INGEST_DEV_SET``. dateparser gets the settings our fallback uses.
"""

from __future__ import annotations

import json
import os
import statistics
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ingest.normalize import dates, parse_date

VN = timezone(timedelta(hours=7))
ROOT = Path(__file__).resolve().parent.parent
REPEATS = 7


def dev_set_rows() -> list[dict[str, Any]]:
    """The rows of dates.jsonl from the shared dev set."""
    base = Path(os.environ.get("INGEST_DEV_SET", ROOT.parent / "shared" / "dev-set"))
    path = base / "dates.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _value(got: Any) -> datetime | None:
    value = getattr(got, "value", got)
    return value if isinstance(value, datetime) else None


def correct(row: dict[str, Any], value: datetime | None) -> bool:
    """The dev set's scoring rule: None when None is expected, else the same day/minute/second in +07:00."""
    if row["expected"] is None:
        return value is None
    if value is None or value.tzinfo is None:
        return False
    got = value.astimezone(VN)
    want = datetime.fromisoformat(row["expected"])
    want = (want if want.tzinfo else want.replace(tzinfo=VN)).astimezone(VN)
    if row["precision"] == "day":
        return got.date() == want.date()
    if row["precision"] == "minute":
        return got.replace(second=0, microsecond=0) == want.replace(second=0, microsecond=0)
    return got.replace(microsecond=0) == want.replace(microsecond=0)


def _dateparser() -> Callable[[str, datetime], datetime | None]:
    import dateparser

    def parse(raw: str, reference: datetime) -> datetime | None:
        settings = {
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "TIMEZONE": "Asia/Ho_Chi_Minh",
            "RELATIVE_BASE": reference.replace(tzinfo=None),
        }
        result: datetime | None = dateparser.parse(raw, languages=["vi", "en"], settings=settings)
        return result

    return parse


def _ours(raw: str, reference: datetime) -> datetime | None:
    # parse_date remembers the strings it read last (a page's dates are read by extraction, then by the normalize
    # stage): every timed call must read its string, not find it remembered from the previous repeat.
    dates._parse_date_at.cache_clear()
    return _value(parse_date(raw, reference=reference))


def measure(parse: Callable[[str, datetime], datetime | None], rows: list[dict[str, Any]]) -> tuple[list[float], int]:
    """Per-string median time in microseconds over REPEATS calls, and the number of correct answers."""
    times: list[float] = []
    right = 0
    for row in rows:
        ref = datetime.fromisoformat(row["reference"])
        samples = []
        value = None
        for _ in range(REPEATS):
            start = time.perf_counter()
            value = parse(row["raw"], ref)
            samples.append((time.perf_counter() - start) * 1e6)
        times.append(statistics.median(samples))
        right += correct(row, value)
    return times, right


def main() -> None:
    """Print ours vs dateparser: median and p90 µs per string, accuracy, and the speed ratio."""
    rows = dev_set_rows()
    dp = _dateparser()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateparser's own deprecation noise is not ours to show
        dp("01/01/2020", datetime(2020, 1, 2))  # load dateparser's language data outside the timing
        _ours("01/01/2020", datetime(2020, 1, 2))
        ours_t, ours_ok = measure(_ours, rows)
        dp_t, dp_ok = measure(dp, rows)
    n = len(rows)
    print(f"parse_date vs dateparser.parse on {n} dev-set date strings (median of {REPEATS} calls per string)")
    print(f"{'parser':<22}{'median µs':>12}{'p90 µs':>12}{'accuracy':>14}")
    for name, t, ok in (("ingest parse_date", ours_t, ours_ok), ("dateparser.parse", dp_t, dp_ok)):
        p90 = statistics.quantiles(t, n=10)[-1]
        print(f"{name:<22}{statistics.median(t):>12.1f}{p90:>12.1f}{f'{ok}/{n}':>9} {100 * ok / n:>3.0f}%")
    ratio = statistics.median(dp_t) / statistics.median(ours_t)
    print(f"speed ratio (median dateparser / median parse_date): {ratio:.1f}x")


if __name__ == "__main__":
    main()
