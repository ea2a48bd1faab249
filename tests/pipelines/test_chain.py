"""The whole chain (normalize -> validate -> dedup -> store) on fixture items, run twice, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ingest.db.engine import get_engine, session_scope
from ingest.db.models import Article, ArticleVersion, UrlAlias
from tests.db.articles import BODY_COFFEE, BODY_DEFENCE, BODY_FLOOD, FETCHED, article, lightly_edited
from tests.pipelines.chain import make_crawler, run_chain


def crawl_items(fetched=FETCHED):  # type: ignore[no-untyped-def]
    """What a crawl of three sites yields: originals, a syndicated copy, an exact copy, a second URL, junk."""
    return [
        article("https://kontumtv.vn/a/1.html", fetched_at=fetched),
        article("https://kontumtv.vn/a/2.html", title="Cà phê được mùa", body=BODY_COFFEE, fetched_at=fetched),
        article(
            "https://baogialai.vn/c/5",
            site="baogialai",
            body=lightly_edited(BODY_DEFENCE),
            published_raw="09/07/2025 08:00",
            fetched_at=fetched,
        ),
        article(
            "https://baokontum.vn/b/9",
            site="baokontum",
            title="Cà phê được mùa",
            body=BODY_COFFEE.replace("Sáng 9/7", "(BKT) - Sáng 9/7"),
            fetched_at=fetched,
        ),
        article(
            "https://kontumtv.vn/a/2.html?utm_source=zalo",
            canonical_url="https://kontumtv.vn/a/2.html",
            title="Cà phê được mùa",
            body=BODY_COFFEE,
            fetched_at=fetched,
        ),
        article("https://kontumtv.vn/a/3.html", title="Mưa lũ", body=BODY_FLOOD, fetched_at=fetched),
        article("https://kontumtv.vn/chuyen-muc/thoi-su", title="Thời sự", body="Tin mới", fetched_at=fetched),
    ]


def table(db_url: str) -> dict[str, object]:
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        ids = {a.id: a.canonical_url for a in session.scalars(select(Article))}
        out = {
            "articles": {a.canonical_url: ids.get(a.duplicate_of) for a in session.scalars(select(Article))},
            "aliases": {u.url: ids[u.article_id] for u in session.scalars(select(UrlAlias))},
            "versions": session.scalar(select(func.count()).select_from(ArticleVersion)),
        }
    engine.dispose()
    return out


EXPECTED = {
    "articles": {
        "https://kontumtv.vn/a/1.html": None,
        "https://kontumtv.vn/a/2.html": None,
        "https://baogialai.vn/c/5": "https://kontumtv.vn/a/1.html",  # the syndicated copy
        "https://kontumtv.vn/a/3.html": None,
    },
    "aliases": {
        "https://baokontum.vn/b/9": "https://kontumtv.vn/a/2.html",  # exact copy on another site
        "https://kontumtv.vn/a/2.html?utm_source=zalo": "https://kontumtv.vn/a/2.html",
    },
    "versions": 0,
}


def test_chain_twice_keeps_one_row_per_article(db_url: str) -> None:
    crawler = make_crawler(db_url)
    passed, dropped = run_chain(crawler, crawl_items())
    assert [d.split(":")[0] for d in dropped] == ["short_body"]
    assert len(passed) == 6
    assert table(db_url) == EXPECTED
    stats = crawler.stats.get_stats()
    assert stats["ingest/stored"] == 3
    assert stats["ingest/duplicate_near"] == 1
    assert stats["ingest/duplicate_exact"] == 1
    assert stats["ingest/unchanged"] == 1  # the second URL of a stored article

    second = make_crawler(db_url)
    run_chain(second, crawl_items(FETCHED + timedelta(days=1)))
    assert table(db_url) == EXPECTED
    assert second.stats.get_value("ingest/stored") is None
    assert second.stats.get_value("ingest/unchanged") == 6
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        first = session.scalars(select(Article).where(Article.canonical_url == "https://kontumtv.vn/a/1.html")).one()
        assert first.first_seen_at == FETCHED
        assert first.last_seen_at == FETCHED + timedelta(days=1)
    engine.dispose()


def test_chain_updates_a_changed_article_and_keeps_its_history(db_url: str) -> None:
    run_chain(make_crawler(db_url), crawl_items())
    edited = article(
        "https://kontumtv.vn/a/3.html",
        title="Mưa lũ: nước đã rút",
        body=BODY_FLOOD,
        fetched_at=FETCHED + timedelta(hours=6),
    )
    crawler = make_crawler(db_url)
    run_chain(crawler, [edited])
    assert crawler.stats.get_value("ingest/updated") == 1
    after = table(db_url)
    assert after["articles"] == EXPECTED["articles"]
    assert after["versions"] == 1
