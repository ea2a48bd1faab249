"""Newest-first limited search (``ingest.db.search.newest_match_ids``) returns exactly what the plain query does.

The plain statement (``ingest.query._select``: every FTS match, sorted) is the reference. The database has ties
on ``published_at``, undated articles, near-duplicates, three sites, authors, a common phrase, a rare one, a word
that only prefixes another, and a phrase whose words occur but never side by side. The planner's thresholds are
lowered so a few hundred articles take every path: all matches known, the walk by id range and by single
candidates, and the walk over budget.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from ingest.db import search
from ingest.db.engine import get_engine, read_scope, session_scope
from ingest.db.models import Article, ArticleAuthor, Author
from ingest.normalize import search_key
from ingest.query import Filters, _select, find_articles

SITES = ("kontumtv", "baogialai", "baodaklak")
AUTHORS = ("Nguyễn Văn An", "Trần Thị Bình", "Y Sương")
WORDS = (
    "hoi", "nghi", "tong", "ket", "cong", "tac", "dan", "van", "mua", "kho", "nong", "dan", "ca", "phe", "tai",
    "canh", "gia", "ban", "on", "dinh",
)  # fmt: skip
START = datetime(2025, 1, 1, tzinfo=UTC)
PHRASES = ("quoc phong toan dan", "Quốc phòng", "sâm Ngọc Linh", "ksor", "toan dan quoc", "tau ngam", "ca phe")


def _text(rng: random.Random, i: int) -> str:
    words = [rng.choice(WORDS) for _ in range(30)]
    if i % 3 == 0:
        words[5:5] = ["quốc", "phòng", "toàn", "dân"]
    if i % 97 == 5:
        words[12:12] = ["sâm", "Ngọc", "Linh"]
    if i % 11 == 0:
        words.append("Ksor" if i % 2 else "ksorbe")  # "ksor" must not match the longer word
    if i % 7 == 0:
        words[20:20] = ["toàn", "dân", "và", "quốc"]  # the words of "toan dan quoc" apart
    return " ".join(words)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("plan") / "news.db"
    eng = get_engine(f"sqlite:///{path}")
    rng = random.Random(9)
    with session_scope(eng) as session:
        authors = [Author(name=name) for name in AUTHORS]
        session.add_all(authors)
        session.flush()
        for i in range(600):
            body = _text(rng, i)
            # Hours, not seconds: many articles share a date (ties); one in eight has none.
            published = None if i % 8 == 3 else START + timedelta(hours=rng.randrange(200))
            article = Article(
                url=f"https://example.vn/{i}.html",
                canonical_url=f"https://example.vn/{i}.html",
                site=SITES[rng.randrange(len(SITES))],
                title=f"Bài {i}",
                body=body,
                published_at=published,
                content_hash=f"{i:064x}",
                search_text=search_key(body),
                first_seen_at=START,
                last_seen_at=START,
            )
            session.add(article)
            session.flush()
            if i % 13 == 1:
                article.duplicate_of = article.id - 1
            if i % 4:
                session.add(ArticleAuthor(article_id=article.id, author_id=authors[i % 3].id, role="writer"))
    yield eng
    eng.dispose()


def _plain(engine: Engine, filters: Filters) -> list[int]:
    with session_scope(engine) as session:
        return [a.id for a in session.scalars(_select(session, filters))]


def _found(engine: Engine, filters: Filters) -> list[int]:
    with read_scope(engine) as session:
        return [row["id"] for row in find_articles(session, filters)]


FILTERS: list[dict[str, Any]] = [
    {},
    {"include_duplicates": True},
    {"site": ["kontumtv"]},
    {"site": ["kontumtv", "baodaklak"]},
    {"since": START + timedelta(hours=50), "until": START + timedelta(hours=120)},
    {"since": START + timedelta(hours=150)},
    {"author": "tran thi binh"},
    {"author": "nobody at all"},
    {"site": ["baogialai"], "author": "nguyen van an", "include_duplicates": True},
]


# (matches probed, walk budget per row, budget share of matches, id span per candidate for one FTS range query):
# few matches (plain query); windows checked by id range; candidates asked one by one (span 0); and both with a
# budget so small that the walk gives up and the plain query answers.
PLANS = [(1_000, 50, 32, 20), (5, 50, 32, 20), (5, 50, 32, 0), (5, 1, 10_000, 0), (5, 1, 10_000, 10**9), (1, 1, 1, 20)]


@pytest.mark.slow  # every phrase x filter x limit, per plan: seconds each
@pytest.mark.parametrize(("probe", "per_row", "share", "span"), PLANS)
def test_newest_first_search_equals_the_plain_query(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, probe: int, per_row: int, share: int, span: int
) -> None:
    monkeypatch.setattr(search, "PROBE_MATCHES", probe)
    monkeypatch.setattr(search, "WALK_PER_ROW", per_row)
    monkeypatch.setattr(search, "WALK_SHARE", share)
    monkeypatch.setattr(search, "SPAN_PER_CANDIDATE", span)
    outcomes: Counter[str] = Counter()
    original = search.newest_match_ids

    def spy(*args: Any, **kwargs: Any) -> list[int] | None:
        ids = original(*args, **kwargs)
        outcomes["plain" if ids is None else "planned"] += 1
        return ids

    monkeypatch.setattr("ingest.query.newest_match_ids", spy)
    checked = 0
    for phrase in PHRASES:
        for extra in FILTERS:
            for limit in (1, 7, 20, 500):
                filters = Filters(search=phrase, limit=limit, **extra)
                expected = _plain(engine, filters)
                assert _found(engine, filters) == expected, (phrase, extra, limit)
                checked += bool(expected)
    assert checked > 100  # most combinations find something: the comparison is not between empty lists
    if probe >= 1_000:
        assert outcomes == Counter(plain=len(PHRASES) * len(FILTERS) * 4)  # few matches: the plain query
    else:
        assert outcomes["planned"] > 0
        assert outcomes["plain"] > 0


def test_undated_articles_come_last_and_ties_newest_id_first(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "PROBE_MATCHES", 2)
    with read_scope(engine) as session:
        rows = list(find_articles(session, Filters(search="quoc phong", limit=500)))
    dates = [row["published"] for row in rows]
    assert None in dates
    assert dates.index(None) == len(dates) - dates.count(None)  # every undated one at the end
    keys = [(row["published"] or "", row["id"]) for row in rows]
    assert keys == sorted(keys, reverse=True)
    assert len({row["published"] for row in rows}) < len(rows)  # ties exist, so the id tie-break was exercised


def test_the_walk_reads_the_published_index_and_stops_at_the_limit(engine: Engine) -> None:
    with session_scope(engine) as session:
        indexes = {row[1] for row in session.execute(text("PRAGMA index_list(articles)"))}
        assert search.WALK_INDEX in indexes
        narrowing = search.Narrowing(site_sets=[["kontumtv"]], since=START)
        params: dict[str, Any] = {}
        clauses, binds = search._where(narrowing, params)
        sql = (
            f"EXPLAIN QUERY PLAN SELECT a.id FROM articles AS a INDEXED BY {search.WALK_INDEX} "
            f"WHERE {' AND '.join(clauses)} ORDER BY a.published_at DESC, a.id DESC LIMIT 20"
        )
        plan = " ".join(row[3] for row in session.execute(text(sql).bindparams(*binds), params))
    assert f"COVERING INDEX {search.WALK_INDEX}" in plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan  # no sort of every candidate (ties only: "RIGHT PART")


def test_nothing_to_search_or_no_limit_is_left_to_the_plain_query(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert search.newest_match_ids(session, ' " ', search.Narrowing(), 20) is None
        assert search.newest_match_ids(session, "quoc phong", search.Narrowing(), 0) is None
    assert _found(engine, Filters(search="quoc phong", limit=0)) == []
    assert _found(engine, Filters(search="quoc phong", order="oldest", limit=5)) == _plain(
        engine, Filters(search="quoc phong", order="oldest", limit=5)
    )


def test_a_database_without_the_walk_index_gets_the_plain_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "PROBE_MATCHES", 1)
    eng = get_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        with session_scope(eng) as session:
            for i in range(3):
                session.add(
                    Article(url=f"u{i}", canonical_url=f"u{i}", content_hash=f"{i}", search_text="quoc phong",
                            first_seen_at=START, last_seen_at=START, published_at=START + timedelta(hours=i))
                )  # fmt: skip
            session.execute(text(f"DROP INDEX {search.WALK_INDEX}"))
        filters = Filters(search="quoc phong", limit=2)
        assert _found(eng, filters) == _plain(eng, filters) == [3, 2]
    finally:
        eng.dispose()
