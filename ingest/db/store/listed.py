"""Listed dates that arrive after their article was stored (``ingest.items.ListedDate``), merged into it.

A feed, the REST API or a news sitemap can give an article's URL with a date after the article's own item has gone
(the page was parsed earlier, by an earlier run, or by another worker). The stored date then plays the page's own
date in ``ingest.normalize.choice.combine_published`` (it is the page's, or a listed one that agreed with it), so
the row ends as it would have had the date come with the page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ingest.db.engine import session_scope
from ingest.db.models import Article, ArticleVersion, UrlAlias
from ingest.db.store.decide import VERSION_COLUMNS
from ingest.db.store.locks import lock, url_lock_key
from ingest.db.store.records import MERGED_COLUMNS, URL_MAX, aware
from ingest.db.store.snapshot import chunks
from ingest.db.store.write import retrying
from ingest.normalize import url_rank
from ingest.normalize.choice import combine_published, date_fields, listed_reading, reading_from_fields

ListedOutcome = Literal["applied", "unchanged", "missing"]
_DATE_COLUMNS = (
    Article.id,
    Article.published_at,
    Article.published_precision,
    Article.published_raw,
    Article.published_year_inferred,
    Article.part_of_day,
    Article.url,
    Article.canonical_url,
)


def _note_keys(note: Mapping[str, Any]) -> list[str]:
    keys = (note.get("canonical_url"), note.get("url"))
    return list(dict.fromkeys(k for k in keys if isinstance(k, str) and k and len(k) <= URL_MAX))


def _merged_version(article: Article, now: datetime) -> ArticleVersion:
    """The row as it is now, for ``article_versions`` (a merge: the body is the row's, so not kept again)."""
    kept = {c: getattr(article, c) for c in VERSION_COLUMNS}
    return ArticleVersion(article_id=article.id, body=None, reason="merged", replaced_at=now, **kept)


def apply_listed_dates(
    session: Session,
    notes: Sequence[Mapping[str, Any]],
    *,
    now: datetime | None = None,
    counts: Counter[str] | None = None,
) -> list[ListedOutcome]:
    """Combine what discovery said about URLs after their articles' items had gone (``ingest.items.ListedDate``:
    ``url``, ``canonical_url``, ``listed_published`` or None) with the articles stored under those URLs; one
    outcome per note, in order.

    A note URL under the article's own canonical URL that ranks before its stored URL (``url_rank``: the feed's
    tracking link met again without its query) becomes its URL, as if that copy had been fetched. Outcomes:
    ``"applied"`` (the row changed; the row before is kept in ``article_versions`` as ``"merged"``), ``"unchanged"``
    or ``"missing"`` (no article is stored under the URL, as canonical URL or alias, yet). Takes the URLs' advisory
    locks first (PostgreSQL), like ``write_batch``.
    """
    stamp = now or datetime.now(UTC)
    keyed = [_note_keys(note) for note in notes]
    lock(session, {url_lock_key(key) for keys in keyed for key in keys})
    session.flush()
    wanted = sorted({key for keys in keyed for key in keys})
    ids: dict[str, int] = {}
    for chunk in chunks(wanted):
        aliases = select(UrlAlias.url, UrlAlias.article_id).where(UrlAlias.url.in_(chunk))
        ids.update((url, article_id) for url, article_id in session.execute(aliases))
        canons = select(Article.canonical_url, Article.id).where(Article.canonical_url.in_(chunk))
        ids.update((url, article_id) for url, article_id in session.execute(canons))
    readings: dict[int, Any] = {}
    urls: dict[int, tuple[str, str]] = {}
    for chunk in chunks(sorted(set(ids.values()))):
        for row in session.execute(select(*_DATE_COLUMNS).where(Article.id.in_(chunk))):
            urls[row.id] = (row.url, row.canonical_url)
            readings[row.id] = reading_from_fields(
                {
                    "published": aware(row.published_at),
                    "published_precision": row.published_precision,
                    "published_raw": row.published_raw,
                    "published_year_inferred": row.published_year_inferred,
                    "part_of_day": row.part_of_day,
                }
            )
    outcomes: list[ListedOutcome] = []
    for note, keys in zip(notes, keyed, strict=True):
        article_id = next((ids[k] for k in keys if k in ids), None)
        listed = listed_reading(note.get("listed_published"))
        if article_id is None or article_id not in readings:
            outcomes.append("missing")
            continue
        best = combine_published(readings[article_id], listed)
        stored_url, canon = urls[article_id]
        url = note.get("url")
        cleaner = url if isinstance(url, str) and note.get("canonical_url") == canon else None
        cleaner = cleaner if cleaner is not None and url_rank(cleaner) < url_rank(stored_url) else None
        new_date = best is not None and best != readings[article_id]
        if not new_date and cleaner is None:
            outcomes.append("unchanged")
            continue
        article = session.get(Article, article_id)
        if article is None:  # pragma: no cover - read in this transaction, under its lock
            outcomes.append("missing")
            continue
        session.add(_merged_version(article, stamp))
        if new_date:
            for name, value in date_fields(best).items():
                setattr(article, MERGED_COLUMNS[name], value)
            readings[article_id] = best
        if cleaner is not None:
            article.url = cleaner
            urls[article_id] = (cleaner, canon)
        session.flush()
        outcomes.append("applied")
        if counts is not None:
            counts["listed_applied"] += 1
    return outcomes


def store_listed_dates(
    engine: Engine, notes: Sequence[Mapping[str, Any]], *, attempts: int = 3, counts: Counter[str] | None = None
) -> list[ListedOutcome]:
    """``apply_listed_dates`` in its own transaction, retried like ``store_batch``."""

    def write() -> list[ListedOutcome]:
        attempt: Counter[str] = Counter()
        with session_scope(engine) as session:
            outcomes = apply_listed_dates(session, notes, counts=attempt)
        if counts is not None:
            counts.update(attempt)
        return outcomes

    return retrying(write, len(notes), attempts)
