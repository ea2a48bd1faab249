"""ingest.db.near: band rows and the banded near-duplicate lookup, on SQLite and PostgreSQL; migrations 0003, 0005."""

from __future__ import annotations

import importlib.util
import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from sqlalchemy import Engine, func, insert, inspect, select, text

from ingest.db.engine import alembic_config, get_engine, schema_problems, session_scope, upgrade
from ingest.db.models import Article, FingerprintBand
from ingest.db.near import (
    NEAR_CANDIDATES,
    band_rows,
    delete_bands,
    find_near_duplicate,
    find_near_duplicates,
    near_matches,
    near_params,
)
from ingest.dedup import BANDS, BLOCK_WIDTHS, NEAR_DISTANCE, band_keys, fingerprint, to_signed, to_unsigned
from tests.db.articles import BODY_COFFEE, BODY_DEFENCE, BODY_FLOOD

STAMP = datetime(2026, 1, 1, tzinfo=UTC)
_URLS = itertools.count()
_STARTS = [sum(BLOCK_WIDTHS[:i]) for i in range(len(BLOCK_WIDTHS))]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = get_engine(db_url, migrate=True)
    yield eng
    eng.dispose()


def _store(engine: Engine, fps: list[int], *, published: list[datetime | None] | None = None) -> list[int]:
    """Articles with these unsigned fingerprints and their band rows; their ids in order."""
    ids = []
    with session_scope(engine) as session:
        for i, fp in enumerate(fps):
            n = next(_URLS)
            art = Article(
                url=f"https://s.example.vn/{n}",
                canonical_url=f"https://s.example.vn/{n}",
                content_hash=f"{n:064x}",
                fingerprint=to_signed(fp),
                published_at=published[i] if published else None,
                first_seen_at=STAMP,
                last_seen_at=STAMP,
            )
            session.add(art)
            session.flush()
            session.execute(insert(FingerprintBand), band_rows(art.id, fp))
            ids.append(art.id)
    return ids


def _flip(fp: int, bits: list[int]) -> int:
    for bit in bits:
        fp ^= 1 << bit
    return fp


def test_band_rows_carry_every_key_and_the_signed_fingerprint() -> None:
    fp = 2**64 - 3
    rows = band_rows(7, fp)
    assert [r["band_key"] for r in rows] == band_keys(fp)
    assert len(rows) == BANDS
    assert {r["article_id"] for r in rows} == {7}
    assert {to_unsigned(r["fingerprint"]) for r in rows} == {fp}
    assert all(r["fingerprint"] < 0 for r in rows)  # fits a signed BIGINT


def test_lookup_finds_every_fingerprint_within_the_distance(engine: Engine) -> None:
    rnd = random.Random(21)
    stored = [rnd.getrandbits(64) for _ in range(60)]
    ids = _store(engine, stored)
    with session_scope(engine) as session:
        for art_id, fp in zip(ids, stored, strict=True):
            assert find_near_duplicate(session, fp) == art_id
            for distance in range(1, NEAR_DISTANCE + 1):
                probe = _flip(fp, rnd.sample(range(64), distance))
                assert near_matches(session, probe) == {art_id}
            # The worst case: the flipped bits in as many blocks as possible.
            assert find_near_duplicate(session, _flip(fp, _STARTS[:NEAR_DISTANCE])) == art_id
            # One bit further is not a near duplicate, whichever blocks the bits are in.
            assert find_near_duplicate(session, _flip(fp, _STARTS[: NEAR_DISTANCE + 1])) is None
            assert find_near_duplicate(session, _flip(fp, list(range(NEAR_DISTANCE + 1)))) is None
            assert find_near_duplicate(session, fp, exclude=art_id) is None


def test_lookup_returns_the_earliest_original(engine: Engine) -> None:
    fp = 0x0F0F_1234_5678_9ABC
    later, earlier, undated = _store(
        engine,
        [fp, _flip(fp, [3]), _flip(fp, [40])],
        published=[datetime(2025, 5, 2, tzinfo=UTC), datetime(2025, 5, 1, tzinfo=UTC), None],
    )
    copy_fp = _flip(fp, [60, 61, 62])  # near only the copy below, which points at `later`
    (copy,) = _store(engine, [copy_fp])
    with session_scope(engine) as session:
        session.execute(Article.__table__.update().where(Article.id == copy).values(duplicate_of=later))
        assert find_near_duplicate(session, fp) == earlier
        assert find_near_duplicate(session, fp, exclude=earlier) == later
        # A match that is itself a copy stands for its original.
        assert find_near_duplicate(session, _flip(copy_fp, [0])) == later
        # Undated originals only: the first stored.
        session.execute(Article.__table__.update().values(published_at=None))
        assert find_near_duplicate(session, fp) == later
        assert undated > later


def test_batch_lookup_answers_like_one_at_a_time(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(9)
    stored = [rnd.getrandbits(64) for _ in range(40)]
    days = [datetime(2025, 1, 1 + n % 28, tzinfo=UTC) if n % 3 else None for n in range(len(stored))]
    ids = _store(engine, stored, published=days)
    # Near pairs among the stored ones, so some probes match two articles and the earliest must win.
    _store(engine, [_flip(fp, [n % 64]) for n, fp in enumerate(stored[:10])], published=days[10:20])
    probes = [_flip(fp, rnd.sample(range(64), rnd.randint(0, NEAR_DISTANCE + 2))) for fp in stored]
    probes += [rnd.getrandbits(64) for _ in range(10)] + [stored[0], stored[0]]
    monkeypatch.setattr("ingest.db.near.BATCH", 7)  # several statements per call
    with session_scope(engine) as session:
        session.execute(Article.__table__.update().where(Article.id == ids[5]).values(duplicate_of=ids[6]))
        expected = [find_near_duplicate(session, fp) for fp in probes]
        assert find_near_duplicates(session, probes) == expected
        assert find_near_duplicates(session, []) == []
    assert sum(e is not None for e in expected) >= len(stored) // 2
    assert any(e is None for e in expected)


def test_delete_bands_and_cascade(engine: Engine) -> None:
    rnd = random.Random(5)
    fps = [rnd.getrandbits(64) for _ in range(3)]
    a, b, c = _store(engine, fps)
    with session_scope(engine) as session:
        delete_bands(session, [a])
        delete_bands(session, [])
        assert find_near_duplicate(session, fps[0]) is None
        assert find_near_duplicate(session, fps[1]) == b
        session.execute(Article.__table__.delete().where(Article.id == b))
        counts = dict(
            session.execute(select(FingerprintBand.article_id, func.count()).group_by(FingerprintBand.article_id)).all()
        )
    assert counts == {c: BANDS}


def test_lookup_reads_only_the_band_index(engine: Engine) -> None:
    _store(engine, [0x0123456789ABCDEF])
    sql = str(
        NEAR_CANDIDATES.params(**near_params(0x0123456789ABCDEF)).compile(
            engine, compile_kwargs={"literal_binds": True}
        )
    )
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "COVERING INDEX ix_fingerprint_bands_key" in plan
        else:
            conn.execute(text("SET enable_seqscan = off"))  # a tiny table: make the planner show the index it has
            plan = " ".join(str(r[0]) for r in conn.execute(text(f"EXPLAIN {sql}")))
            assert "ix_fingerprint_bands_key" in plan
    assert "SCAN fingerprint_bands" not in plan
    assert "articles" not in plan


def _migration_0003() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "ingest/db/migrations/versions/0003_band_keys.py"
    spec = importlib.util.spec_from_file_location("_migration_0003_test", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _old_band_rows(fp: int) -> set[tuple[int, int]]:
    """Revision 0002's (band, value) rows, cut here independently: 8-bit blocks, every pair of blocks one band."""
    blocks = [(fp >> (8 * i)) & 0xFF for i in range(8)]
    pairs = [(i, j) for i in range(8) for j in range(i + 1, 8)]
    return {(k, blocks[i] << 8 | blocks[j]) for k, (i, j) in enumerate(pairs)}


def test_migration_0003_recomputes_fingerprints_and_bands_both_ways(db_url: str) -> None:
    old = _migration_0003()
    eng = get_engine(db_url, migrate=False)
    upgrade(eng, "0002")
    texts = {
        1: ("Quốc phòng", BODY_DEFENCE),
        2: ("Cà phê", BODY_COFFEE),
        3: ("Mưa lũ", BODY_FLOOD),
        4: ("Tin", "Ngắn."),
    }
    stamp = datetime(2026, 1, 1)  # the columns hold naive UTC
    with eng.begin() as conn:
        for art_id, (title, body) in texts.items():
            fp = old.simhash_0002(title, body)
            conn.execute(
                text(
                    "INSERT INTO articles (id, url, canonical_url, title, body, content_hash, fingerprint, "
                    "search_text, category, tags, images, first_seen_at, last_seen_at) "
                    "VALUES (:id, :u, :c, :t, :b, :h, :fp, '', '[]', '[]', '[]', :s, :f)"
                ),
                {"id": art_id, "u": f"https://s.example.vn/{art_id}", "c": f"https://s.example.vn/c/{art_id}",
                 "t": title, "b": body, "h": f"{art_id:064x}", "fp": None if fp is None else to_signed(fp), "s": stamp,
                 "f": stamp},
            )  # fmt: skip
            if fp is not None:
                conn.execute(
                    text("INSERT INTO fingerprint_bands (article_id, band, value) VALUES (:a, :b, :v)"),
                    [{"a": art_id, "b": b, "v": v} for b, v in _old_band_rows(fp)],
                )

    upgrade(eng)
    assert schema_problems(eng) == []
    with eng.connect() as conn:
        fps = dict(conn.execute(text("SELECT id, fingerprint FROM articles")).all())
        bands = set(conn.execute(text("SELECT article_id, band_key, fingerprint FROM fingerprint_bands")).all())
    expected = {art_id: fingerprint(*texts[art_id]) for art_id in texts}
    assert expected[4] is None
    assert {k: None if v is None else to_unsigned(v) for k, v in fps.items()} == expected
    assert bands == {
        (art_id, row["band_key"], row["fingerprint"])
        for art_id, fp in expected.items()
        if fp is not None
        for row in band_rows(art_id, fp)
    }
    with session_scope(eng) as session:
        assert find_near_duplicate(session, expected[2] or 0) == 2

    cfg = alembic_config(eng)
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    with eng.connect() as conn:
        fps = dict(conn.execute(text("SELECT id, fingerprint FROM articles")).all())
        old_bands = conn.execute(text("SELECT article_id, band, value FROM fingerprint_bands")).all()
    simhashes = {art_id: old.simhash_0002(*texts[art_id]) for art_id in texts}
    assert {k: None if v is None else to_unsigned(v) for k, v in fps.items()} == simhashes
    assert {(a, b, v) for a, b, v in old_bands} == {
        (art_id, b, v) for art_id, fp in simhashes.items() if fp is not None for b, v in _old_band_rows(fp)
    }
    upgrade(eng)
    assert schema_problems(eng) == []
    eng.dispose()


_BANDS_SQL = "SELECT article_id, band_key, fingerprint FROM fingerprint_bands"


def _band_foreign_keys(engine: Engine) -> list[list[str]]:
    with engine.connect() as conn:
        return [fk["referred_columns"] for fk in inspect(conn).get_foreign_keys("fingerprint_bands")]


def test_migration_0005_drops_the_band_foreign_key_keeps_rows_and_cascade_both_ways(db_url: str) -> None:
    eng = get_engine(db_url, migrate=False)
    upgrade(eng, "0004")
    rnd = random.Random(7)
    fps = [rnd.getrandbits(64) for _ in range(3)]
    ids = _store(eng, fps)
    with eng.connect() as conn:
        before = set(conn.execute(text(_BANDS_SQL)).all())
    assert len(before) == 3 * BANDS
    assert _band_foreign_keys(eng) == [["id"]]

    upgrade(eng)
    assert schema_problems(eng) == []
    assert _band_foreign_keys(eng) == []
    with eng.connect() as conn:
        assert set(conn.execute(text(_BANDS_SQL)).all()) == before
    with session_scope(eng) as session:
        assert find_near_duplicate(session, fps[1]) == ids[1]
        session.execute(Article.__table__.delete().where(Article.id == ids[1]))  # the trigger's cascade
    with session_scope(eng) as session:
        assert find_near_duplicate(session, fps[1]) is None
        left = dict(
            session.execute(select(FingerprintBand.article_id, func.count()).group_by(FingerprintBand.article_id)).all()
        )
    assert left == {ids[0]: BANDS, ids[2]: BANDS}

    cfg = alembic_config(eng)
    with eng.begin() as conn:
        conn.execute(insert(FingerprintBand), band_rows(10_000, fps[1]))  # an orphan: the key cannot come back over it
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    assert _band_foreign_keys(eng) == [["id"]]
    with eng.connect() as conn:
        after = set(conn.execute(text(_BANDS_SQL)).all())
    assert after == {row for row in before if row[0] != ids[1]}
    upgrade(eng)
    assert schema_problems(eng) == []
    assert _band_foreign_keys(eng) == []
    eng.dispose()
