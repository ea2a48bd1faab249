"""The narrow read API incremental crawls use: what is stored already, and when the last runs were.

Crawl components never see models or sessions (DESIGN.md); they get :class:`StoredArticle` facts, yes/no answers
and datetimes (all timezone-aware, UTC). :meth:`KnownArticles.lookup` answers for a whole listing page in one
statement. This module reads only; it never imports the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Final, NamedTuple

from sqlalchemy import BindParameter, CompoundSelect, Engine, Integer, bindparam, func, literal, select, union_all

from ingest.db.engine import get_engine
from ingest.db.models import Article, CrawlRun, RejectedPage, UrlAlias
from ingest.normalize import canonical_url, url_rank

# URL keys per statement: a listing page (a few hundred links, two keys each) is one statement; a 50,000-entry
# sitemap a few dozen, each well under SQLite's and PostgreSQL's bound-parameter limits.
_KEYS_PER_STATEMENT: Final = 2000
# What a row of the lookup statement matched: a canonical URL, an alias, an unresolved reject.
_CANONICAL, _ALIAS, _REJECT = 1, 0, 2


def _lookup_statement(*, rejects: bool) -> CompoundSelect[str, int, str, datetime, datetime]:
    """The lookup statement with the URL keys (``keys``, an expanding list) and the reject threshold (``attempts``)
    as parameters. Built once at import and reused: built per call, it coerced every key into a literal, about
    half of a listing page's lookup CPU (SQLAlchemy caches the compiled form either way)."""
    # Canonical URLs (unique index) and aliases (indexed) cover every fetched URL: the store files a fetched URL
    # that is not canonical as an alias, so ``articles.url`` (no index: a scan) need not be searched.
    keys: BindParameter[str] = bindparam("keys", expanding=True)
    columns = (Article.url, Article.first_seen_at, Article.last_seen_at)
    by_canonical = select(Article.canonical_url.label("key"), literal(_CANONICAL).label("kind"), *columns).where(
        Article.canonical_url.in_(keys)
    )
    by_alias = (
        select(UrlAlias.url.label("key"), literal(_ALIAS).label("kind"), *columns)
        .join(Article, UrlAlias.article_id == Article.id)
        .where(UrlAlias.url.in_(keys))
    )
    if not rejects:
        return union_all(by_canonical, by_alias)
    # Unresolved rejects kept at least ``attempts`` times (a parameter too).
    reject_columns = (RejectedPage.url, RejectedPage.first_seen_at, RejectedPage.last_seen_at)
    by_reject = select(RejectedPage.url.label("key"), literal(_REJECT).label("kind"), *reject_columns).where(
        RejectedPage.url.in_(keys),
        RejectedPage.resolved_at.is_(None),
        RejectedPage.attempts >= bindparam("attempts", type_=Integer),
    )
    return union_all(by_canonical, by_alias, by_reject)


_LOOKUP: Final = _lookup_statement(rejects=False)
_LOOKUP_WITH_REJECTS: Final = _lookup_statement(rejects=True)


class StoredArticle(NamedTuple):
    """What an incremental crawl needs to know of the stored article a URL belongs to."""

    url: str  # the article's stored URL
    first_seen_at: datetime
    last_seen_at: datetime

    def stored_before(self, moment: datetime | None) -> bool:
        """Whether the article was first stored before ``moment`` (always, when ``moment`` is None)."""
        return moment is None or self.first_seen_at < moment

    def needs_fetch(self, url: str, *, recheck_after_hours: float, now: datetime) -> bool:
        """Whether the page at ``url`` (this article's) is worth downloading again: when it was last seen at least
        ``recheck_after_hours`` ago (0 = never re-check); and once when the stored URL has a query (a feed's tracking
        parameters) and ``url`` is a cleaner variant: the store then keeps that cleaner URL
        (``ingest.normalize.url_rank``), so the stored URL does not depend on whether the feed or a listing met the
        article first (an interrupted crawl, a rerun)."""
        if "?" in self.url and url_rank(url) < url_rank(self.url):
            return True
        if recheck_after_hours <= 0:
            return False
        return now - self.last_seen_at >= timedelta(hours=recheck_after_hours)


class KnownArticles:
    """Answers "which of these URLs are stored?" against one database."""

    def __init__(self, engine: Engine, *, owns_engine: bool = False) -> None:
        self._engine = engine
        self._owns_engine = owns_engine

    @classmethod
    def open(cls, db_url: str) -> KnownArticles:
        """Open the database at ``db_url`` (brought to the current schema, so a new database is simply empty)."""
        return cls(get_engine(db_url, migrate=True), owns_engine=True)

    @property
    def engine(self) -> Engine:
        """The engine the answers come from."""
        return self._engine

    @staticmethod
    def _keys(url: str) -> tuple[str, ...]:
        canon = canonical_url(url)
        return (url, canon) if canon and canon != url else (url,)

    def lookup(self, urls: Iterable[str]) -> dict[str, StoredArticle]:
        """The stored article of each of ``urls`` that is stored (as given or canonicalised, under its canonical
        URL or an alias); URLs not stored are left out. One statement per ``_KEYS_PER_STATEMENT`` keys: a listing
        page's links are one round trip."""
        return self.lookup_with_rejects(urls, reject_attempts=0)[0]

    def lookup_with_rejects(
        self, urls: Iterable[str], *, reject_attempts: int
    ) -> tuple[dict[str, StoredArticle], set[str]]:
        """:meth:`lookup`, and in the same statement those of ``urls`` not stored whose page was kept as a reject
        (fetched as an article but not storable: no title, no body, ...) at least ``reject_attempts`` times and
        never stored since (none when ``reject_attempts`` is 0). An incremental crawl stops fetching those
        (``ingest reprocess --rejected`` retries them from their stored HTML)."""
        keys_of = {url: self._keys(url) for url in dict.fromkeys(urls)}
        keys = list(dict.fromkeys(k for ks in keys_of.values() for k in ks))
        # key -> (matched the canonical URL, article); a canonical match wins over an alias.
        found: dict[str, tuple[bool, StoredArticle]] = {}
        rejected_keys: set[str] = set()
        statement = _LOOKUP_WITH_REJECTS if reject_attempts > 0 else _LOOKUP
        with self._engine.connect() as conn:
            for start in range(0, len(keys), _KEYS_PER_STATEMENT):
                params: dict[str, object] = {"keys": keys[start : start + _KEYS_PER_STATEMENT]}
                if reject_attempts > 0:
                    params["attempts"] = reject_attempts
                for key, kind, stored_url, first_seen, last_seen in conn.execute(statement, params):
                    if kind == _REJECT:
                        rejected_keys.add(key)
                    elif key not in found or (kind == _CANONICAL and not found[key][0]):
                        found[key] = (kind == _CANONICAL, StoredArticle(stored_url, first_seen, last_seen))
        answers: dict[str, StoredArticle] = {}
        rejected: set[str] = set()
        for url, url_keys in keys_of.items():
            # Canonical matches first, then aliases, each in key order: the answer of the one-URL queries before.
            for want in (True, False):
                hit = next((found[k][1] for k in url_keys if k in found and found[k][0] is want), None)
                if hit is not None:
                    answers[url] = hit
                    break
            else:
                if any(k in rejected_keys for k in url_keys):
                    rejected.add(url)
        return answers, rejected

    def is_stored(self, url: str, *, before: datetime | None = None) -> bool:
        """Whether ``url`` is a stored article's URL (see :meth:`lookup`); with ``before``, only an article first
        seen before that moment counts (one an earlier crawl stored, not this one)."""
        stored = self.lookup([url]).get(url)
        return stored is not None and stored.stored_before(before)

    def needs_fetch(self, url: str, *, recheck_after_hours: float) -> bool:
        """True when ``url`` is not stored or its article is due again (:meth:`StoredArticle.needs_fetch`)."""
        stored = self.lookup([url]).get(url)
        return stored is None or stored.needs_fetch(url, recheck_after_hours=recheck_after_hours, now=datetime.now(UTC))

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
