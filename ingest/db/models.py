"""The database schema as typed SQLAlchemy 2.0 models (the Alembic migrations are written against these).

Every timestamp is stored in UTC (``UTCDateTime`` converts aware datetimes on the way in and returns aware UTC
datetimes on the way out, also on SQLite, which has no time zones). Normalised values sit beside the raw strings
they came from, and the raw HTML is kept zlib-compressed so ``ingest reprocess`` can re-extract without
re-crawling.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC; naive input is refused (it would be ambiguous)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every ingest table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Site(Base):
    """A crawled site, by its registry (spider) name."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str | None] = mapped_column(String(300))
    province: Mapped[str | None] = mapped_column(String(100))


class CrawlRun(Base):
    """One spider run, written by ``ingest.runs.CrawlRunRecorder``."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    spider: Mapped[str] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))  # running | finished | failed | cancelled
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    drops: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # reason -> count
    items_stored: Mapped[int] = mapped_column(Integer, default=0)
    # Migration 0004: pages fetched as articles that could not be stored (kept in ``rejected_pages``), and what the
    # run had to work around, e.g. {"generic_links": 12, "registry_stale": 1} when generic link detection stood in
    # for the registry's patterns (the run is then ``finished`` but flagged).
    items_rejected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    flags: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Source(Base):
    """An outlet a story is republished from ("Theo TTXVN" -> TTXVN)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)


class Author(Base):
    """A person, by normalised name (NFC, one tone-mark placement, capitals title-cased)."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)


class Organisation(Base):
    """An organisation named in a byline (e.g. TTXVN)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)


class Article(Base):
    """One distinct article, under its canonical URL."""

    __tablename__ = "articles"
    __table_args__ = (
        # Migration 0002: newest-first search walks the first, ``ingest stats`` reads only the second.
        Index("ix_articles_published_dup_site", "published_at", "duplicate_of", "site"),
        Index("ix_articles_site_published_dup", "site", "published_at", "duplicate_of"),
        Index("ix_articles_content_hash", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)  # the URL first fetched
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    site: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(Text)
    lead: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(20))
    published_at: Mapped[datetime | None]
    published_raw: Mapped[str | None] = mapped_column(Text)
    published_precision: Mapped[str | None] = mapped_column(String(10))
    # Migration 0004: the year of ``published_at`` was not printed but inferred (from the URL, the text, the page's
    # other dates or the fetch time), so a copy that prints the year outranks it.
    published_year_inferred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    part_of_day: Mapped[str | None] = mapped_column(String(10))
    modified_at: Mapped[datetime | None]
    modified_raw: Mapped[str | None] = mapped_column(Text)
    byline_raw: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    category: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    images: Mapped[list[Any]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    # 64-bit fingerprint (ingest.dedup: 1-bit MinHash) stored as a signed BIGINT (see ingest.dedup.to_signed).
    fingerprint: Mapped[int | None] = mapped_column(BigInteger)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")  # ingest.normalize.search_key of title+lead+body
    fetched_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    http_status: Mapped[int | None] = mapped_column(SmallInteger)
    html_encoding: Mapped[str | None] = mapped_column(String(40))
    html_zlib: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed response body

    source: Mapped[Source | None] = relationship()
    authors: Mapped[list[ArticleAuthor]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleAuthor.position"
    )


# The role a named author is filed under when the byline said nothing about what they did. The store writes it and
# the reads leave it out of ``author_roles`` (only printed roles are shown): both import it from here, so a read
# never needs the writer for it.
DEFAULT_ROLE = "author"


class ArticleAuthor(Base):
    """Who wrote an article, in printed order, with each person's role."""

    __tablename__ = "article_authors"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)  # writer, photographer, ...
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    article: Mapped[Article] = relationship(back_populates="authors")
    author: Mapped[Author] = relationship()


class ArticleOrganisation(Base):
    """Organisations named in an article's byline."""

    __tablename__ = "article_organisations"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True, index=True)


class ArticleVersion(Base):
    """The content an article had before an update (history; the current content is in ``articles``)."""

    __tablename__ = "article_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    lead: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    modified_at: Mapped[datetime | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    # Migration 0004: the raw strings and URL of the copy this version records, and why it was kept
    # ("content_changed": newer content replaced it; "merged": a duplicate copy whose better fields were merged in).
    url: Mapped[str | None] = mapped_column(Text)
    published_raw: Mapped[str | None] = mapped_column(Text)
    byline_raw: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(30), default="content_changed", server_default="content_changed")
    fetched_at: Mapped[datetime | None]  # when this (old) content was fetched
    replaced_at: Mapped[datetime]  # when newer content replaced it
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))


class UrlAlias(Base):
    """Another URL for a stored article: a fetched URL that is not canonical, or an exact duplicate's URL."""

    __tablename__ = "url_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    site: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(30))  # "fetched_url" | "duplicate_exact"
    created_at: Mapped[datetime]


class FingerprintBand(Base):
    """One LSH band key of an article's fingerprint (``ingest.dedup.band_keys``) and the fingerprint itself.

    Near-duplicate lookups search the index on (band_key, fingerprint, article_id) and compare fingerprints inside
    it, never touching the wide ``articles`` rows of unrelated candidates; the rows sit in article order (the
    primary key, SQLite WITHOUT ROWID), so writing and deleting an article's rows is one short range.

    No foreign key (migration 0005): checking one cost as much as writing the row (on PostgreSQL a probe and a row
    lock of the article, 15 per article), and only the store writes these rows, for articles its transaction wrote.
    Deleting an article deletes its rows through the trigger ``articles_bands_ad``, as the key's cascade did.
    """

    __tablename__ = "fingerprint_bands"
    __table_args__ = (
        Index("ix_fingerprint_bands_key", "band_key", "fingerprint", "article_id"),
        {"sqlite_with_rowid": False},
    )

    article_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    fingerprint: Mapped[int] = mapped_column(BigInteger)  # signed, as articles.fingerprint


class RejectedPage(Base):
    """A page fetched as an article that could not be stored (no title, no body even from the generic extractor,
    legacy font, ...), kept with its raw HTML so ``ingest reprocess --rejected`` can retry it with newer rules.

    One row per URL: a page rejected again updates its row (``attempts`` counts the rejections); a page that a
    later extractor stores gets ``resolved_at`` and the ``article_id`` it became.
    """

    __tablename__ = "rejected_pages"
    __table_args__ = (Index("ix_rejected_pages_site_reason", "site", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    site: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(50))  # the validate stage's drop reason, e.g. "no_body"
    detail: Mapped[str | None] = mapped_column(Text)  # a human-readable explanation
    fetched_at: Mapped[datetime | None]
    http_status: Mapped[int | None] = mapped_column(SmallInteger)
    html_encoding: Mapped[str | None] = mapped_column(String(40))
    html_zlib: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed response body
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    resolved_at: Mapped[datetime | None]
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
