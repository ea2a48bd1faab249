"""``ingest.query.stats`` (read from indexes only) against the same figures counted row by row, on SQLite and
PostgreSQL; and migration 0002's indexes, which those reads and the newest-first search rely on."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import inspect, select

from ingest.db.engine import alembic_config, get_engine, head_revision, read_scope, schema_problems, session_scope
from ingest.db.models import Article, ArticleAuthor, Author
from ingest.normalize import VN_TZ
from ingest.query import stats

START = datetime(2025, 3, 1, tzinfo=UTC)


def _fill(url: str) -> None:
    engine = get_engine(url, migrate=True)
    with session_scope(engine) as session:
        writers = [Author(name="Hoài Nam"), Author(name="Y Sương")]
        session.add_all(writers)
        session.flush()
        for i in range(40):
            site = ("kontumtv", "baogialai", None)[i % 3]
            article = Article(
                url=f"https://example.vn/{i}",
                canonical_url=f"https://example.vn/{i}",
                site=site,
                published_at=None if i % 5 == 0 else START + timedelta(days=i),
                content_hash=f"{i:064x}",
                search_text="tin",
                first_seen_at=START,
                last_seen_at=START,
            )
            session.add(article)
            session.flush()
            if i % 7 == 3:
                article.duplicate_of = article.id - 1
            if i % 4:
                session.add(ArticleAuthor(article_id=article.id, author_id=writers[0].id, role="writer"))
            if i % 8 == 1:  # two people on one article count it once
                session.add(ArticleAuthor(article_id=article.id, author_id=writers[1].id, role="photographer"))
    engine.dispose()


def _counted(url: str) -> dict[Any, dict[str, Any]]:
    engine = get_engine(url)
    out: dict[Any, dict[str, Any]] = defaultdict(lambda: {"n": 0, "dup": 0, "dated": 0, "authored": 0, "latest": None})
    with session_scope(engine) as session:
        authored = set(session.scalars(select(ArticleAuthor.article_id)))
        for article in session.scalars(select(Article)):
            row = out[article.site]
            row["n"] += 1
            row["dup"] += article.duplicate_of is not None
            row["dated"] += article.published_at is not None
            row["authored"] += article.id in authored
            if article.published_at is not None and (row["latest"] is None or article.published_at > row["latest"]):
                row["latest"] = article.published_at
    engine.dispose()
    return out


def test_stats_match_a_row_by_row_count(db_url: str) -> None:
    _fill(db_url)
    expected = _counted(db_url)
    engine = get_engine(db_url)
    try:
        with read_scope(engine) as session:
            rows = stats(session)
    finally:
        engine.dispose()
    assert {r["site"] for r in rows} == set(expected)
    for r in rows:
        want = expected[r["site"]]
        assert r["articles"] == want["n"]
        assert r["near_duplicates"] == want["dup"] > 0
        assert r["share_dated"] == round(want["dated"] / want["n"], 3) < 1
        assert r["share_with_author"] == round(want["authored"] / want["n"], 3) < 1
        assert r["latest_published"] == want["latest"].astimezone(VN_TZ).isoformat()


def test_migration_0002_adds_the_query_indexes_and_removes_them_on_downgrade(db_url: str) -> None:
    engine = get_engine(db_url, migrate=True)
    try:
        names = {ix["name"] for ix in inspect(engine).get_indexes("articles")}
        assert {"ix_articles_published_dup_site", "ix_articles_site_published_dup"} <= names
        assert "ix_articles_site_published" not in names  # the prefix of the stats index, dropped
        cfg = alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
        names = {ix["name"] for ix in inspect(engine).get_indexes("articles")}
        assert "ix_articles_site_published" in names
        assert not names & {"ix_articles_published_dup_site", "ix_articles_site_published_dup"}
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, head_revision())
        assert schema_problems(engine) == []
    finally:
        engine.dispose()
