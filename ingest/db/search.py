"""Accent-insensitive text search over articles, on the index each dialect has (for ``ingest.query``).

The query is folded with ``ingest.normalize.search_key`` like ``articles.search_text``, so "quoc phong",
"Quốc phòng" and "QUỐC PHÒNG" all find "quốc phòng". SQLite: an FTS5 phrase query on ``articles_fts``.
PostgreSQL: a substring match served by the pg_trgm GIN index, or a ``simple`` tsvector phrase query where the
migration could not create pg_trgm.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, func, literal_column, select, text
from sqlalchemy.orm import Session

from ingest.db.models import Article
from ingest.normalize import search_key


def _has_trigram_index(bind: Session | Connection) -> bool:
    found = bind.execute(text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_articles_search_trgm'")).first()
    return found is not None


def search_condition(bind: Session | Connection, query: str) -> ColumnElement[bool]:
    """A WHERE condition on ``Article`` matching ``query`` as a phrase, without diacritics or case.

    >>> # session.scalars(select(Article).where(search_condition(session, "quoc phong")))
    """
    key = " ".join(search_key(query).replace('"', " ").split())
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
