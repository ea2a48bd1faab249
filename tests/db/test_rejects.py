"""``ingest.db.rejects`` and the reads and retries over it (``ingest.query.find_rejects``,
``ingest.reprocess.reprocess_rejected``), on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, select

from ingest import query as q
from ingest.db import rejects
from ingest.db.engine import get_engine, make_sessionmaker, read_scope, session_scope
from ingest.db.models import Article, RejectedPage, UrlAlias
from ingest.db.store import URL_MAX, write_article
from ingest.normalize import VN_TZ
from ingest.reprocess import RejectOutcome, reprocess_rejected
from ingest.validate import URL_MAX as VALIDATE_URL_MAX
from tests.crawl.lossless_site import short_page, undated_article
from tests.hostile import pages

FETCHED = datetime(2025, 5, 21, 3, 0, tzinfo=UTC)
T = TypeVar("T")


def reject(url: str, reason: str = "no_body", **kw: object) -> rejects.Reject:
    html = kw.pop("html", pages.article_html(1).encode())
    return rejects.Reject(url=url, reason=reason, site="kontumtv", fetched_at=FETCHED, http_status=200, html=html, **kw)  # type: ignore[arg-type]


def read(engine: Engine, function: Callable[..., T], *args: Any) -> T:
    """``function(session, *args)`` of ``ingest.query`` in a read session of its own."""
    with read_scope(engine) as session:
        return function(session, *args)


def retried(engine: Engine, filters: q.RejectFilters) -> list[tuple[int, RejectOutcome, str]]:
    """``reprocess_rejected`` as ``ingest reprocess --rejected`` runs it: one session, a commit after every page."""
    out = []
    with make_sessionmaker(engine)() as session:
        for result in reprocess_rejected(session, filters):
            session.commit()
            out.append(result)
    return out


def all_rejects(db_url: str) -> dict[str, RejectedPage]:
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        found = {r.url: r for r in session.scalars(select(RejectedPage))}
        session.expunge_all()
    engine.dispose()
    return found


def test_one_row_per_url_counting_attempts(db_url: str) -> None:
    engine = get_engine(db_url, migrate=True)
    url = "https://kontumtv.vn/2025/05/21/bai/"
    rejects.store_reject(
        engine, reject(url, "no_body", discovered_by="feed", detail="no article text found"), run_id=None
    )
    first = all_rejects(db_url)[url]
    rejects.store_reject(engine, reject(url, "short_body", html=b"<html>changed</html>"), run_id=None)
    engine.dispose()
    (again,) = all_rejects(db_url).values()
    assert again.attempts == 2
    assert again.reason == "short_body"  # the newest rejection's reason, page and time
    assert zlib.decompress(again.html_zlib or b"") == b"<html>changed</html>"
    assert again.first_seen_at == first.first_seen_at
    assert again.last_seen_at >= first.last_seen_at
    assert first.detail == "no article text found [discovered_by=feed]"
    assert rejects.origin(first.detail) == "feed"
    assert rejects.origin(again.detail) is None
    assert (again.fetched_at, again.http_status, again.site) == (FETCHED, 200, "kontumtv")


def test_an_over_long_url_is_kept_under_a_digest_key_with_the_whole_url_in_detail(db_url: str) -> None:
    long_url = "https://kontumtv.vn/bai?" + "x" * 2100
    other = "https://kontumtv.vn/bai?" + "x" * 2099 + "y"  # the same head: the keys must still differ
    engine = get_engine(db_url, migrate=True)
    for url in (long_url, other):
        rejects.store_reject(engine, reject(url, "url_too_long", detail="too long"), run_id=None)
    engine.dispose()
    kept = all_rejects(db_url)
    assert len(kept) == 2
    assert all(len(key) <= URL_MAX for key in kept)
    assert {rejects.row_url(long_url), rejects.row_url(other)} == set(kept)
    assert long_url in (kept[rejects.row_url(long_url)].detail or "")
    assert rejects.row_url("https://a.vn/x") == "https://a.vn/x"
    assert VALIDATE_URL_MAX == URL_MAX  # the pure rules and the schema agree on what fits


def test_find_rejects_filters_and_hides_resolved_ones(db_url: str) -> None:
    engine = get_engine(db_url, migrate=True)
    rejects.store_reject(engine, reject("https://kontumtv.vn/a/", "no_body"), run_id=None)
    rejects.store_reject(engine, reject("https://kontumtv.vn/b/", "legacy_font", html=None), run_id=None)
    rejects.store_reject(engine, replace_site(reject("https://baogialai.com.vn/c-post1.html", "no_body")), run_id=None)
    assert {r["url"] for r in read(engine, q.find_rejects, q.RejectFilters())} == {
        "https://kontumtv.vn/a/", "https://kontumtv.vn/b/", "https://baogialai.com.vn/c-post1.html"
    }  # fmt: skip
    by_site = read(engine, q.find_rejects, q.RejectFilters(site=["kontumtv"], reason="no_body"))
    assert [r["url"] for r in by_site] == ["https://kontumtv.vn/a/"]
    assert by_site[0]["html_zlib_bytes"] > 0
    assert by_site[0]["fetched_at"] == FETCHED.astimezone(VN_TZ).isoformat()
    assert read(engine, q.find_rejects, q.RejectFilters(reason="legacy_font"))[0]["html_zlib_bytes"] == 0
    assert read(engine, q.count_rejects, q.RejectFilters(limit=2)) == 2
    assert read(engine, q.reject_reasons) == ["legacy_font", "no_body"]
    assert read(engine, q.reject_html, "https://kontumtv.vn/a/") == pages.article_html(1).encode()
    assert read(engine, q.reject_html, "https://kontumtv.vn/b/") is None
    with session_scope(engine) as session:
        (first_id,) = rejects.unresolved(session, ["https://kontumtv.vn/a/"]).values()
        article_id = write_article(session, _record("https://kontumtv.vn/stored/"), run_id=None, now=FETCHED)
        assert article_id == "stored"
        stored_id = session.scalars(select(Article.id)).one()
        rejects.resolve(session, first_id, stored_id, now=FETCHED)
    assert len(read(engine, q.find_rejects, q.RejectFilters())) == 2
    resolved = [r for r in read(engine, q.find_rejects, q.RejectFilters(include_resolved=True)) if r["article_id"]]
    assert [(r["url"], r["article_id"]) for r in resolved] == [("https://kontumtv.vn/a/", stored_id)]
    engine.dispose()


def replace_site(r: rejects.Reject) -> rejects.Reject:
    from dataclasses import replace

    return replace(r, site="baogialai")


def _record(url: str, html: str | None = None) -> dict[str, object]:
    from dataclasses import asdict

    from ingest.extract import extract_article
    from ingest.normalize import normalize_article

    page = html or pages.article_html(2)
    raw = asdict(extract_article(page.encode(), url, fetched_at=FETCHED))
    return {**raw, **normalize_article(raw, reference=FETCHED), "url": url, "site": "kontumtv", "fetched_at": FETCHED}


def test_resolve_stored_finds_the_article_under_its_canonical_url_or_an_alias(db_url: str) -> None:
    engine = get_engine(db_url, migrate=True)
    tracked = "https://kontumtv.vn/stored/?utm_source=zalo"
    copy = "https://baokontum.vn/copy/"
    for url in (tracked, copy, "https://kontumtv.vn/never-stored/"):
        rejects.store_reject(engine, reject(url), run_id=None)
    with session_scope(engine) as session:
        write_article(session, _record(tracked), run_id=None, now=FETCHED)  # canonical .../stored/, alias: tracked
        write_article(session, _record(copy), run_id=None, now=FETCHED)  # the same text: an exact duplicate
    with session_scope(engine) as session:
        stored_id = session.scalars(select(Article.id)).one()
        assert {copy, tracked} <= set(session.scalars(select(UrlAlias.url)))  # neither is a canonical URL
        pending = {rejects.row_url(u): [u] for u in (tracked, copy, "https://kontumtv.vn/never-stored/")}
        assert rejects.resolve_stored(session, pending, now=FETCHED + timedelta(hours=1)) == 2
    kept = all_rejects(db_url)
    assert (kept[tracked].article_id, kept[copy].article_id) == (stored_id, stored_id)
    assert kept["https://kontumtv.vn/never-stored/"].resolved_at is None
    with session_scope(engine) as session:
        assert rejects.unresolved(session, [tracked, copy]) == {}
        assert rejects.has_unresolved(session)
    engine.dispose()


def test_reprocess_rejected_stores_what_now_passes_and_updates_the_rest(db_url: str) -> None:
    engine = get_engine(db_url, migrate=True)
    base = "https://kontumtv.vn/bai-viet"
    cases = {
        # a whole article an older extractor missed: stored now
        f"{base}/da-sua/": reject(f"{base}/da-sua/", "no_body", html=pages.article_html(3).encode()),
        # undated and unsigned, but the feed listed it as an article: stored, undated
        f"{base}/tu-rss/": reject(f"{base}/tu-rss/", "no_body", html=undated_article("tu-rss").encode(),
                                  discovered_by="feed"),
        # the same page reached by generic link detection: still judged by the listing test
        f"{base}/tu-danh-sach/": reject(f"{base}/tu-danh-sach/", "listing_page",
                                        html=undated_article("tu-danh-sach").encode(), discovered_by="generic"),
        # too short whatever the extractor: its reason is brought up to date
        f"{base}/qua-ngan/": reject(f"{base}/qua-ngan/", "no_title", html=short_page().encode(), discovered_by="url"),
        # nothing kept to retry
        f"{base}/khong-html/": reject(f"{base}/khong-html/", "no_body", html=None),
    }  # fmt: skip
    for r in cases.values():
        rejects.store_reject(engine, r, run_id=None)
    ids = {r["url"]: r["id"] for r in read(engine, q.find_rejects, q.RejectFilters())}
    outcomes = {url: (outcome, detail) for url, (_i, outcome, detail) in _by_url(ids, retried(
        engine, q.RejectFilters()))}  # fmt: skip
    assert outcomes == {
        f"{base}/da-sua/": ("stored", "stored"),
        f"{base}/tu-rss/": ("stored", "stored"),
        f"{base}/tu-danh-sach/": ("rejected", "listing_page"),
        f"{base}/qua-ngan/": ("rejected", "short_body"),
        f"{base}/khong-html/": ("no_html", "no raw HTML kept"),
    }
    kept = all_rejects(db_url)
    with session_scope(engine) as session:
        articles = {a.url: a for a in session.scalars(select(Article))}
        assert set(articles) == {f"{base}/da-sua/", f"{base}/tu-rss/"}
        assert articles[f"{base}/tu-rss/"].published_at is None
        assert articles[f"{base}/da-sua/"].html_zlib is not None
        for url in articles:
            assert (kept[url].article_id, kept[url].resolved_at is not None) == (articles[url].id, True)
    assert kept[f"{base}/qua-ngan/"].reason == "short_body"
    assert rejects.origin(kept[f"{base}/qua-ngan/"].detail) == "url"  # how it was found survives the retry
    assert kept[f"{base}/qua-ngan/"].attempts == 1  # a retry is not a fetch
    assert kept[f"{base}/tu-danh-sach/"].resolved_at is None

    # Resolved rejects are not retried; a second pass changes nothing.
    again = retried(engine, q.RejectFilters())
    assert sorted(outcome for _i, outcome, _d in again) == ["no_html", "rejected", "rejected"]
    with session_scope(engine) as session:
        assert len(session.scalars(select(Article.id)).all()) == 2
    engine.dispose()


def test_reprocess_rejected_resolves_a_copy_of_a_stored_article_to_that_article(db_url: str) -> None:
    engine = get_engine(db_url, migrate=True)
    with session_scope(engine) as session:
        write_article(session, _record("https://kontumtv.vn/goc/"), run_id=None, now=FETCHED)
        original = session.scalars(select(Article.id)).one()
    copy = "https://baokontum.vn/ban-sao/"
    rejects.store_reject(engine, reject(copy, "no_body", html=pages.article_html(2).encode()), run_id=None)
    ((_rid, outcome, detail),) = retried(engine, q.RejectFilters(site=["kontumtv"]))
    assert (outcome, detail) == ("stored", "duplicate_exact")
    assert all_rejects(db_url)[copy].article_id == original
    engine.dispose()


def _by_url(ids: dict[str, int], results: object) -> list[tuple[str, tuple[int, str, str]]]:
    urls = {v: k for k, v in ids.items()}
    return [(urls[r[0]], r) for r in results]  # type: ignore[attr-defined]


@pytest.mark.parametrize("reason", ["no_body", "listing_page"])
def test_update_rejection_keeps_the_row_open(db_url: str, reason: str) -> None:
    engine = get_engine(db_url, migrate=True)
    rejects.store_reject(engine, reject("https://kontumtv.vn/x/", "no_title"), run_id=None)
    with session_scope(engine) as session:
        (rid,) = rejects.unresolved(session, ["https://kontumtv.vn/x/"]).values()
        rejects.update_rejection(session, rid, reason, "why [discovered_by=sitemap]")
    (row,) = all_rejects(db_url).values()
    assert (row.reason, row.resolved_at, rejects.origin(row.detail)) == (reason, None, "sitemap")
    engine.dispose()


def test_reprocess_rejected_leaves_the_commit_to_its_caller(db_url: str) -> None:
    # The retry works in the caller's transaction: the caller's reads see the stored page before any commit, and a
    # caller that rolls back keeps the database as it was (no page committed behind its back).
    engine = get_engine(db_url, migrate=True)
    url = "https://kontumtv.vn/bai-viet/da-sua/"
    rejects.store_reject(engine, reject(url, "no_body", html=pages.article_html(3).encode()), run_id=None)
    with make_sessionmaker(engine)() as session:
        assert [outcome for _i, outcome, _d in reprocess_rejected(session, q.RejectFilters())] == ["stored"]
        assert [a["url"] for a in q.find_articles(session, q.Filters())] == [url]
        assert q.find_rejects(session, q.RejectFilters()) == []  # resolved, in this transaction
        session.rollback()
    with read_scope(engine) as session:
        assert list(q.find_articles(session, q.Filters())) == []
        assert [r["url"] for r in q.find_rejects(session, q.RejectFilters())] == [url]
    assert all_rejects(db_url)[url].resolved_at is None
    engine.dispose()
