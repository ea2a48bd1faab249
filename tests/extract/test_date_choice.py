"""Which date a page gets when its metadata and its printed text disagree (the printed dates are only searched
when the metadata leaves the choice open)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from ingest.extract import SiteProfile, extract_article
from ingest.extract.dates import VISIBLE_RANK, Candidate, choose, settled
from ingest.normalize import VN_TZ

FETCHED = datetime(2026, 3, 8, 9, 0, tzinfo=VN_TZ)
BODY = " ".join(["Nông dân Kon Tum trúng mùa cà phê, giá tăng mạnh so với năm trước."] * 6)


def _page(ld_date: str | None, printed: str, *, extra_head: str = "") -> bytes:
    ld = ""
    if ld_date is not None:
        data = {"@type": "NewsArticle", "headline": "Trúng mùa cà phê ở Kon Tum", "datePublished": ld_date}
        ld = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    return (
        f"<html><head><title>Trúng mùa cà phê ở Kon Tum</title>{ld}{extra_head}</head><body>"
        f'<div class="detail"><h1>Trúng mùa cà phê ở Kon Tum</h1><span class="date">{printed}</span>'
        f'<div class="entry-content"><p>{BODY}</p><p>{BODY}</p></div></div></body></html>'
    ).encode()


def _published(html: bytes, site: SiteProfile | None = None) -> str | None:
    return extract_article(html, "https://baokontum.example.vn/a-1.html", fetched_at=FETCHED, site=site).published_raw


def test_json_ld_with_time_and_offset_beats_the_printed_date() -> None:
    assert _published(_page("2026-03-07T08:15:00+07:00", "07/03/2026 10:20")) == "2026-03-07T08:15:00+07:00"


def test_printed_date_wins_when_the_json_ld_date_is_after_the_crawl() -> None:
    assert _published(_page("2026-03-20T08:15:00+07:00", "07/03/2026 10:20")) == "07/03/2026 10:20"


def test_printed_time_upgrades_a_json_ld_day() -> None:
    assert _published(_page("2026-03-07", "07/03/2026 10:20")) == "07/03/2026 10:20"


def test_printed_date_beats_naive_json_ld() -> None:
    # No offset: the printed date (24h's meta is 13 hours off) is trusted more.
    assert _published(_page("2026-03-07T01:15:00", "07/03/2026 10:20")) == "07/03/2026 10:20"


def test_printed_date_when_the_metadata_has_none() -> None:
    assert _published(_page(None, "07/03/2026 10:20")) == "07/03/2026 10:20"


def test_site_selector_date_beats_the_printed_one() -> None:
    site = SiteProfile(name="x", selectors={"published": "meta[itemprop=dateCreated]"})
    head = '<meta itemprop="dateCreated" content="2026-03-06T22:00:00+07:00">'
    assert _published(_page(None, "07/03/2026 10:20", extra_head=head), site) == "2026-03-06T22:00:00+07:00"


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        ([], False),
        ([Candidate("2026-03-07T08:15:00+07:00", "json-ld", 2)], True),
        ([Candidate("07/03/2026", "site", 1)], False),  # a bare day can still be upgraded
        ([Candidate("2026-03-07T08:15", "json-ld", 4)], False),  # printed dates rank above it
        ([Candidate("2026-03-25T08:15:00+07:00", "json-ld", 2)], False),  # after the crawl: rejected
    ],
)
def test_settled_only_when_no_printed_date_could_change_the_choice(candidates: list[Candidate], expected: bool) -> None:
    assert settled(choose(candidates, FETCHED)) is expected
    assert VISIBLE_RANK == 3
