"""Accent-insensitive search through ``ingest.query.find_articles`` gives exactly what a plain scan of the folded
text gives, on SQLite (FTS5) and PostgreSQL (pg_trgm), for articles written by the store in batches and one by one.

The oracle reads every stored ``search_text`` back and matches in Python, with the semantics each index documents
(``ingest.db.search``): SQLite matches the folded query as a phrase of whole tokens (FTS5's unicode61 tokens:
letters and digits, anything else separates), PostgreSQL as a substring of the folded text. The corpus has what
tells an index apart from a scan: accents and capitals, a phrase whose words occur only apart or reversed, a word
that only prefixes a longer one, a phrase across punctuation, đ/Đ, and rows changed after they were indexed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from ingest.db.engine import get_engine, read_scope
from ingest.db.models import Article
from ingest.db.search import search_key_phrase
from ingest.db.store import store_batch
from ingest.query import Filters, find_articles

T0 = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
WORDS = ("hội", "nghị", "tổng", "kết", "công", "tác", "mùa", "khô", "nông", "dân", "cà", "phê", "giá", "bán", "ổn")
INSERTS = (
    "Quốc phòng toàn dân",  # the phrase, accents and capitals
    "QUỐC PHÒNG",
    "quoc phong",  # typed without accents in the page itself
    "phòng quốc",  # the words reversed
    "quốc gia và phòng",  # the words apart
    "Đắk Lắk, Việt Nam",  # đ/Đ and a comma inside the phrase
    "Đắk Lắk Việt Nam",
    "ksorbe",  # "ksor" only as a prefix
    "Ksor H'Ni",
    "sâm Ngọc Linh",
    "2025",
)
QUERIES = (
    "quốc phòng",
    "Quốc Phòng",
    "QUOC PHONG",
    "quoc phong toan dan",
    "phòng quốc",
    "ksor",
    "dak lak viet nam",
    "Đắk Lắk, Việt Nam",
    "ngoc linh",
    "sâm ngọc",
    "2025",
    "cà phê",
    "nong dan",
    "khô",
    "không có đâu",
)
# FTS5 unicode61 tokens: runs of letters and digits (the folded text is lower case, diacritics already gone).
_TOKEN = re.compile(r"[^\W_]+")


def _body(rng: random.Random, i: int) -> str:
    words = [rng.choice(WORDS) for _ in range(40)]
    for k, phrase in enumerate(INSERTS):
        if (i + k) % (k + 2) == 0:
            words.insert(rng.randrange(len(words)), phrase)
    return " ".join(words).capitalize() + "."


def _record(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "url": f"https://baotest.example.vn/tin-{i}.html",
        "site": "baotest",
        "title": f"Tin số {i}: " + " ".join(rng.choice(WORDS) for _ in range(6)),
        "lead": rng.choice(INSERTS) if i % 4 == 0 else None,
        "body": _body(rng, i),
        "published": T0 - timedelta(hours=i),
        "fetched_at": T0,
        "language": "vi",
    }


def _phrase_match(text: str, key: str) -> bool:
    words, wanted = _TOKEN.findall(text), _TOKEN.findall(key)
    n = len(wanted)
    return n > 0 and any(words[i : i + n] == wanted for i in range(len(words) - n + 1))


def _oracle(engine: Engine, query: str) -> set[int]:
    key = search_key_phrase(query)
    with read_scope(engine) as session:
        stored = session.execute(select(Article.id, Article.search_text)).all()
    if engine.dialect.name == "sqlite":
        return {i for i, text in stored if _phrase_match(text, key)}
    return {i for i, text in stored if key and key in text}


def _found(engine: Engine, query: str, **filters: Any) -> list[int]:
    with read_scope(engine) as session:
        return [a["id"] for a in find_articles(session, Filters(search=query, include_duplicates=True, **filters))]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = get_engine(db_url, migrate=True)
    rng = random.Random(15)
    records = [_record(rng, i) for i in range(240)]
    store_batch(eng, records[:200])  # one batch: one multi-row insert
    for rec in records[200:]:  # one by one, as a slow crawl writes
        store_batch(eng, [rec])
    # Rows changed after they were indexed: the index must follow the new text, and forget the old.
    changed = [{**rec, "body": rec["body"].replace("quốc", "kinh tế"), "fetched_at": T0 + timedelta(days=1)}
               for rec in records[:30]]  # fmt: skip
    store_batch(eng, changed)
    yield eng
    eng.dispose()


def test_search_results_equal_a_scan_of_the_folded_text(engine: Engine) -> None:
    nonempty = 0
    for query in QUERIES:
        expected = _oracle(engine, query)
        found = _found(engine, query)
        assert len(found) == len(set(found)), query
        assert set(found) == expected, query
        nonempty += bool(expected)
    # The corpus exercises the queries: most of them match something, and not everything.
    assert nonempty >= len(QUERIES) - 3
    with read_scope(engine) as session:
        total = len(session.scalars(select(Article.id)).all())
    assert all(len(_oracle(engine, q)) < total for q in QUERIES)


def test_accents_and_capitals_do_not_change_the_results(engine: Engine) -> None:
    same = ("quốc phòng", "Quốc Phòng", "QUỐC PHÒNG", "quoc phong", "QUOC PHONG")
    results = [_found(engine, q) for q in same]
    assert results[0]
    assert all(r == results[0] for r in results)


def test_newest_first_with_a_limit_is_the_head_of_the_full_answer(engine: Engine) -> None:
    for query in ("quốc phòng", "cà phê", "ksor"):
        full = _found(engine, query)
        assert full
        assert _found(engine, query, limit=5) == full[:5]
