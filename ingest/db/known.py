"""The narrow read API spiders use for incremental crawls: what is stored already, and when the last run was.

Spiders never see models or sessions (DESIGN.md); they get yes/no answers and a datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from ingest.db.engine import get_engine
from ingest.db.models import Article, CrawlRun, UrlAlias
from ingest.normalize import canonical_url, url_rank


class KnownArticles:
    """Answers "is this URL stored?" against one database."""

    def __init__(self, engine: Engine, *, owns_engine: bool = False) -> None:
        self._engine = engine
        self._owns_engine = owns_engine

    @classmethod
    def open(cls, db_url: str) -> KnownArticles:
        """Open the database at ``db_url`` (brought to the current schema, so a new database is simply empty)."""
        return cls(get_engine(db_url, migrate=True), owns_engine=True)

    def _keys(self, url: str) -> list[str]:
        keys = [url]
        canon = canonical_url(url)
        if canon and canon not in keys:
            keys.append(canon)
        return keys

    def _stored(self, url: str) -> tuple[datetime, str, datetime] | None:
        """(last seen, stored URL, first seen) of the article ``url`` belongs to, or None."""
        keys = self._keys(url)
        columns = (Article.last_seen_at, Article.url, Article.first_seen_at)
        with self._engine.connect() as conn:
            # Canonical URLs (unique index) and aliases (indexed) cover every fetched URL: the store files a fetched
            # URL that is not canonical as an alias, so ``articles.url`` (no index: a scan) need not be searched.
            row = conn.execute(select(*columns).where(Article.canonical_url.in_(keys)).limit(1)).first()
            if row is None:
                row = conn.execute(
                    select(*columns)
                    .join(UrlAlias, UrlAlias.article_id == Article.id)
                    .where(UrlAlias.url.in_(keys))
                    .limit(1)
                ).first()
        return None if row is None else (row[0], row[1], row[2])

    def is_stored(self, url: str, *, before: datetime | None = None) -> bool:
        """Whether ``url`` (as given or canonicalised) is a stored article's URL, canonical URL or alias; with
        ``before``, only an article first seen before that moment counts (one an earlier crawl stored, not this
        one: what this crawl stored depends on the order it went, what earlier ones stored does not)."""
        stored = self._stored(url)
        if stored is None:
            return False
        return before is None or bool(stored[2] < before)

    def needs_fetch(self, url: str, *, recheck_after_hours: float) -> bool:
        """False when ``url`` is stored and was last seen less than ``recheck_after_hours`` ago (0 = never re-check).

        Also True once for a stored article whose stored URL has a query (a feed's tracking parameters) met under a
        variant without one: the store then keeps that cleaner URL (``ingest.normalize.url_rank``), so the stored
        URL does not depend on whether the feed or a listing met the article first (an interrupted crawl, a rerun).
        """
        stored = self._stored(url)
        if stored is None:
            return True
        seen, stored_url, _first = stored
        if "?" in stored_url and url_rank(url) < url_rank(stored_url):
            return True
        if recheck_after_hours <= 0:
            return False
        return datetime.now(UTC) - seen >= timedelta(hours=recheck_after_hours)

    def last_finished_at(self, spider: str) -> datetime | None:
        """When the newest run of ``spider`` that finished normally *ended* (None when none did)."""
        with self._engine.connect() as conn:
            return conn.execute(
                select(func.max(CrawlRun.finished_at)).where(CrawlRun.spider == spider, CrawlRun.status == "finished")
            ).scalar()

    def last_successful_run(self, spider: str) -> datetime | None:
        """When the newest run of ``spider`` that finished normally *started* (safe lower bound for the next run)."""
        with self._engine.connect() as conn:
            return conn.execute(
                select(func.max(CrawlRun.started_at)).where(CrawlRun.spider == spider, CrawlRun.status == "finished")
            ).scalar()

    def close(self) -> None:
        """Release the connections (only when this object opened the engine)."""
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> KnownArticles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
