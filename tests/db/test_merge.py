"""Copies of one article merged by quality, never by order (SQLite + PostgreSQL, per-record and batch paths).

Each case stores two copies of an article, A then B and B then A, through ``write_article`` one by one, through
``write_batch`` in one batch and in two batches, and through the crawl's store stage; the stored row (every field
that is the article's, not the crawl's) and its authors must be the same in every order and path, and must hold
the better value of each field.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ingest.db.engine import get_engine, session_scope
from ingest.db.models import Article, ArticleAuthor, ArticleVersion, Author, Source, UrlAlias
from ingest.db.store import apply_listed_dates, store_batch, write_article, write_batch
from ingest.normalize.choice import combine_published, date_fields, listed_reading, reading_from_fields
from tests.db.articles import BODY_DEFENCE, VN

T0 = datetime(2025, 7, 10, 9, 30, tzinfo=VN)
CLEAN = "https://kontumtv.vn/2021/12/14/hoi-nghi"
# The same text under another canonical URL of the site: an exact duplicate. Shorter, so it becomes the article's
# identity whichever copy came first (url_rank), and the other URL an alias.
MIRROR = "https://kontumtv.vn/amp/hoi-nghi"

# The article's own columns (crawl facts such as fetched_at, first_seen_at and the stored HTML are the first fetch's).
ROW_COLUMNS = (
    "url", "canonical_url", "title", "lead", "body", "published_at", "published_raw", "published_precision",
    "published_year_inferred", "part_of_day", "modified_at", "modified_raw", "byline_raw", "category", "tags",
    "images", "language", "content_hash", "search_text",
)  # fmt: skip


def copy(url: str, **fields: Any) -> dict[str, Any]:
    """A normalised record as the dedup stage hands it to the store: a bare copy, fields given override."""
    base: dict[str, Any] = {
        "url": url,
        "canonical_url": url,
        "site": "kontumtv",
        "title": "Hội nghị tổng kết công tác quốc phòng",
        "lead": None,
        "body": BODY_DEFENCE,
        "fetched_at": T0,
        "html": b"<html><body>copy</body></html>",
    }
    base.update(fields)
    return base


DAY = {
    "published": datetime(2021, 12, 14, tzinfo=VN),
    "published_raw": "14/12/2021",
    "published_precision": "day",
}
MINUTE = {
    "published": datetime(2021, 12, 14, 17, 26, 41, tzinfo=VN),
    "published_raw": "2021-12-14T17:26:41+07:00",
    "published_precision": "second",
}
INFERRED = {  # a year-less dateline read as the fetch year: the year is a guess
    "published": datetime(2025, 12, 14, 14, 0, tzinfo=VN),
    "published_raw": "Chiều 14/12",
    "published_precision": "day",
    "published_year_inferred": True,
    "part_of_day": "chiều",
}
EXACT_DAY = {
    "published": datetime(2021, 12, 14, tzinfo=VN),
    "published_raw": "14/12/2021",
    "published_precision": "day",
}
BYLINE = {
    "byline_raw": "Tin, ảnh: Hiền Lương",
    "authors": ["Hiền Lương"],
    "author_roles": {"Hiền Lương": ["writer", "photographer"]},
    "source": "TTXVN",
}

# (name, copy A, copy B, what the merged row must hold)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    (
        "minutes over a day (URL variant)",
        copy(CLEAN + "?utm_source=fb", canonical_url=CLEAN, **DAY),
        copy(CLEAN, **MINUTE),
        {"published_at": MINUTE["published"], "published_precision": "second", "url": CLEAN},
    ),
    (
        "an exact year over an inferred one (exact duplicate)",
        copy(MIRROR, **INFERRED),
        copy(CLEAN, **EXACT_DAY),
        {"published_at": EXACT_DAY["published"], "published_year_inferred": False},
    ),
    (
        "authors over none, a lead over none, tags over none (exact duplicate)",
        copy(MIRROR, **MINUTE),
        copy(CLEAN, **MINUTE, **BYLINE, lead="Sáng nay, hội nghị khai mạc.", tags=["quốc phòng"]),
        {"byline_raw": BYLINE["byline_raw"], "lead": "Sáng nay, hội nghị khai mạc.", "tags": ["quốc phòng"]},
    ),
    (
        "the later modification",
        copy(CLEAN + "?ref=home", canonical_url=CLEAN, **DAY, modified=datetime(2021, 12, 15, 8, 0, tzinfo=VN)),
        copy(CLEAN, **DAY, modified=datetime(2021, 12, 16, 9, 0, tzinfo=VN), modified_raw="16/12/2021 09:00"),
        {"modified_at": datetime(2021, 12, 16, 9, 0, tzinfo=VN)},
    ),
]


def _row(db_url: str) -> tuple[dict[str, Any], list[tuple[str, str]], str | None, int]:
    """The one stored article's own columns, its authors, its source and how many articles there are."""
    engine = get_engine(db_url, migrate=True)
    try:
        with session_scope(engine) as session:
            articles = list(session.scalars(select(Article)))
            art = articles[0]
            row = {c: getattr(art, c) for c in ROW_COLUMNS}
            authors = sorted(
                (name, role)
                for name, role in session.execute(
                    select(Author.name, ArticleAuthor.role)
                    .join(ArticleAuthor, ArticleAuthor.author_id == Author.id)
                    .where(ArticleAuthor.article_id == art.id)
                )
            )
            source = session.scalar(select(Source.name).where(Source.id == art.source_id))
            return row, authors, source, len(articles)
    finally:
        engine.dispose()


def _one_by_one(db_url: str, records: Sequence[dict[str, Any]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    engine = get_engine(db_url, migrate=True)
    for rec in records:
        with session_scope(engine) as session:
            write_article(session, rec, run_id=None, now=T0, counts=counts)
    engine.dispose()
    return counts


def _one_batch(db_url: str, records: Sequence[dict[str, Any]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    engine = get_engine(db_url, migrate=True)
    with session_scope(engine) as session:
        write_batch(session, list(records), now=T0, counts=counts)
    engine.dispose()
    return counts


def _two_batches(db_url: str, records: Sequence[dict[str, Any]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    engine = get_engine(db_url, migrate=True)
    for rec in records:
        store_batch(engine, [rec], counts=counts)
    engine.dispose()
    return counts


PATHS: dict[str, Callable[[str, Sequence[dict[str, Any]]], Counter[str]]] = {
    "write_article": _one_by_one,
    "write_batch": _one_batch,
    "store_batch": _two_batches,
}


_db_ids = itertools.count()


@pytest.fixture
def new_db(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Callable[[], str]:
    """Empty databases of ``db_url``'s kind, one per call (SQLite files; PostgreSQL databases)."""
    if db_url.startswith("sqlite"):
        return lambda: f"sqlite:///{tmp_path / f'merge{next(_db_ids)}.db'}"
    server = request.getfixturevalue("pg_server")
    return lambda: str(server.create_database(f"merge{next(_db_ids)}"))


@pytest.mark.parametrize(("name", "a", "b", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_merged_row_is_the_same_in_every_order_and_path(
    new_db: Callable[[], str], name: str, a: dict[str, Any], b: dict[str, Any], expected: dict[str, Any]
) -> None:
    seen = []
    for path, store in PATHS.items():
        for first, second in ((a, b), (b, a)):
            url = new_db()
            counts = store(url, [first, second])
            row, authors, source, n = _row(url)
            assert n == 1, (name, path)
            for column, value in expected.items():
                assert row[column] == value, (name, path, column)
            if first is a:  # the better copy (listed second in every case) improved the stored row: counted
                assert counts["merged"] == 1, (name, path)
            seen.append((path, first is a, row, authors, source))
    for path, a_first, row, authors, source in seen:
        assert (row, authors, source) == seen[0][2:], (name, path, "A first" if a_first else "B first")


def test_a_merge_keeps_the_row_it_replaced_in_the_versions(db_url: str) -> None:
    _one_by_one(db_url, [copy(MIRROR, **INFERRED), copy(CLEAN, **EXACT_DAY, **BYLINE)])
    engine = get_engine(db_url, migrate=True)
    with session_scope(engine) as session:
        versions = list(session.scalars(select(ArticleVersion)))
        aliases = {a.url: a.reason for a in session.scalars(select(UrlAlias))}
    engine.dispose()
    assert [(v.reason, v.url, v.published_raw, v.byline_raw) for v in versions] == [
        ("merged", MIRROR, "Chiều 14/12", None)
    ]
    assert aliases == {CLEAN: "duplicate_exact"}  # the other copy's URL still leads to the article


def test_a_copy_that_brings_nothing_better_changes_nothing(db_url: str) -> None:
    # A worse date, no byline, and a canonical URL that ranks after the stored one (longer).
    counts = _one_by_one(db_url, [copy(CLEAN, **MINUTE, **BYLINE), copy(CLEAN + "/amp-version", **DAY)])
    assert counts["merged"] == 0
    row, authors, source, _ = _row(db_url)
    assert (row["published_at"], row["byline_raw"], source) == (MINUTE["published"], BYLINE["byline_raw"], "TTXVN")
    assert authors == [("Hiền Lương", "photographer"), ("Hiền Lương", "writer")]
    engine = get_engine(db_url, migrate=True)
    with session_scope(engine) as session:
        assert session.scalar(select(ArticleVersion.id)) is None
    engine.dispose()


# --- listed dates arriving after the article --------------------------------------------------------------------

API = datetime(2021, 12, 14, 10, 26, 41, tzinfo=UTC)  # 17:26:41 in Vietnam, the page's day


@pytest.mark.parametrize(
    ("own", "listed", "expected"),
    [
        (DAY, API, API),  # a minute that agrees on the day refines it
        (DAY, datetime(2021, 12, 20, 3, 0, tzinfo=UTC), DAY["published"]),  # another day: the page stands
        (INFERRED, API, API),  # an exact year beats an inferred one that agrees on the day and month
        ({}, API, API),  # no date of its own: the listed one
    ],
)
def test_a_late_listed_date_gives_the_row_the_item_would_have_had(
    new_db: Callable[[], str], own: dict[str, Any], listed: datetime, expected: datetime
) -> None:
    # The date came with the page: the normalize stage combined it with the page's own.
    combined = date_fields(combine_published(reading_from_fields(own), listed_reading(listed)))
    with_page = new_db()
    _one_by_one(with_page, [copy(CLEAN, **(own | combined))])
    # The page was stored first; the date arrived later for the URL discovery gave.
    late = new_db()
    _one_by_one(late, [copy(CLEAN + "?utm_source=rss", canonical_url=CLEAN, **own)])
    engine = get_engine(late, migrate=True)
    with session_scope(engine) as session:
        outcome = apply_listed_dates(session, [{"url": CLEAN + "?utm_source=rss", "listed_published": listed}])
    engine.dispose()
    assert outcome == (["unchanged"] if expected == own.get("published") else ["applied"])
    first, second = _row(with_page)[0], _row(late)[0]
    assert first["published_at"] == second["published_at"] == expected
    for column in ("published_raw", "published_precision", "published_year_inferred", "part_of_day"):
        assert first[column] == second[column], column


def test_a_listed_date_for_an_unknown_url_is_missing(db_url: str) -> None:
    engine = get_engine(db_url, migrate=True)
    with session_scope(engine) as session:
        assert apply_listed_dates(session, [{"url": CLEAN, "listed_published": API}]) == ["missing"]
    engine.dispose()


def test_a_note_with_a_cleaner_url_gives_the_row_that_url(db_url: str) -> None:
    tracked = CLEAN + "?utm_source=rss"
    _one_by_one(db_url, [copy(tracked, canonical_url=CLEAN, **DAY)])
    engine = get_engine(db_url, migrate=True)
    with session_scope(engine) as session:
        note = {"url": CLEAN, "canonical_url": CLEAN, "listed_published": None}
        assert apply_listed_dates(session, [note]) == ["applied"]
        assert apply_listed_dates(session, [note]) == ["unchanged"]
        other = {"url": MIRROR, "canonical_url": MIRROR, "listed_published": None}  # another article's URL
        assert apply_listed_dates(session, [other]) == ["missing"]
    engine.dispose()
    assert _row(db_url)[0]["url"] == CLEAN  # as if the listing's plain link had been fetched first
