"""Rewriting a stored article's metadata in place (``ingest reprocess``: the same title and body, fixed rules).

The crawl's path (``write_batch``) never changes the metadata of an article whose content is unchanged other than
by merging a better copy; reprocessing the stored HTML with fixed date or byline rules does, through
:func:`update_metadata`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ingest.db.models import Article, ArticleAuthor, ArticleOrganisation, Author, Organisation, Source
from ingest.db.store.apply import AUTHOR_COLUMNS, ORG_COLUMNS, author_rows, insert_plain, name_ids
from ingest.db.store.records import aware, clean, clean_list, people, source_name
from ingest.normalize import search_key_of_parts

_ARTICLES: Table = Article.__table__  # type: ignore[assignment]


def update_metadata(session: Session, article_id: int, fields: Mapping[str, Any]) -> None:
    """Set article ``article_id``'s normalised metadata from ``fields`` (``ingest.items.ArticleItem`` names): the
    date (``published``, ``published_raw``, ``published_precision``, ``published_year_inferred``,
    ``part_of_day``), ``modified``/``modified_raw``, the byline (``byline_raw``, ``source``, ``authors``,
    ``author_roles``, ``organizations``), ``lead``, ``category`` and ``tags``; a field missing from ``fields`` is
    cleared. The search key follows the lead (title and body are the row's). An ORM object of the row in
    ``session`` is expired, so it shows the new values."""
    conn = session.connection()
    session.flush()
    stored = conn.execute(select(_ARTICLES.c.title, _ARTICLES.c.body).where(_ARTICLES.c.id == article_id)).first()
    if stored is None:
        raise ValueError(f"no article with id {article_id}")
    source = source_name(fields.get("source"))
    source_id = name_ids(conn, Source, {source} if source else set()).get(source or "")
    lead = clean(fields.get("lead"))
    values = {
        "published_at": aware(fields.get("published")),
        "published_raw": clean(fields.get("published_raw")),
        "published_precision": clean(fields.get("published_precision"), 10),
        "published_year_inferred": bool(fields.get("published_year_inferred")),
        "part_of_day": clean(fields.get("part_of_day"), 10),
        "modified_at": aware(fields.get("modified")),
        "modified_raw": clean(fields.get("modified_raw")),
        "byline_raw": clean(fields.get("byline_raw")),
        "lead": lead,
        "category": clean_list(fields.get("category")),
        "tags": clean_list(fields.get("tags")),
        "source_id": source_id,
        "search_text": search_key_of_parts(stored.title, lead, stored.body),
    }
    conn.execute(update(_ARTICLES).where(_ARTICLES.c.id == article_id).values(values))
    authors, orgs = people(fields)
    conn.execute(delete(ArticleAuthor).where(ArticleAuthor.article_id == article_id))
    conn.execute(delete(ArticleOrganisation).where(ArticleOrganisation.article_id == article_id))
    author_ids = name_ids(conn, Author, {name for _p, name, _r in authors})
    insert_plain(conn, ArticleAuthor, AUTHOR_COLUMNS, author_rows(article_id, authors, author_ids), fresh=True)
    org_ids = name_ids(conn, Organisation, set(orgs))
    rows = [(article_id, o) for o in sorted({org_ids[n] for n in orgs})]
    insert_plain(conn, ArticleOrganisation, ORG_COLUMNS, rows, fresh=True)
    obj = session.identity_map.get(identity_key(Article, article_id))
    if obj is not None:
        session.expire(obj)
