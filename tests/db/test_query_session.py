"""The caller owns the session (issue 15): ``ingest.query`` reads run in the session they are given, so they see
the caller's uncommitted writes, and a command's reads in one ``read_scope`` see one snapshot while a crawl commits
beside them. On SQLite and on the real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from ingest import query as q
from ingest.db.engine import get_engine, read_scope, session_scope
from ingest.db.store import write_article
from ingest.dedup import content_hash, fingerprint
from ingest.normalize import search_key_of_parts
from tests.db.articles import BODY_COFFEE, BODY_DEFENCE, BODY_FLOOD

NOW = datetime(2025, 7, 10, 2, 30, tzinfo=UTC)


def record(url: str, title: str, body: str, site: str = "kontumtv") -> dict[str, Any]:
    """A normalised record with its keys computed, as the pipeline hands it to the store."""
    return {
        "url": url,
        "canonical_url": url,
        "site": site,
        "title": title,
        "body": body,
        "published": datetime(2025, 7, 8, 9, 45, tzinfo=UTC),
        "published_raw": "08/07/2025 16:45",
        "published_precision": "minute",
        "authors": ["Hoài Nam"],
        "author_roles": {},
        "fetched_at": NOW,
        "html": f"<html><body><h1>{title}</h1></body></html>".encode(),
        "content_hash": content_hash(title, body),
        "fingerprint": fingerprint(title, body),
        "search_text": search_key_of_parts(title, None, body),
    }


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = get_engine(db_url, migrate=True)
    with session_scope(eng) as session:
        write_article(session, record("https://kontumtv.vn/a.html", "Quốc phòng địa phương", BODY_DEFENCE), run_id=None,
                      now=NOW)  # fmt: skip
    yield eng
    eng.dispose()


def _articles(session: Any) -> int:
    return sum(row["articles"] for row in q.stats(session))


def test_a_read_scope_sees_one_snapshot_while_another_writer_commits(engine: Engine) -> None:
    with read_scope(engine) as session:
        assert _articles(session) == 1
        assert q.stored_sites(session) == ["kontumtv"]
        with session_scope(engine) as writer:  # a crawl commits while the command is reading
            outcome = write_article(writer, record("https://baogialai.vn/b.html", "Cà phê", BODY_COFFEE, "baogialai"),
                                    run_id=None, now=NOW)  # fmt: skip
            assert outcome == "stored"
        # The command's later reads agree with its first ones.
        assert _articles(session) == 1
        assert q.stored_sites(session) == ["kontumtv"]
        assert [a["site"] for a in q.find_articles(session, q.Filters())] == ["kontumtv"]
    with read_scope(engine) as session:  # the next command sees the commit
        assert _articles(session) == 2
        assert sorted(q.stored_sites(session)) == ["baogialai", "kontumtv"]


def test_reads_compose_inside_the_callers_transaction(engine: Engine) -> None:
    url = "https://kontumtv.vn/lu.html"
    with pytest.raises(RuntimeError, match="caller gives up"), session_scope(engine) as session:  # noqa: PT012
        assert write_article(session, record(url, "Mưa lớn gây ngập", BODY_FLOOD), run_id=None, now=NOW) == "stored"
        # Not committed, yet every read in this transaction sees it.
        assert _articles(session) == 2
        found = q.get_article(session, url)
        assert found is not None
        assert found["title"] == "Mưa lớn gây ngập"
        assert found["authors"] == ["Hoài Nam"]
        assert [a["url"] for a in q.find_articles(session, q.Filters(search="mua lon"))] == [url]
        assert q.article_ids(session, q.Filters(order="id"))[-1] == found["id"]
        raise RuntimeError("caller gives up")  # the caller's transaction rolls back: the reads committed nothing
    with read_scope(engine) as session:
        assert _articles(session) == 1
        assert q.get_article(session, url) is None
        assert list(q.find_articles(session, q.Filters(search="mua lon"))) == []
