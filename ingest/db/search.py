"""Accent-insensitive text search over articles, on the index each dialect has (for ``ingest.query``).

The query is folded with ``ingest.normalize.search_key`` like ``articles.search_text``, so "quoc phong",
"Quốc phòng" and "QUỐC PHÒNG" all find "quốc phòng". SQLite: an FTS5 phrase query on ``articles_fts``.
PostgreSQL: a substring match served by the pg_trgm GIN index, or a ``simple`` tsvector phrase query where the
migration could not create pg_trgm.

Newest-first search with a limit on SQLite (``newest_match_ids``) does not sort every match: a phrase that
matches few articles is answered from its FTS matches; a phrase that matches many is answered by walking the
``(published_at, duplicate_of, site)`` index newest-first: a window of the newest candidates is checked with one
FTS5 query over their id range when their ids lie close together (the usual case: ids follow the crawl), else
by asking FTS5 about each candidate (a rowid lookup), stopping after ``limit`` hits. The walk has a budget of
candidates; when the filters leave the phrase rare within it, the caller runs the plain query instead, so the
answer is always the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, literal_column, select, text
from sqlalchemy.orm import Session

from ingest.db.models import Article
from ingest.normalize import search_key

# The index the newest-first walk reads (migration 0002): its order is (published_at, rowid), and it holds the
# columns the filters test, so a candidate costs no table row.
WALK_INDEX = "ix_articles_published_dup_site"
# FTS matches fetched to decide the plan: fewer than this and every match is known (sort them); more and the
# phrase is common enough that walking the newest articles finds ``limit`` hits quickly.
PROBE_MATCHES = 1_000
# The walk examines at most max(WALK_PER_ROW * limit, estimated matches / WALK_SHARE) candidates: one FTS rowid
# lookup costs about as much as sorting 16-32 matches, so past that budget the plain query is cheaper.
WALK_PER_ROW = 50
WALK_SHARE = 32
# When the newest candidates' ids lie close together (ids follow crawl order, which follows publication), one FTS
# query over their id range (at most this many ids per candidate) answers for all of them at once. Measured on a
# million articles: a range costs up to ~0.3 us per id for a common phrase, a rowid lookup ~100 us per candidate.
SPAN_PER_CANDIDATE = 100


def search_key_phrase(query: str) -> str:
    """The folded words of ``query``, one space apart (double quotes dropped: the phrase is quoted whole)."""
    return " ".join(search_key(query).replace('"', " ").split())


def _has_trigram_index(bind: Session | Connection) -> bool:
    found = bind.execute(text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_articles_search_trgm'")).first()
    return found is not None


def search_condition(bind: Session | Connection, query: str) -> ColumnElement[bool]:
    """A WHERE condition on ``Article`` matching ``query`` as a phrase, without diacritics or case.

    >>> # session.scalars(select(Article).where(search_condition(session, "quoc phong")))
    """
    key = search_key_phrase(query)
    dialect = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    if not key:
        return Article.id.is_(None)  # nothing to search for matches nothing
    if dialect == "sqlite":
        match = text("articles_fts MATCH :q").bindparams(q=f'"{key}"')
        return Article.id.in_(select(literal_column("rowid")).select_from(text("articles_fts")).where(match))
    if dialect == "postgresql":
        if _has_trigram_index(bind):
            escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return Article.search_text.ilike(f"%{escaped}%", escape="\\")
        return func.to_tsvector("simple", Article.search_text).op("@@")(func.phraseto_tsquery("simple", key))
    raise ValueError(f"unsupported database dialect {dialect!r}: use SQLite or PostgreSQL")


@dataclass(frozen=True)
class Narrowing:
    """The non-text filters of a search, as the walk applies them (``ingest.query.Filters`` resolved to values).

    ``site_sets``: each a list of site names the article's site must be in (site and province filters);
    ``author_ids``: the article must have one of these authors (None: no author filter).
    """

    site_sets: Sequence[Sequence[str]] = ()
    since: datetime | None = None
    until: datetime | None = None
    include_duplicates: bool = False
    author_ids: Sequence[int] | None = None


def _where(narrowing: Narrowing, params: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """SQL conditions on ``a`` (the articles walked) for ``narrowing``, filling ``params``; the bindparams used."""
    clauses: list[str] = []
    binds: list[Any] = []
    if not narrowing.include_duplicates:
        clauses.append("a.duplicate_of IS NULL")
    for i, sites in enumerate(narrowing.site_sets):
        clauses.append(f"a.site IN :sites{i}")
        params[f"sites{i}"] = list(sites)
        binds.append(bindparam(f"sites{i}", expanding=True))
    published = Article.__table__.c.published_at.type
    if narrowing.since is not None:
        clauses.append("a.published_at >= :since")
        params["since"] = narrowing.since
        binds.append(bindparam("since", type_=published))
    if narrowing.until is not None:
        clauses.append("a.published_at <= :until")
        params["until"] = narrowing.until
        binds.append(bindparam("until", type_=published))
    if narrowing.author_ids is not None:
        clauses.append("a.id IN (SELECT article_id FROM article_authors WHERE author_id IN :authors)")
        params["authors"] = list(narrowing.author_ids)
        binds.append(bindparam("authors", expanding=True))
    return clauses, binds


def newest_match_ids(session: Session, query: str, narrowing: Narrowing, limit: int) -> list[int] | None:
    """SQLite: ids of the ``limit`` newest articles matching ``query`` and ``narrowing``, or None to say "run the
    plain query" (the phrase is rare among the articles ``narrowing`` leaves, or matches too few to need a plan).

    Newest means ``published_at DESC, id DESC`` with undated articles last, as ``ingest.query`` orders them.
    """
    key = search_key_phrase(query)
    if not key or limit <= 0:
        return None
    phrase = f'"{key}"'
    probe = list(
        session.scalars(
            text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q LIMIT :k"),
            {"q": phrase, "k": PROBE_MATCHES},
        )
    )
    if len(probe) < PROBE_MATCHES:
        return None  # every match is known: sorting them is cheap
    has_index = text("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :n")
    if session.scalar(has_index, {"n": WALK_INDEX}) is None:
        return None  # a database not migrated to 0002 (opened with migrate=False) has no index to walk
    # FTS5 returns rowids in order: how far into the id range the first PROBE_MATCHES reached estimates the total.
    top = session.scalar(text("SELECT max(rowid) FROM articles")) or probe[-1]
    estimated = PROBE_MATCHES * (top - probe[0] + 1) / max(1, probe[-1] - probe[0] + 1)
    budget = max(WALK_PER_ROW * limit, int(estimated / WALK_SHARE))

    # SQL text with bound parameters: SQLAlchemy has no form for SQLite's INDEXED BY, and without it SQLite may
    # pick the duplicate_of or site index and sort every candidate, probing FTS5 for each.
    params: dict[str, Any] = {"q": phrase, "limit": limit, "budget": budget - 1}
    clauses, binds = _where(narrowing, params)
    source = f"FROM articles AS a INDEXED BY {WALK_INDEX}"
    order = "ORDER BY a.published_at DESC, a.id DESC"
    where = " AND ".join(clauses) or "1"
    # First try windows of the newest candidates, sized from the phrase's estimated share of articles.
    share = PROBE_MATCHES / max(1, probe[-1] - probe[0] + 1)
    window = min(budget, max(4 * limit, int(2 * limit / share)))
    window_sql = text(f"SELECT a.id {source} WHERE {where} {order} LIMIT :window").bindparams(*binds)
    in_range = text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q AND rowid BETWEEN :lo AND :hi")
    while True:
        candidates = list(session.scalars(window_sql, {**params, "window": window}))
        if not candidates:
            return []
        lo, hi = min(candidates), max(candidates)
        if hi - lo + 1 > SPAN_PER_CANDIDATE * len(candidates):
            break  # ids scattered: ask FTS5 about each candidate instead (below)
        hits = set(session.scalars(in_range, {"q": phrase, "lo": lo, "hi": hi}))
        found = [i for i in candidates if i in hits][:limit]
        # The first limit hits among the newest candidates are the newest overall; a short window was everything.
        if len(found) == limit or len(candidates) < window:
            return found
        if window >= budget:
            return None
        window = min(budget, window * 4)
    # The budget-th candidate bounds the walk; rows tied with it are walked too (a superset is harmless).
    edge_sql = f"SELECT a.published_at, a.id {source} WHERE {where} {order} LIMIT 1 OFFSET :budget"
    edge = session.execute(text(edge_sql).bindparams(*binds), params).first()
    if edge is not None:
        if edge.published_at is None:
            clauses.append("(a.published_at IS NOT NULL OR a.id >= :edge_id)")
            params["edge_id"] = edge.id
        else:
            clauses.append("a.published_at >= :edge_at")
            params["edge_at"] = edge.published_at  # the stored value, compared as stored
    clauses.append("EXISTS (SELECT 1 FROM articles_fts WHERE articles_fts MATCH :q AND articles_fts.rowid = a.id)")
    walk_sql = f"SELECT a.id {source} WHERE {' AND '.join(clauses)} {order} LIMIT :limit"
    found = list(session.scalars(text(walk_sql).bindparams(*binds), params))
    if len(found) == limit or edge is None:
        return found  # limit hits inside the window are the newest overall; no edge: every candidate was walked
    return None
