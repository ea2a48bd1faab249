"""ingest.normalize.choice: the fixed rules that pick among readings of one article, whatever their order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.normalize import VN_TZ
from ingest.normalize.choice import (
    DateReading,
    agree,
    combine_published,
    finer,
    listed_reading,
    merge_copy,
)

DAY = DateReading(datetime(2025, 5, 30, tzinfo=VN_TZ), "day", raw="30/05/2025")
API = listed_reading(datetime(2025, 5, 30, 4, 30, tzinfo=UTC))


def test_listed_dates_read_their_precision() -> None:
    assert API is not None
    assert (API.value, API.precision, API.raw) == (
        datetime(2025, 5, 30, 11, 30, tzinfo=VN_TZ),
        "second",
        "2025-05-30T04:30:00+00:00",
    )
    midnight = listed_reading(datetime(2025, 5, 30, tzinfo=VN_TZ))  # a feed that gives only the day
    assert midnight is not None
    assert midnight.precision == "day"
    assert listed_reading(datetime(2025, 5, 30)) is None  # naive: not a date we can place
    assert listed_reading(None) is None


def test_agreement_is_the_day_in_vietnam() -> None:
    assert API is not None
    assert agree(DAY, API)
    late_utc = listed_reading(datetime(2025, 5, 29, 18, 0, tzinfo=UTC))  # 01:00 on 30 May in Vietnam
    assert late_utc is not None
    assert agree(DAY, late_utc)
    assert not agree(DAY, DateReading(datetime(2025, 5, 31, tzinfo=VN_TZ)))
    guessed = DateReading(datetime(2026, 5, 30, tzinfo=VN_TZ), year_inferred=True)
    assert agree(guessed, DAY)  # the same day and month: the year was only a guess
    assert not agree(DateReading(datetime(2026, 5, 30, tzinfo=VN_TZ)), DAY)


def test_combine_takes_the_most_precise_reading_that_agrees() -> None:
    assert combine_published(DAY, API) == API
    assert combine_published(DAY, None) == DAY
    assert combine_published(None, API) == API
    other_day = listed_reading(datetime(2025, 6, 2, 4, 30, tzinfo=UTC))
    assert combine_published(DAY, other_day) == DAY
    # The winner is taken whole: the listed minute carries no day-part word (its time says it).
    afternoon = DateReading(DAY.value, "day", part_of_day="chiều", raw="Chiều 30/5")
    assert combine_published(afternoon, API) == API
    # An exact year over an inferred one.
    inferred = DateReading(datetime(2026, 5, 30, 14, tzinfo=VN_TZ), "minute", year_inferred=True, raw="14:00 30/5")
    assert combine_published(inferred, listed_reading(datetime(2025, 5, 30, tzinfo=VN_TZ))) is not inferred


# --- order independence -------------------------------------------------------------------------------------------

_BASE = datetime(2025, 5, 30, tzinfo=VN_TZ)
_DATE_KEYS = ("published", "published_precision", "published_year_inferred", "part_of_day", "published_raw")
_readings = st.builds(
    lambda days, minutes, precision, inferred, part, raw: {
        "published": _BASE + timedelta(days=days, minutes=minutes if precision != "day" else 0),
        "published_precision": precision,
        "published_year_inferred": inferred,
        "part_of_day": part,
        "published_raw": raw,
    },
    st.integers(0, 1),
    st.integers(0, 3).map(lambda m: m * 15),
    st.sampled_from(["day", "minute", "second"]),
    st.booleans(),
    st.sampled_from([None, "sáng", "chiều"]),
    st.sampled_from(["a", "b"]),
)
_copies = st.builds(
    lambda date, authors, lead, tags, modified: {
        **(date or dict.fromkeys(_DATE_KEYS)),
        "authors": authors,
        "author_roles": {name: ["writer"] for name in authors},
        "organizations": [],
        "source": None,
        "byline_raw": ", ".join(authors) or None,
        "lead": lead,
        "category": [],
        "tags": tags,
        "images": [],
        "language": "vi",
        "modified": modified,
        "modified_raw": modified.isoformat() if modified else None,
    },
    st.one_of(st.none(), _readings),
    st.sampled_from([[], ["Hiền Lương"], ["Thu Hà", "Minh Khôi"]]),
    st.sampled_from([None, "Sáng nay", "Chiều nay, hội nghị"]),
    st.sampled_from([[], ["quốc phòng"], ["a", "b"]]),
    st.sampled_from([None, _BASE + timedelta(days=2), _BASE + timedelta(days=3)]),
)


def _merged(copies: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    row = dict(copies[0])
    for other in copies[1:]:
        row.update(merge_copy(row, other))
    return row


@settings(max_examples=300, deadline=None)
@given(st.lists(_copies, min_size=2, max_size=3))
def test_merging_copies_gives_the_same_row_in_every_order(copies: list[dict[str, Any]]) -> None:
    rows = [_merged(order) for order in itertools.permutations(copies)]
    assert all(row == rows[0] for row in rows)


@settings(max_examples=300, deadline=None)
@given(_readings, _readings)
def test_finer_is_symmetric(a: dict[str, Any], b: dict[str, Any]) -> None:
    ra = DateReading(a["published"], a["published_precision"], a["published_year_inferred"], a["part_of_day"], "a")
    rb = DateReading(b["published"], b["published_precision"], b["published_year_inferred"], b["part_of_day"], "b")
    assert finer(ra, rb) == finer(rb, ra)


def test_merge_copy_returns_only_what_changes() -> None:
    stored = {"published": None, "authors": ["Hiền Lương"], "author_roles": {}, "lead": "Sáng nay"}
    assert merge_copy(stored, stored) == {}
    better = {**stored, "published": _BASE, "published_precision": "day", "published_raw": "30/5/2025"}
    changes = merge_copy(stored, better)
    assert changes["published"] == _BASE
    assert "authors" not in changes
    assert "lead" not in changes
