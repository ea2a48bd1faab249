"""The set-based ``write_batch`` and the bulk ``store_many``: the same decisions as ``write_article`` record by record.

``write_article`` (one record, its own lookups) is the reference: every mix of layers (new, in-batch and stored
exact and near twins, re-seen URLs, aliases, a content change in the middle of a batch) must give the same
outcomes and the same rows through the batched path, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session

from ingest.db.engine import get_engine, session_scope
from ingest.db.models import (
    Article,
    ArticleAuthor,
    ArticleOrganisation,
    ArticleVersion,
    Author,
    FingerprintBand,
    Organisation,
    Site,
    Source,
    UrlAlias,
)
from ingest.db.store import BULK_SQLITE_CACHE_KIB, store_batch, store_many, write_article, write_batch
from tests.db.articles import BODY_COFFEE, BODY_DEFENCE, BODY_FLOOD, VN, lightly_edited
from tests.db.test_store import T0, record


def _scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A first batch, and a second one that meets it and itself through every dedup layer."""
    later = T0 + timedelta(hours=3)
    first = [
        record("https://kontumtv.vn/a/1.html"),
        record("https://kontumtv.vn/a/2.html", title="Cà phê được mùa", body=BODY_COFFEE, authors=["Thuỷ Hoà"]),
        record(
            "https://kontumtv.vn/a/5.html?utm_source=fb",
            canonical_url="https://kontumtv.vn/a/5.html",
            title="Quốc phòng địa phương",
            body=BODY_DEFENCE + " Phụ lục.",
        ),
    ]
    second = [
        # A new article, then its exact copy on another site and its lightly edited copy, both in the same batch.
        record("https://kontumtv.vn/a/3.html", title="Mưa lớn gây ngập", body=BODY_FLOOD, source="Báo Kon Tum"),
        record("https://baogialai.vn/b/3", site="baogialai", title="Mưa lớn gây ngập", body=BODY_FLOOD),
        record(
            "https://baodaklak.vn/d/3",
            site="baodaklak",
            title="Mưa lớn gây ngập",
            body=lightly_edited(BODY_FLOOD),
            published=datetime(2025, 7, 6, 8, 0, tzinfo=VN),  # published earlier: the earliest original later on
            authors=["Thủy Hòa", "Hoài Nam"],
        ),
        # A stored article's near copy, and its exact copy seen under a tracking URL.
        record("https://baogialai.vn/b/1", site="baogialai", body=lightly_edited(BODY_DEFENCE)),
        record("https://baodaklak.vn/d/1?utm_source=rss", site="baodaklak", canonical_url="https://baodaklak.vn/d/1"),
        # A stored article seen again (later), and one under a cleaner fetched URL (it becomes the stored URL).
        record("https://kontumtv.vn/a/1.html", fetched_at=later),
        record("https://kontumtv.vn/a/5.html", title="Quốc phòng địa phương", body=BODY_DEFENCE + " Phụ lục."),
        # The same for an article inserted by this batch: first under a tracking URL, then a clean one.
        record("https://kontumtv.vn/a/6.html?ref=home", canonical_url="https://kontumtv.vn/a/6.html", body=BODY_COFFEE),
        record("https://kontumtv.vn/a/6.html", body=BODY_COFFEE, fetched_at=later),
        # A stored article whose content changed, then a near copy of the new content in the same batch.
        record(
            "https://kontumtv.vn/a/2.html", title="Cà phê mất mùa", body=BODY_FLOOD + " Cập nhật.", fetched_at=later
        ),
        record("https://baogialai.vn/b/9", site="baogialai", title="Cà phê mất mùa", body=BODY_FLOOD + " Cập nhật."),
        # A third copy of the flood story: near both, pointed at the earliest published one.
        record("https://kontumtv.vn/a/4.html", title="Mưa lớn", body=lightly_edited(BODY_FLOOD) + "\n\nHết."),
        # An URL this batch made an alias of, seen again.
        record("https://baogialai.vn/b/3", site="baogialai", title="Mưa lớn gây ngập", body=BODY_FLOOD),
        # The canonical URL of an article inserted earlier in this batch, with the same content.
        record("https://kontumtv.vn/a/3.html", title="Mưa lớn gây ngập", body=BODY_FLOOD, fetched_at=later),
    ]
    return first, second


def _state(engine: Engine) -> dict[str, Any]:
    """Everything the store wrote, with ids replaced by canonical URLs (two databases give different ids)."""
    with Session(engine) as session:
        canon: dict[int, str] = {i: c for i, c in session.execute(select(Article.id, Article.canonical_url))}  # noqa: C416
        articles = sorted(
            (a.canonical_url, a.url, a.content_hash, a.fingerprint, canon.get(a.duplicate_of or 0), a.title,
             a.first_seen_at, a.last_seen_at, a.search_text, a.source.name if a.source else None, a.site)
            for a in session.scalars(select(Article))
        )  # fmt: skip
        return {
            "articles": articles,
            "aliases": sorted(
                (u.url, canon[u.article_id], u.site, u.reason, u.created_at) for u in session.scalars(select(UrlAlias))
            ),
            "versions": sorted(
                (canon[v.article_id], v.title, v.replaced_at) for v in session.scalars(select(ArticleVersion))
            ),
            "authors": sorted(
                (canon[aa.article_id], aa.author.name, aa.role, aa.position)
                for aa in session.scalars(select(ArticleAuthor))
            ),
            "orgs": sorted(
                (canon[o.article_id], name)
                for o, name in session.execute(select(ArticleOrganisation, Organisation.name).join(Organisation))
            ),
            "bands": sorted(
                (canon[b.article_id], b.band_key, b.fingerprint) for b in session.scalars(select(FingerprintBand))
            ),
            "names": [sorted(session.scalars(select(m.name))) for m in (Site, Source, Author, Organisation)],
        }


_reference_db = itertools.count()


@pytest.fixture
def two_engines(db_url: str, request: pytest.FixtureRequest) -> Any:
    if db_url.startswith("sqlite"):
        other = db_url.replace("news.db", "reference.db")
    else:
        other = request.getfixturevalue("pg_server").create_database(f"reference{next(_reference_db)}")
    engines = (get_engine(db_url, migrate=True), get_engine(other, migrate=True))
    yield engines
    for eng in engines:
        eng.dispose()


def test_batched_decisions_equal_record_by_record_ones(two_engines: tuple[Engine, Engine]) -> None:
    batched, reference = two_engines
    expected: list[str] = []
    got: list[str] = []
    for n, batch in enumerate(_scenario()):
        now = T0 + timedelta(days=n)
        with session_scope(reference) as session:
            expected += [write_article(session, rec, run_id=None, now=now) for rec in batch]
        with session_scope(batched) as session:
            got += write_batch(session, batch, now=now)
    assert got == expected
    # Every layer took part (so the comparison covers them all).
    assert set(got) == {"stored", "updated", "unchanged", "duplicate_exact", "duplicate_near"}
    assert _state(batched) == _state(reference)


def test_store_many_gives_the_outcomes_of_store_batch_on_the_same_batches(two_engines: tuple[Engine, Engine]) -> None:
    bulk, reference = two_engines
    records = [rec for batch in _scenario() for rec in batch]
    expected = [o for i in range(0, len(records), 4) for o in store_batch(reference, records[i : i + 4])]
    assert store_many(bulk, iter(records), batch_size=4) == expected
    state, ref = _state(bulk), _state(reference)
    # Same rows; only the wall-clock stamps (now) differ between the two runs.
    assert [a[:6] for a in state["articles"]] == [a[:6] for a in ref["articles"]]
    assert [a[:4] for a in state["aliases"]] == [a[:4] for a in ref["aliases"]]
    assert state["authors"] == ref["authors"]
    assert state["bands"] == ref["bands"]


def test_store_many_refuses_an_empty_batch_size(two_engines: tuple[Engine, Engine]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        store_many(two_engines[0], [record("https://kontumtv.vn/a/1.html")], batch_size=0)


def test_store_many_gives_back_the_connection_with_its_own_sqlite_cache(tmp_path: Any) -> None:
    eng = get_engine(f"sqlite:///{tmp_path / 'bulk.db'}", pool_size=1)
    try:
        with eng.connect() as conn:
            before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
        assert before != -BULK_SQLITE_CACHE_KIB
        assert store_many(eng, [record("https://kontumtv.vn/a/1.html")]) == ["stored"]
        with eng.connect() as conn:  # the pool's one connection, the one the load used
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == before
    finally:
        eng.dispose()


def test_the_normalize_stage_search_key_is_stored_as_given(db_url: str) -> None:
    eng = get_engine(db_url, migrate=True)
    try:
        given = record("https://kontumtv.vn/a/1.html", search_text="khoa tim kiem co san")
        computed = record("https://kontumtv.vn/a/2.html", title="Cà phê", body=BODY_COFFEE)
        assert store_batch(eng, [given, computed]) == ["stored", "stored"]
        with Session(eng) as session:
            keys = {c: k for c, k in session.execute(select(Article.canonical_url, Article.search_text))}  # noqa: C416
        assert keys[given["url"]] == "khoa tim kiem co san"
        assert keys[computed["url"]].startswith("ca phe")
    finally:
        eng.dispose()


def test_an_article_loaded_in_the_callers_session_shows_what_the_batch_wrote(db_url: str) -> None:
    eng = get_engine(db_url, migrate=True)
    try:
        store_batch(eng, [record("https://kontumtv.vn/a/1.html?utm=x", canonical_url="https://kontumtv.vn/a/1.html")])
        later = T0 + timedelta(days=2)
        with Session(eng) as session, session.begin():
            art = session.scalars(select(Article)).one()
            assert art.last_seen_at == T0
            again = record("https://kontumtv.vn/a/1.html", fetched_at=later)
            assert write_batch(session, [again]) == ["unchanged"]
            assert (art.url, art.last_seen_at) == ("https://kontumtv.vn/a/1.html", later)
    finally:
        eng.dispose()


def test_a_batch_reads_the_database_a_fixed_number_of_times(db_url: str) -> None:
    """The decisions of a batch cost a few set-based statements, however many records it holds."""
    eng = get_engine(db_url, migrate=True)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    try:
        bodies = (BODY_DEFENCE, BODY_COFFEE, BODY_FLOOD)
        for size in (6, 30):
            records = [
                record(
                    f"https://kontumtv.vn/{size}/{i}.html", title=f"Bài {i}", body=f"{bodies[i % 3]} Mục {i} {size}."
                )
                for i in range(size)
            ]
            statements.clear()
            event.listen(eng, "before_cursor_execute", count)
            store_batch(eng, records)
            event.remove(eng, "before_cursor_execute", count)
            if size == 6:
                small = len(statements)
        assert len(statements) == small
        with Session(eng) as session:
            assert session.scalar(select(func.count()).select_from(Article)) == 36
            assert session.scalar(text("SELECT count(*) FROM article_authors")) == 72
    finally:
        eng.dispose()


@pytest.mark.postgres
def test_store_many_on_postgres_keeps_each_transactions_advisory_locks_bounded(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk batch's advisory locks share the server's lock table: store_many splits batches that would hold more."""
    from ingest.db.store import write
    from ingest.dedup import band_keys

    monkeypatch.setattr(write, "PG_LOCKS_PER_BATCH", 2 * (len(band_keys(0)) + 3))
    assert write.pg_batch_size() == 2
    eng = get_engine(pg_url, migrate=True)
    commits: list[int] = []
    event.listen(eng, "commit", lambda _conn: commits.append(1))
    try:
        bodies = (BODY_DEFENCE, BODY_COFFEE, BODY_FLOOD)
        records = [
            record(f"https://kontumtv.vn/p/{i}.html", title=f"Bài {i % 3}", body=bodies[i % 3]) for i in range(5)
        ]
        assert store_many(eng, records, batch_size=1000) == ["stored", "stored", "stored"] + ["duplicate_exact"] * 2
        assert len(commits) == 3  # batches of 2, 2 and 1
    finally:
        eng.dispose()


def test_the_storage_bench_records_give_every_layer_work(db_url: str) -> None:
    """What benchmarks/bench_storage.py says its records do: 2% exact copies, 2% near copies, 1% re-fetched URLs."""
    from collections import Counter

    from benchmarks.bench_storage import store_records

    eng = get_engine(db_url, migrate=True)
    try:
        counts = Counter(store_many(eng, store_records(400), batch_size=100))
    finally:
        eng.dispose()
    assert counts == {"stored": 380, "duplicate_exact": 8, "duplicate_near": 8, "unchanged": 4}


def test_malformed_people_and_source_fields_are_left_out_not_a_crash(db_url: str) -> None:
    eng = get_engine(db_url, migrate=True)
    try:
        odd = record(
            "https://kontumtv.vn/a/1.html",
            source=["TTXVN"],
            authors="Hoài Nam",
            author_roles=["writer"],
            organizations=7,
        )
        fine = record("https://kontumtv.vn/a/2.html", title="Cà phê", body=BODY_COFFEE, source="TTXVN")
        assert store_batch(eng, [odd, fine]) == ["stored", "stored"]
        with Session(eng) as session:
            sources = {c: s for c, s in session.execute(select(Article.canonical_url, Article.source_id))}  # noqa: C416
            assert sources[odd["url"]] is None
            assert sources[fine["url"]] is not None
            people = session.execute(select(ArticleAuthor.article_id, Author.name).join(Author)).all()
            assert {name for _a, name in people} == {"Hoài Nam", "Thu Trang"}  # only the well-formed record's
            assert len(people) == 2
    finally:
        eng.dispose()


def test_a_batch_finds_an_original_that_its_near_copy_leads_to_first(db_url: str) -> None:
    """A batch meets a stored original O through one record and O's stored near copy C through another: both
    records name O as their original, whichever of O and C the band index gives first (here C: its band keys sort
    first)."""
    ones = (1 << 64) - 1
    fp_o = ones
    fp_c = ones & ~0b1111  # 4 bits from O: stored as its near copy
    fp_a = fp_c ^ (0b111 << 50)  # 3 bits from C, 7 from O
    fp_b = ones ^ (1 << 60)  # 1 bit from O, 5 from C

    def keyed(n: int, fp: int) -> dict[str, Any]:
        rec = record(f"https://kontumtv.vn/near/{n}.html", title=f"Bài {n}", body=f"{BODY_FLOOD} Mục {n}.")
        return {**rec, "content_hash": f"{n:064x}", "fingerprint": fp}

    eng = get_engine(db_url, migrate=True)
    try:
        assert store_batch(eng, [keyed(1, fp_o)]) == ["stored"]
        assert store_batch(eng, [keyed(2, fp_c)]) == ["duplicate_near"]
        assert store_batch(eng, [keyed(3, fp_a), keyed(4, fp_b)]) == ["duplicate_near", "duplicate_near"]
        with Session(eng) as session:
            rows = dict(session.execute(select(Article.canonical_url, Article.duplicate_of)).all())
            original = session.scalar(select(Article.id).where(Article.canonical_url.endswith("/near/1.html")))
        assert [rows[f"https://kontumtv.vn/near/{n}.html"] for n in (2, 3, 4)] == [original] * 3
    finally:
        eng.dispose()


@pytest.mark.postgres
def test_a_canonical_url_another_writer_stored_after_the_lookup_keeps_its_row(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that takes none of the store's locks commits a canonical URL between a batch's lookup and its
    insert: its row stands, the batch's other rows are written, and the record with other content is
    ``unchanged`` (PostgreSQL: on SQLite the batch holds the write lock, so nobody can)."""
    from ingest.db.store import write

    eng = get_engine(pg_url, migrate=True)
    raced = "https://kontumtv.vn/a/2.html"
    real_snapshot = write.read_snapshot

    def snapshot_then_race(session: Session, records: Any, **kwargs: Any) -> Any:
        snap = real_snapshot(session, records, **kwargs)
        with eng.begin() as other:
            other.execute(
                text(
                    "INSERT INTO articles (url, canonical_url, content_hash, search_text, category, tags, images, "
                    "first_seen_at, last_seen_at) VALUES (:u, :c, :h, '', '[]', '[]', '[]', :t, :f)"
                ),
                {"u": raced, "c": raced, "h": "f" * 64, "t": T0.replace(tzinfo=None), "f": T0.replace(tzinfo=None)},
            )
        return snap

    try:
        monkeypatch.setattr(write, "read_snapshot", snapshot_then_race)
        records = [
            record("https://kontumtv.vn/a/1.html"),
            record(raced, title="Cà phê được mùa", body=BODY_COFFEE),
            record("https://kontumtv.vn/a/3.html", title="Mưa lớn gây ngập", body=BODY_FLOOD),
        ]
        assert store_batch(eng, records) == ["stored", "unchanged", "stored"]
        with Session(eng) as session:
            rows = dict(session.execute(select(Article.canonical_url, Article.content_hash)).all())
            assert rows[raced] == "f" * 64
            assert len(rows) == 3
            banded = set(session.scalars(select(FingerprintBand.article_id).distinct()))
            ids = dict(session.execute(select(Article.canonical_url, Article.id)).all())
        assert banded == {ids["https://kontumtv.vn/a/1.html"], ids["https://kontumtv.vn/a/3.html"]}
    finally:
        eng.dispose()
