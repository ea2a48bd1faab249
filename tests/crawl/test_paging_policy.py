"""The paging policy's pure functions (``ingest.paging``): range, stale pages, stop reasons, their order, cut-offs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ingest.paging import (
    STALE_PAGES,
    in_range,
    incremental_cutoff,
    incremental_stop,
    paging_stop,
    stale_count,
    stored_before,
)

ICT = timezone(timedelta(hours=7))
JUNE = datetime(2025, 6, 15, tzinfo=ICT)
JULY = datetime(2025, 7, 5, tzinfo=ICT)


def stop(
    depth: int = 1,
    *,
    stale: int = 0,
    newest: datetime | None = None,
    since: datetime | None = None,
    max_pages: int | None = None,
    page_cap: int = 500,
) -> str | None:
    return paging_stop(depth, stale=stale, newest=newest, since=since, max_pages=max_pages, page_cap=page_cap)


def test_in_range_checks_since_on_the_latest_date_and_until_on_publication() -> None:
    since, until = datetime(2025, 6, 1, tzinfo=ICT), datetime(2025, 6, 30, 23, 59, tzinfo=ICT)
    assert in_range(JULY, JUNE, since=since, until=until)  # modified after until, published inside
    assert not in_range(JULY, JULY, since=since, until=until)
    assert not in_range(datetime(2025, 5, 1, tzinfo=ICT), None, since=since, until=until)
    assert in_range(None, None, since=since, until=until)  # undated: never dropped on a guess
    assert in_range(datetime(2001, 1, 1, tzinfo=ICT), None, since=None, until=None)


def test_stale_count_grows_on_pages_with_nothing_new_and_resets_on_a_new_article() -> None:
    listed = {1, 2, 3}
    assert stale_count({4, 1}, listed, 1) == 0
    assert stale_count({1, 2}, listed, 0) == 1
    assert stale_count({1, 2}, listed, 1) == 2
    assert stale_count(set(), listed, 0) == 1  # a page that lists nothing adds nothing


def test_paging_stops_in_a_fixed_order_of_reasons() -> None:
    old = datetime(2025, 1, 1, tzinfo=ICT)
    since = datetime(2025, 6, 1, tzinfo=ICT)
    # Every reason holds at once: the first in the documented order is the one counted.
    assert stop(3, max_pages=3, page_cap=3, stale=STALE_PAGES, newest=old, since=since) == "max_pages"
    assert stop(3, page_cap=3, stale=STALE_PAGES, newest=old, since=since) == "page_cap"
    assert stop(3, page_cap=4, stale=STALE_PAGES, newest=old, since=since) == "no_new_articles"
    assert stop(3, stale=STALE_PAGES - 1, newest=old, since=since) == "older_than_cutoff"
    assert stop(3, stale=STALE_PAGES - 1, newest=JULY, since=since) is None


def test_max_pages_replaces_the_cap_and_a_zero_cap_means_none() -> None:
    assert stop(600, max_pages=1000, page_cap=500) is None  # the argument, not the setting
    assert stop(2, max_pages=2) == "max_pages"
    assert stop(10_000, page_cap=0) is None
    assert stop(499) is None
    assert stop(500) == "page_cap"


def test_undated_pages_never_stop_on_dates() -> None:
    assert stop(newest=None, since=datetime(2030, 1, 1, tzinfo=ICT)) is None
    assert incremental_stop(None, cutoff=datetime(2030, 1, 1, tzinfo=UTC), stored=[False]) is None


def test_incremental_cutoff_keeps_a_days_margin() -> None:
    started = datetime(2025, 7, 10, 6, 0, tzinfo=UTC)
    cutoff = incremental_cutoff(started)
    assert cutoff == started - timedelta(days=1)
    assert incremental_cutoff(None) is None
    # A post from the afternoon after the last run's day, printed to the day only, is not older than the cut-off.
    assert cutoff is not None
    assert incremental_stop(datetime(2025, 7, 10, tzinfo=ICT), cutoff=cutoff, stored=[False]) is None
    assert incremental_stop(datetime(2025, 7, 8, tzinfo=ICT), cutoff=cutoff, stored=[False]) == "older_than_cutoff"


@pytest.mark.parametrize(
    ("stored", "expected"),
    [([True, True], "all_stored"), ([True, False], None), ([], None)],
    ids=["all", "one-new", "no-links"],
)
def test_all_stored_needs_every_link_and_at_least_one(stored: list[bool], expected: str | None) -> None:
    assert incremental_stop(JULY, cutoff=None, stored=stored) == expected


def test_older_than_cutoff_wins_over_all_stored() -> None:
    assert incremental_stop(JUNE, cutoff=JULY, stored=[True]) == "older_than_cutoff"


def test_earlier_crawls_are_those_before_the_last_finished_run_ended_or_else_before_now() -> None:
    now = datetime(2025, 7, 10, tzinfo=UTC)
    ended = datetime(2025, 7, 9, tzinfo=UTC)
    assert stored_before(ended, now) == ended
    assert stored_before(None, now) == now
