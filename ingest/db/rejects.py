"""Rejected pages: the writes behind "a page fetched as an article is stored, or kept as a reject".

A page the validate stage (or an error) kept out of ``articles`` is written to ``rejected_pages`` with its raw HTML
(zlib, as ``articles.html_zlib``), URL, reason, detail, fetch time and run: one row per URL, upserted (``INSERT ..
ON CONFLICT (url) DO UPDATE``, SQLite and PostgreSQL), so a page rejected again updates its row and counts the
attempt. A reject is *resolved* (``resolved_at``, ``article_id``) when the page is later stored: by a crawl (the
recorder checks the URLs it stored) or by ``ingest reprocess --rejected``.

The row key is the fetched URL; the few URLs longer than the column (2,000 characters: Scrapy lets through 2,083)
are kept under a shortened key ending in a digest of the whole URL, and the whole URL goes into ``detail``.

How the spider came to request the page (``discovered_by``) has no column of its own: it is kept at the end of
``detail`` as ``[discovered_by=feed]`` (see ``with_origin`` / ``origin``), so a retry judges the page as the crawl
did (a page the spider requested as an article is never a listing).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ingest.db.engine import session_scope
from ingest.db.models import Article, RejectedPage, UrlAlias
from ingest.db.store import URL_MAX, compress_html, dialect_insert, is_transient

_ORIGIN = re.compile(r"\s*\[discovered_by=([a-z_]+)\]$")
_REASON_MAX = 50
_IN_CHUNK = 500


@dataclass(frozen=True)
class Reject:
    """One page to keep as rejected (field names as in ``ingest.items.ArticleItem`` where they exist)."""

    url: str
    reason: str
    detail: str | None = None
    site: str | None = None
    fetched_at: datetime | None = None
    http_status: int | None = None
    encoding: str | None = None
    html: bytes | None = None
    discovered_by: str | None = None


def row_url(url: str) -> str:
    """The ``rejected_pages.url`` key of ``url``: itself, or for an over-long URL its head and a digest of it all."""
    if len(url) <= URL_MAX:
        return url
    digest = hashlib.blake2b(url.encode("utf-8"), digest_size=8).hexdigest()
    return f"{url[: URL_MAX - 18]}#{digest}"


def with_origin(detail: str | None, discovered_by: str | None) -> str | None:
    """``detail`` with how the page was discovered appended as ``[discovered_by=X]`` (when known)."""
    if not discovered_by:
        return detail
    return f"{detail or ''} [discovered_by={discovered_by}]".strip()


def origin(detail: str | None) -> str | None:
    """The ``discovered_by`` that ``with_origin`` put into ``detail``, if any."""
    found = _ORIGIN.search(detail or "")
    return found.group(1) if found else None


def _clean(value: str | None) -> str | None:
    return value.replace("\x00", "") if isinstance(value, str) else None  # PostgreSQL refuses NUL characters


def write_reject(session: Session, reject: Reject, *, run_id: int | None, now: datetime) -> None:
    """Insert ``reject``, or update the row its URL already has (attempts + 1, reopened if it was resolved)."""
    detail = reject.detail
    if len(reject.url) > URL_MAX:
        detail = f"{detail or ''} (URL: {reject.url})".strip()
    status = reject.http_status
    values: dict[str, Any] = {
        "site": _clean(reject.site[:100]) if reject.site else None,
        "reason": reject.reason[:_REASON_MAX],
        "detail": _clean(with_origin(detail, reject.discovered_by)),
        "fetched_at": reject.fetched_at or now,
        "http_status": status if isinstance(status, int) and 0 <= status < 1000 else None,
        "html_encoding": _clean(reject.encoding[:40]) if reject.encoding else None,
        "html_zlib": compress_html(reject.html),
        "crawl_run_id": run_id,
        "last_seen_at": now,
        "resolved_at": None,
        "article_id": None,
    }
    table = cast(Table, RejectedPage.__table__)
    stmt = dialect_insert(session, table).values(
        url=_clean(row_url(reject.url)), first_seen_at=now, attempts=1, **values
    )
    stmt = stmt.on_conflict_do_update(index_elements=["url"], set_={**values, "attempts": table.c.attempts + 1})
    session.execute(stmt)


def store_reject(engine: Engine, reject: Reject, *, run_id: int | None = None, attempts: int = 3) -> None:
    """``write_reject`` in its own transaction, tried again when another writer got in the way (as the store does).

    Database errors other than those propagate: the caller fails the crawl loudly.
    """
    for attempt in range(1, attempts + 1):
        try:
            with session_scope(engine) as session:
                write_reject(session, reject, run_id=run_id, now=datetime.now(UTC))
            return
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            time.sleep(0.05 * attempt)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(values), _IN_CHUNK):
        yield values[i : i + _IN_CHUNK]


def unresolved(session: Session, urls: Iterable[str]) -> dict[str, int]:
    """``{url: reject id}`` of the still unresolved rejects among ``urls``."""
    keys = sorted({row_url(u) for u in urls if u})
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        stmt = select(RejectedPage.url, RejectedPage.id).where(
            RejectedPage.url.in_(chunk), RejectedPage.resolved_at.is_(None)
        )
        found.update((url, rid) for url, rid in session.execute(stmt))
    return found


def has_unresolved(session: Session) -> bool:
    """Whether any reject waits to be resolved (when none does, a crawl need not look for any)."""
    open_reject = select(RejectedPage.id).where(RejectedPage.resolved_at.is_(None)).limit(1)
    return session.execute(open_reject).first() is not None


def stored_article_id(session: Session, urls: Iterable[str]) -> int | None:
    """The id of the stored article holding any of ``urls`` (as its canonical URL, or as an alias), else None."""
    keys = [u for u in dict.fromkeys(urls) if u]
    if not keys:
        return None
    found = session.scalars(select(Article.id).where(Article.canonical_url.in_(keys)).order_by(Article.id)).first()
    if found is None:
        found = session.scalars(
            select(UrlAlias.article_id).where(UrlAlias.url.in_(keys)).order_by(UrlAlias.article_id)
        ).first()
    return found


def resolve(session: Session, reject_id: int, article_id: int, *, now: datetime) -> None:
    """Mark a reject as stored after all, as article ``article_id``."""
    session.execute(
        update(RejectedPage).where(RejectedPage.id == reject_id).values(resolved_at=now, article_id=article_id)
    )


def resolve_stored(session: Session, pending: Mapping[str, Sequence[str]], *, now: datetime) -> int:
    """Resolve the rejects ``{reject URL key: [the URLs the page was stored under]}`` whose page is now stored;
    how many were resolved (a reject whose page did not end up stored, e.g. the batch failed, stays open)."""
    ids = unresolved(session, pending)
    resolved = 0
    for key, reject_id in ids.items():
        article_id = stored_article_id(session, pending[key])
        if article_id is not None:
            resolve(session, reject_id, article_id, now=now)
            resolved += 1
    return resolved


def update_rejection(session: Session, reject_id: int, reason: str, detail: str | None) -> None:
    """Record why a retried reject is still rejected (its newest reason), keeping the row open."""
    session.execute(
        update(RejectedPage)
        .where(RejectedPage.id == reject_id)
        .values(reason=reason[:_REASON_MAX], detail=_clean(detail))
    )
