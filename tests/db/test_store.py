"""ingest.db: schema, the three dedup layers of the store, search and the spiders' read API (SQLite + PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import Engine, func, inspect, select, text

from ingest.cli import main
from ingest.db.engine import alembic_config, current_revision, get_engine, head_revision, schema_problems, session_scope
from ingest.db.known import KnownArticles
from ingest.db.models import (
    Article,
    ArticleAuthor,
    ArticleVersion,
    Author,
    CrawlRun,
    FingerprintBand,
    Organisation,
    Site,
    UrlAlias,
    UTCDateTime,
)
from ingest.db.near import NEAR_CANDIDATES, near_params
from ingest.db.search import search_condition
from ingest.db.store import decompress_html, store_batch, write_batch
from tests.db.articles import BODY_COFFEE, BODY_DEFENCE, BODY_FLOOD, VN, lightly_edited

T0 = datetime(2025, 7, 10, 9, 30, tzinfo=VN)


def record(url: str, **fields: Any) -> dict[str, Any]:
    """A normalised record as the dedup stage hands it to the store."""
    base: dict[str, Any] = {
        "url": url,
        "canonical_url": url,
        "site": "kontumtv",
        "title": "Tổng kết công tác quốc phòng",
        "lead": "Hội nghị sáu tháng đầu năm.",
        "body": BODY_DEFENCE,
        "published": datetime(2025, 7, 8, 16, 45, tzinfo=VN),
        "published_raw": "08/07/2025 16:45",
        "published_precision": "minute",
        "authors": ["Hoài Nam", "Thu Trang"],
        "author_roles": {"Hoài Nam": ["writer"], "Thu Trang": ["photographer"]},
        "organizations": ["TTXVN"],
        "source": "TTXVN",
        "fetched_at": T0,
        "html": "<html><body>Quốc phòng</body></html>".encode(),
    }
    base.update(fields)
    return base


@pytest.fixture
def engine(db_url: str) -> Engine:
    eng = get_engine(db_url, migrate=True)
    yield eng
    eng.dispose()


def write(engine: Engine, *records: dict[str, Any], now: datetime = T0) -> list[str]:
    with session_scope(engine) as session:
        return list(write_batch(session, records, now=now))


def count(engine: Engine, model: type[Any]) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_new_sqlite_file_is_migrated_with_wal_busy_timeout_and_foreign_keys(tmp_path: Any) -> None:
    eng = get_engine(f"sqlite:///{tmp_path / 'sub' / 'new.db'}")
    assert current_revision(eng) == head_revision()
    assert schema_problems(eng) == []
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    eng.dispose()


def test_db_upgrade_and_check_commands(db_url: str) -> None:
    runner = CliRunner()
    before = runner.invoke(main, ["db", "check", "--db", db_url])
    assert before.exit_code == 1
    assert "ingest db upgrade" in before.output
    up = runner.invoke(main, ["db", "upgrade", "--db", db_url])
    assert up.exit_code == 0, up.output
    assert f"to {head_revision()}" in up.output
    again = runner.invoke(main, ["db", "upgrade", "--db", db_url])
    assert "already at schema" in again.output
    after = runner.invoke(main, ["db", "check", "--db", db_url])
    assert after.exit_code == 0, after.output


def test_db_check_reports_a_bad_url_clearly() -> None:
    result = CliRunner().invoke(main, ["db", "check", "--db", "nonsense://x"])
    assert result.exit_code == 1
    assert "cannot check" in result.output


def test_store_new_article_with_people_times_and_html(engine: Engine) -> None:
    assert write(engine, record("https://kontumtv.vn/a/1.html")) == ["stored"]
    with session_scope(engine) as session:
        art = session.scalars(select(Article)).one()
        assert art.published_at == datetime(2025, 7, 8, 9, 45, tzinfo=UTC)  # stored as UTC, read back aware
        assert art.first_seen_at == art.last_seen_at == T0
        assert art.source is not None
        assert art.source.name == "TTXVN"
        assert decompress_html(art.html_zlib) == "<html><body>Quốc phòng</body></html>".encode()
        assert art.search_text.startswith("tong ket cong tac quoc phong")
        people = session.execute(
            select(Author.name, ArticleAuthor.role).join(ArticleAuthor).order_by(ArticleAuthor.position)
        ).all()
        assert [tuple(p) for p in people] == [("Hoài Nam", "writer"), ("Thu Trang", "photographer")]
        assert session.scalars(select(Organisation.name)).all() == ["TTXVN"]
        assert session.scalars(select(Site.name)).all() == ["kontumtv"]
        assert session.scalar(select(func.count()).select_from(FingerprintBand)) > 0


def test_one_author_row_whatever_the_tone_mark_placement(engine: Engine) -> None:
    old_style = record("https://kontumtv.vn/a/1.html", authors=["Thuỷ Hoà"], author_roles={})
    new_style = record("https://kontumtv.vn/a/2.html", body=BODY_COFFEE, authors=["Thủy Hòa"], author_roles={})
    assert write(engine, old_style, new_style) == ["stored", "stored"]
    with session_scope(engine) as session:
        assert session.scalars(select(Author.name)).all() == ["Thủy Hòa"]
        assert session.scalar(select(func.count()).select_from(ArticleAuthor)) == 2


def test_same_article_again_is_left_alone_but_seen(engine: Engine) -> None:
    write(engine, record("https://kontumtv.vn/a/1.html"))
    later = T0 + timedelta(days=1)
    assert write(engine, record("https://kontumtv.vn/a/1.html", fetched_at=later), now=later) == ["unchanged"]
    with session_scope(engine) as session:
        art = session.scalars(select(Article)).one()
        assert (art.first_seen_at, art.last_seen_at) == (T0, later)
    assert count(engine, ArticleVersion) == 0
    assert count(engine, ArticleAuthor) == 2  # not written twice


def test_changed_article_is_updated_in_place_with_a_version(engine: Engine) -> None:
    write(engine, record("https://kontumtv.vn/a/1.html"))
    later = T0 + timedelta(hours=5)
    new = record("https://kontumtv.vn/a/1.html", title="Tổng kết quốc phòng (cập nhật)", fetched_at=later)
    new["authors"], new["author_roles"] = ["Hoài Nam"], {}
    assert write(engine, new, now=later) == ["updated"]
    with session_scope(engine) as session:
        art = session.scalars(select(Article)).one()
        assert art.title == "Tổng kết quốc phòng (cập nhật)"
        assert (art.first_seen_at, art.last_seen_at) == (T0, later)
        version = session.scalars(select(ArticleVersion)).one()
        assert version.article_id == art.id
        assert version.title == "Tổng kết công tác quốc phòng"
        assert version.replaced_at == later
        roles = session.execute(select(Author.name, ArticleAuthor.role).join(ArticleAuthor)).all()
        assert [tuple(r) for r in roles] == [("Hoài Nam", "author")]
    assert count(engine, Article) == 1


def test_exact_duplicate_on_another_site_becomes_an_alias(engine: Engine) -> None:
    first = record("https://kontumtv.vn/a/1.html")
    copy = record("https://baokontum.vn/b/9", site="baokontum", body=BODY_DEFENCE.replace("(KT)- ", "(BKT) - "))
    assert write(engine, first, copy) == ["stored", "duplicate_exact"]
    assert count(engine, Article) == 1
    with session_scope(engine) as session:
        alias = session.scalars(select(UrlAlias)).one()
        assert (alias.url, alias.reason, alias.site) == ("https://baokontum.vn/b/9", "duplicate_exact", "baokontum")
        assert alias.article_id == session.scalars(select(Article.id)).one()
    # Seen again in a later run: still one row, no second alias.
    assert write(engine, copy) == ["unchanged"]
    assert count(engine, UrlAlias) == 1


def test_fetched_url_that_is_not_canonical_is_an_alias(engine: Engine) -> None:
    rec = record("https://m.kontumtv.vn/a/1.html?utm_source=fb", canonical_url="https://kontumtv.vn/a/1.html")
    assert write(engine, rec) == ["stored"]
    with session_scope(engine) as session:
        assert session.scalars(select(UrlAlias.url)).all() == ["https://m.kontumtv.vn/a/1.html?utm_source=fb"]


@pytest.mark.parametrize("order", ["tracked_first", "clean_first"])
def test_stored_url_is_the_cleanest_variant_whatever_the_order(engine: Engine, order: str) -> None:
    canon = "https://kontumtv.vn/a/1.html"
    tracked = record("https://kontumtv.vn/a/1.html/?utm_source=rss", canonical_url=canon)
    clean = record("https://kontumtv.vn/a/1.html/", canonical_url=canon)
    first, second = (tracked, clean) if order == "tracked_first" else (clean, tracked)
    assert write(engine, first) == ["stored"]
    assert write(engine, second) == ["unchanged"]
    with session_scope(engine) as session:
        assert session.scalars(select(Article.url)).all() == ["https://kontumtv.vn/a/1.html/"]
        assert sorted(session.scalars(select(UrlAlias.url)).all()) == [
            "https://kontumtv.vn/a/1.html/",
            "https://kontumtv.vn/a/1.html/?utm_source=rss",
        ]


def test_near_duplicate_points_to_the_earliest_copy(engine: Engine) -> None:
    original = record("https://kontumtv.vn/a/1.html")
    later_copy = record(
        "https://baogialai.vn/c/2",
        site="baogialai",
        body=lightly_edited(BODY_DEFENCE),
        published=datetime(2025, 7, 9, 8, 0, tzinfo=VN),
    )
    third = record("https://baodaklak.vn/d/3", site="baodaklak", body=lightly_edited(BODY_DEFENCE) + "\n\nHết.")
    other = record("https://kontumtv.vn/a/2.html", title="Cà phê được mùa", body=BODY_COFFEE)
    assert write(engine, original, later_copy) == ["stored", "duplicate_near"]
    assert write(engine, third, other) == ["duplicate_near", "stored"]
    with session_scope(engine) as session:
        rows = {r[0]: r[1] for r in session.execute(select(Article.canonical_url, Article.duplicate_of))}
        first_id = session.scalars(select(Article.id).where(Article.canonical_url == original["url"])).one()
    assert rows == {
        original["url"]: None,
        later_copy["url"]: first_id,
        third["url"]: first_id,  # the original, not the copy it is closest to
        other["url"]: None,
    }


def test_near_duplicate_lookup_uses_the_band_index(engine: Engine) -> None:
    write(engine, record("https://kontumtv.vn/a/1.html"))
    # The store's own lookup statement, with a fingerprint's band values filled in.
    params = near_params(0x0123456789ABCDEF)
    sql = str(NEAR_CANDIDATES.params(**params).compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        else:
            conn.execute(text("SET enable_seqscan = off"))  # a tiny table: make the planner show the index it has
            plan = " ".join(str(r[0]) for r in conn.execute(text(f"EXPLAIN {sql}")))
    assert "ix_fingerprint_bands_key" in plan
    assert "SCAN fingerprint_bands" not in plan


def test_search_without_diacritics(engine: Engine) -> None:
    write(
        engine,
        record("https://kontumtv.vn/a/1.html"),
        record("https://kontumtv.vn/a/2.html", title="Cà phê được mùa", body=BODY_COFFEE),
        record("https://kontumtv.vn/a/3.html", title="Mưa lớn gây ngập", body=BODY_FLOOD),
    )
    with session_scope(engine) as session:

        def found(query: str) -> list[str]:
            stmt = select(Article.canonical_url).where(search_condition(session, query)).order_by(Article.id)
            return list(session.scalars(stmt))

        assert found("quoc phong") == ["https://kontumtv.vn/a/1.html"]
        assert found("QUỐC PHÒNG") == ["https://kontumtv.vn/a/1.html"]
        assert found("ca phe") == ["https://kontumtv.vn/a/2.html"]
        assert found("thuy loi") == ["https://kontumtv.vn/a/3.html"]  # "thủy lợi" in the body
        assert found("hop tac xa") == ["https://kontumtv.vn/a/2.html"]
        assert found("tàu ngầm") == []
        assert found('"') == []


def test_search_index_follows_updates(engine: Engine) -> None:
    write(engine, record("https://kontumtv.vn/a/1.html"))
    write(engine, record("https://kontumtv.vn/a/1.html", title="Cà phê", body=BODY_COFFEE))
    with session_scope(engine) as session:
        assert session.scalars(select(Article.id).where(search_condition(session, "quoc phong"))).all() == []
        assert len(session.scalars(select(Article.id).where(search_condition(session, "ca phe"))).all()) == 1


def test_known_articles(db_url: str, engine: Engine) -> None:
    write(
        engine,
        record("https://m.kontumtv.vn/a/1.html", canonical_url="https://kontumtv.vn/a/1.html"),
        record("https://baokontum.vn/b/9", site="baokontum"),  # exact duplicate -> alias
    )
    with session_scope(engine) as session:
        session.add(CrawlRun(spider="kontumtv", started_at=T0, status="finished", stats={}, drops={}))
        session.add(CrawlRun(spider="kontumtv", started_at=T0 + timedelta(days=1), status="failed", stats={}, drops={}))
    known = KnownArticles.open(db_url)
    try:
        assert known.is_stored("https://kontumtv.vn/a/1.html")
        assert known.is_stored("https://www.kontumtv.vn/a/1.html/")  # canonicalised before the lookup
        assert known.is_stored("https://m.kontumtv.vn/a/1.html")
        assert known.is_stored("https://baokontum.vn/b/9")
        assert not known.is_stored("https://kontumtv.vn/a/2.html")
        assert known.needs_fetch("https://kontumtv.vn/a/2.html", recheck_after_hours=0)
        assert not known.needs_fetch("https://kontumtv.vn/a/1.html", recheck_after_hours=0)
        assert known.needs_fetch("https://kontumtv.vn/a/1.html", recheck_after_hours=1)  # seen in 2025
        assert not known.needs_fetch("https://kontumtv.vn/a/1.html", recheck_after_hours=24 * 365 * 100)
        assert known.last_successful_run("kontumtv") == T0
        assert known.last_successful_run("baogialai") is None
    finally:
        known.close()


def test_known_articles_finds_every_stored_articles_url(db_url: str, engine: Engine) -> None:
    # The lookup reads canonical URLs and aliases only (indexed): each ``articles.url`` must be one of them, also
    # after a cleaner variant replaced the URL first fetched.
    canon = "https://kontumtv.vn/a/7.html"
    write(engine, record(canon + "?utm_source=fb&x=1", canonical_url=canon))
    write(engine, record(canon + "?x=1", canonical_url=canon))
    write(
        engine,
        record("https://kontumtv.vn/a/8.html?p=2", canonical_url="https://kontumtv.vn/a/8.html", body=BODY_COFFEE),
    )
    with session_scope(engine) as session:
        urls = session.scalars(select(Article.url)).all()
    assert "https://kontumtv.vn/a/7.html?x=1" in urls
    with KnownArticles.open(db_url) as known:
        assert all(known.is_stored(url) for url in urls)
        assert known.is_stored(canon + "?utm_source=fb&x=1")
        # A variant without the stored URL's query is fetched once (then stored as the URL); the stored one is not.
        assert known.needs_fetch(canon, recheck_after_hours=0)
        assert not known.needs_fetch(canon + "?x=1", recheck_after_hours=0)
        assert not known.needs_fetch(canon + "?utm_source=fb&x=1", recheck_after_hours=0)


def test_known_articles_on_an_empty_database(db_url: str) -> None:
    known = KnownArticles.open(db_url)
    assert not known.is_stored("https://kontumtv.vn/a/1.html")
    assert known.last_successful_run("kontumtv") is None
    known.close()


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(datetime(2025, 1, 1), engine.dialect)
    assert UTCDateTime().process_bind_param(T0, engine.dialect) == datetime(2025, 7, 10, 2, 30)


@pytest.mark.postgres
def test_postgres_search_without_pg_trgm_uses_the_tsvector_index(pg_url: str) -> None:
    eng = get_engine(pg_url, migrate=True)
    with eng.begin() as conn:
        assert conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None
        # What the migration builds on a server without pg_trgm (postgresql-contrib missing).
        conn.execute(text("DROP INDEX ix_articles_search_trgm"))
        conn.execute(
            text("CREATE INDEX ix_articles_search_tsv ON articles USING gin (to_tsvector('simple', search_text))")
        )
    coffee = record("https://kontumtv.vn/a/2.html", title="Cà phê được mùa", body=BODY_COFFEE)
    write(eng, record("https://kontumtv.vn/a/1.html"), coffee)
    with session_scope(eng) as session:
        cond = search_condition(session, "Quốc phòng")
        assert "to_tsvector" in str(cond.compile(dialect=eng.dialect))
        assert session.scalars(select(Article.canonical_url).where(cond)).all() == ["https://kontumtv.vn/a/1.html"]
    eng.dispose()


def test_values_the_schema_cannot_hold_do_not_fail_the_batch(engine: Engine) -> None:
    rec = record(
        "https://kontumtv.vn/a/1.html?" + "x" * 2100,
        canonical_url="https://kontumtv.vn/a/1.html",
        title="Quốc\x00 phòng",
        byline_raw="Tin\x00: A",
        authors=["Hoài Nam", "N" * 400],
        organizations=["T" * 400],
        source="S" * 400,
        language="x" * 50,
        images=[{"url": "https://kontumtv.vn/i.jpg", "caption": "ảnh\x00"}],
    )
    assert write(engine, rec) == ["stored"]
    with session_scope(engine) as session:
        art = session.scalars(select(Article)).one()
        assert (art.title, art.byline_raw, art.language, art.source_id) == ("Quốc phòng", "Tin: A", None, None)
        assert art.images == [{"url": "https://kontumtv.vn/i.jpg", "caption": "ảnh"}]
        assert session.scalars(select(Author.name)).all() == ["Hoài Nam"]
        assert session.scalars(select(Organisation.name)).all() == []
    assert count(engine, UrlAlias) == 0  # the over-long fetched URL is not an alias


def test_an_over_long_canonical_url_is_refused_clearly(engine: Engine) -> None:
    with pytest.raises(ValueError, match="longer than 2000"):
        write(engine, record("https://kontumtv.vn/" + "a" * 2001))


@pytest.mark.postgres
def test_parallel_workers_on_postgres_store_each_article_once(pg_url: str) -> None:
    import threading

    eng = get_engine(pg_url, migrate=True)
    bodies = [BODY_DEFENCE, BODY_COFFEE, BODY_FLOOD]
    records = [
        record(f"https://kontumtv.vn/a/{i}.html", title=f"Bài {i}", body=f"{bodies[i % 3]} Mục {i}.") for i in range(12)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[list[str]] = []
    errors: list[BaseException] = []

    def worker(batch: list[dict[str, Any]]) -> None:
        barrier.wait()
        try:
            outcomes.append(list(store_batch(eng, batch)))
        except BaseException as exc:  # reported below, so a failure names its cause
            errors.append(exc)

    # Same articles, opposite orders: the two transactions wait on each other's unique-index entries.
    threads = [threading.Thread(target=worker, args=(order,)) for order in (records, records[::-1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert count(eng, Article) == 12
    stored = [o for batch in outcomes for o in batch if o in ("stored", "duplicate_near")]
    assert len(stored) == 12  # each article written by exactly one worker
    eng.dispose()


def _backends_waiting_on_a_lock(engine: Engine) -> int:
    """How many sessions of this database wait for a lock (pg_stat_activity), on a connection of their own."""
    with engine.connect() as conn:
        sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        return int(conn.execute(text(sql)).scalar_one())


@pytest.mark.postgres
def test_a_deadlocked_batch_is_written_again(pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    import threading
    import time

    from sqlalchemy.orm import Session

    caplog.set_level(logging.WARNING, logger="ingest.db.store")
    # PostgreSQL checks a waiting backend for a deadlock ONCE, deadlock_timeout after it began to wait; the backend
    # whose check finds the cycle is the victim. The store waits first (below), so its check must come after the
    # other writer closes the cycle (5 s: room for a loaded machine) and before the other's own check (120 s).
    store_engine = get_engine(pg_url, migrate=True, connect_args={"options": "-c deadlock_timeout=5000"})
    other_engine = get_engine(pg_url, connect_args={"options": "-c deadlock_timeout=120000"})
    # Four different articles (no URL, text or fingerprint band in common, so the store's advisory locks never meet:
    # two writers of the same article are serialised by them, see test_store_race.py); the cycle is in the shared
    # rows: A's site is held by the other writer, and B's new author by the store.
    people: dict[str, Any] = {"authors": ["Minh Khôi"], "author_roles": {}, "organizations": [], "source": None}
    a = record("https://kontumtv.vn/a/1.html")
    b = record("https://baogialai.vn/b/2", site="baogialai", title="Cà phê", body=BODY_COFFEE, **people)
    c = record("https://kontumtv.vn/c/3.html", title="Mưa lũ", body=BODY_FLOOD, authors=[], organizations=[])
    d = record("https://kontumtv.vn/d/4.html", title="Quốc phòng toàn dân", **people)
    result: list[list[str]] = []
    with Session(other_engine) as other:
        write_batch(other, [a])  # holds A's rows (its site, people, URL), uncommitted
        worker = threading.Thread(target=lambda: result.append(list(store_batch(store_engine, [b, c]))))
        worker.start()  # writes B (and its new author), then waits for A's site to store C
        # Wait until it really waits (a fixed sleep raced a slow worker: then no cycle, no deadlock, no retry).
        deadline = time.monotonic() + 120  # liveness guard on a loaded machine
        while not _backends_waiting_on_a_lock(other_engine):
            assert worker.is_alive(), result
            assert time.monotonic() < deadline
            time.sleep(0.02)
        write_batch(other, [d])  # waits for B's author: a deadlock; PostgreSQL breaks it by aborting the store's batch
        other.commit()
    worker.join(timeout=300)
    assert result == [["stored", "stored"]]  # the retry wrote the whole batch again once the other writer committed
    assert "retrying (1/3)" in caplog.text
    assert count(store_engine, Article) == 4
    store_engine.dispose()
    other_engine.dispose()


def test_migrations_downgrade_and_upgrade_again(db_url: str) -> None:
    eng = get_engine(db_url, migrate=True)
    cfg = alembic_config(eng)
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert current_revision(eng) is None
    with eng.connect() as conn:
        left = set(inspect(conn).get_table_names()) - {"alembic_version"}
    assert left == set()
    eng.dispose()
    eng = get_engine(db_url, migrate=True)
    assert schema_problems(eng) == []
    write(eng, record("https://kontumtv.vn/a/1.html"))
    with session_scope(eng) as session:
        assert len(session.scalars(select(Article.id).where(search_condition(session, "quoc phong"))).all()) == 1
    eng.dispose()


def test_known_articles_tell_what_earlier_crawls_stored(db_url: str) -> None:
    engine = get_engine(db_url, migrate=True)
    with session_scope(engine) as session:
        write_batch(session, [record("https://kontumtv.vn/a/1.html", fetched_at=T0)], now=T0)
        session.add(
            CrawlRun(spider="kontumtv", started_at=T0 - timedelta(hours=1), finished_at=T0 + timedelta(minutes=5),
                     status="finished")
        )  # fmt: skip
    with KnownArticles(engine) as known:
        assert known.last_finished_at("kontumtv") is not None
        assert known.is_stored("https://kontumtv.vn/a/1.html", before=T0 + timedelta(seconds=1))
        # Stored by the crawl that is running now (first seen after the moment given): not an earlier crawl's.
        assert not known.is_stored("https://kontumtv.vn/a/1.html", before=T0)
        assert known.is_stored("https://kontumtv.vn/a/1.html")
    engine.dispose()


def test_the_inferred_year_flag_is_stored(engine: Engine) -> None:
    write(
        engine,
        record("https://kontumtv.vn/a", published_raw=None, published_precision="day", published_year_inferred=True),
        record("https://kontumtv.vn/b", body=BODY_FLOOD, title="Lũ quét ở Đăk Glei"),
    )
    with session_scope(engine) as session:
        rows = session.execute(select(Article.url, Article.published_year_inferred)).all()
    flags = {row[0]: row[1] for row in rows}
    assert flags == {"https://kontumtv.vn/a": True, "https://kontumtv.vn/b": False}
