"""The crawl's paging policy as pure functions: the ``since``/``until`` range, when to stop following a listing's
(or the REST API's) next page, and the cut-offs an incremental crawl takes from the last runs.

The news spider (``spiders/news.py``) applies the rules that need no database: ``max_pages``, the
``INGEST_MAX_LISTING_PAGES`` cap, endless pagination (``no_new_articles``) and pages older than ``since``. The
incremental middleware (``ingest.incremental``) applies the two that need the database: pages older than what the
last successful run saw, and pages whose article links were all stored by earlier crawls. The spider hands the
middleware what a page listed as a :class:`ListedPage` on the request for the page after it (request meta
``PAGE_META``); the middleware takes it off before the request goes on, and tells the spider which article requests
it held back (the ``articles_known`` signal).

Stop reasons (``ingest/paging_stopped/<reason>``), in the order they are checked: ``max_pages``, ``page_cap``,
``no_new_articles``, ``older_than_cutoff``, ``all_stored``. Nothing here reads settings, the clock or a database.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final

from ingest.discovery import parse_datetime
from ingest.normalize import VN_TZ

__all__ = [
    "DEFAULT_MAX_LISTING_PAGES",
    "PAGE_META",
    "STALE_PAGES",
    "ListedPage",
    "articles_known",
    "in_range",
    "incremental_cutoff",
    "incremental_stop",
    "paging_stop",
    "parse_bound",
    "stale_count",
    "stored_before",
]

# Listing (and REST API) pages followed per start page when the spider gets no max_pages (the setting's default).
DEFAULT_MAX_LISTING_PAGES: Final = 500
# A listing whose "next" page never runs out (calendar pages, broken CMS pagination) must end by itself: after this
# many pages in a row with no article URL new to this run. Two, not one: pages of parallel listings (a category and
# its parent) may overlap once without the chain being over.
STALE_PAGES: Final = 2
# Listings often print dates to the day, and a post from the afternoon after the last run must not look older than
# that run. Stored URLs are skipped anyway, so the margin costs little.
LAST_RUN_MARGIN: Final = timedelta(days=1)
# Request meta key of the :class:`ListedPage` a next-page request carries for the incremental middleware.
PAGE_META: Final = "ingest_listed_page"
# Scrapy signal the incremental middleware sends (``urls=[...]``, once per batch) with the article URLs it did not
# let through because they are stored: the spider then knows they were not requested.
articles_known: Final = object()


@dataclass(frozen=True, slots=True)
class ListedPage:
    """What one listing or REST API page listed: its ``kind`` ("listing", "api"), its ``depth`` (1 for a start
    page), every article URL found on it (already requested this run or not) and its newest date (None: undated)."""

    kind: str
    depth: int
    urls: tuple[str, ...]
    newest: datetime | None


def parse_bound(raw: str | None, *, end: bool = False) -> datetime | None:
    """A ``since``/``until`` argument as an aware datetime: ISO date (start or end of day in Vietnam) or datetime."""
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = datetime.fromisoformat(text).date()
        return datetime.combine(day, time.max if end else time.min, tzinfo=VN_TZ)
    value = parse_datetime(text)
    if value is None:
        raise ValueError(f"not a date: {raw!r} (use YYYY-MM-DD or an ISO datetime)")
    return value


def in_range(
    when: datetime | None, published: datetime | None, *, since: datetime | None, until: datetime | None
) -> bool:
    """Whether a page dated ``when`` (its latest date) may fall in since..until. ``until`` is checked against
    ``published`` only: an old article modified after ``until`` was still published inside the range. Undated:
    always in range (never dropped on a guess)."""
    if when is not None and since is not None and when < since:
        return False
    return not (published is not None and until is not None and published > until)


def stale_count(page_keys: Set[int], listed: Set[int], stale: int) -> int:
    """The number of pages in a row (this one included) that listed no article new to this run's pages of the same
    kind (``listed``: the keys of those found so far); a page with a new one resets it to 0."""
    return stale + 1 if page_keys <= listed else 0


def paging_stop(
    depth: int,
    *,
    stale: int,
    newest: datetime | None,
    since: datetime | None,
    max_pages: int | None,
    page_cap: int,
) -> str | None:
    """Why the page after this one (at ``depth``) is not worth fetching, from what needs no database, or None.

    ``max_pages`` (the spider argument) wins over ``page_cap`` (``INGEST_MAX_LISTING_PAGES``; 0 = no cap); then
    ``stale`` pages in a row with nothing new; then a page whose newest date is older than ``since``."""
    if max_pages is not None and depth >= max_pages:
        return "max_pages"
    if max_pages is None and page_cap > 0 and depth >= page_cap:
        return "page_cap"
    if stale >= STALE_PAGES:
        return "no_new_articles"
    if since is not None and newest is not None and newest < since:
        return "older_than_cutoff"
    return None


def incremental_cutoff(last_started: datetime | None) -> datetime | None:
    """The date before which a listing page holds nothing new: the start of the last successful run, less a day's
    margin (None when no run finished)."""
    return None if last_started is None else last_started - LAST_RUN_MARGIN


def stored_before(last_finished: datetime | None, now: datetime) -> datetime:
    """The moment before which a stored article counts as stored by an *earlier* crawl: when the last finished
    run ended, or (no run recorded) when this one began. What this crawl (or, distributed, another worker of it)
    stored so far depends on timing; paging that stopped on it would leave a timing-dependent share unseen."""
    return last_finished if last_finished is not None else now


def incremental_stop(newest: datetime | None, *, cutoff: datetime | None, stored: list[bool]) -> str | None:
    """Why the page after a listed page is not worth fetching, from what the database says, or None: the page is
    older than ``cutoff`` (:func:`incremental_cutoff`), or every article URL on it is stored by an earlier crawl
    (``stored``: one flag per URL; a page that listed no article never stops for this)."""
    if cutoff is not None and newest is not None and newest < cutoff:
        return "older_than_cutoff"
    if stored and all(stored):
        return "all_stored"
    return None
