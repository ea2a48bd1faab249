"""The article item that flows from spiders through the pipelines into the database.

Spiders fill the *raw* fields straight from ``ingest.extract``; ``pipelines.normalize`` fills the normalised
fields beside them, so improved rules can re-run on the raw values (``ingest reprocess``). Field names follow
the ``ingest extract`` contract in DESIGN.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class ArticleItem:
    """One news article as seen on one URL."""

    # --- identity -----------------------------------------------------------------------------------------
    url: str  # the URL the page was fetched from (after redirects)
    site: str | None = None  # registry spider name, e.g. "kontumtv"; None for unknown sites
    canonical_url: str | None = None  # normalised: ingest.normalize.canonical_url of rel=canonical/og:url/url

    # --- text (raw as extracted; normalised in place by the normalize stage: NFC + one tone-mark placement) ---
    title: str | None = None
    lead: str | None = None  # the sapo, plain text
    body: str | None = None  # plain text, paragraphs separated by one blank line
    language: str | None = None  # BCP 47, e.g. "vi"

    # --- dates ------------------------------------------------------------------------------------------------
    published_raw: str | None = None  # the date string as printed on the page or in metadata
    published: datetime | None = None  # normalised: timezone-aware, Asia/Ho_Chi_Minh
    published_precision: str | None = None  # "day" | "minute" | "second"
    part_of_day: str | None = None  # "sáng" | "trưa" | "chiều" | "tối" | "đêm" | None
    # normalised: the year of `published` was not printed but inferred (URL, text, other dates, fetch time)
    published_year_inferred: bool = False
    # raw full dates printed elsewhere on the page (related items, comments, stamps): year context for a year-less
    # dateline, never the publication date itself; set by the extractor only when the page prints no dated header
    page_dates: list[str] = field(default_factory=list)
    # the publication date the site gave beside the URL (feed pubDate, REST API date_gmt, news sitemap), if any
    listed_published: datetime | None = None
    modified_raw: str | None = None
    modified: datetime | None = None  # normalised like `published`

    # --- people -----------------------------------------------------------------------------------------------
    byline_raw: str | None = None  # the byline as printed, e.g. "Tin, ảnh: CTV Hiền Lương"
    authors_hint: list[str] = field(default_factory=list)  # raw structured author names (JSON-LD Person), if any
    authors: list[str] = field(default_factory=list)  # normalised person names, printed order
    author_roles: dict[str, list[str]] = field(default_factory=dict)  # name -> ["writer", "photographer", ...]
    organizations: list[str] = field(default_factory=list)  # e.g. ["TTXVN"]
    source: str | None = None  # outlet the story is republished from ("Theo TTXVN" -> "TTXVN")

    # --- classification ---------------------------------------------------------------------------------------
    category: list[str] = field(default_factory=list)  # breadcrumb path, outermost first
    tags: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)  # {"url", "caption", "credit"}

    # --- crawl facts ------------------------------------------------------------------------------------------
    # how the spider came to request this page as an article: "url" (given to the article spider), "pattern",
    # "selector", "feed", "sitemap", "api", "generic" (generic link detection); None when not known
    discovered_by: str | None = None
    fetched_at: datetime | None = None  # timezone-aware time of download
    http_status: int | None = None
    html: bytes | None = None  # the raw response body, kept (compressed in the database) for re-extraction
    encoding: str | None = None  # the encoding the body was decoded with
    # the body came from the generic text-density extractor (the page's layout is one no rule knows)
    fallback_body: bool = False
    legacy_encoding: str | None = None  # "vni" | "tcvn3": text typed for a pre-Unicode font (validate drops it)

    # --- set by pipelines -------------------------------------------------------------------------------------
    content_hash: str | None = None  # hex digest of the normalised title + body (exact duplicates)
    fingerprint: int | None = None  # 64-bit fingerprint (ingest.dedup) of normalised word bigrams (near duplicates)
    duplicate_of: int | None = None  # article id of the earliest near-duplicate copy, if any
    # ingest.normalize.search_key of the normalised title, lead and body joined by blank lines (what the store puts
    # in articles.search_text), computed by the dedup stage with the hashes (ingest.dedup.content_keys)
    search_text: str | None = None


# Request meta key under which spiders carry ``ArticleItem.discovered_by`` from an article request to its item: its
# presence marks a request made for an article page (``ingest.rejects`` keeps such a page if its callback fails).
DISCOVERED_BY_META = "ingest_discovered_by"
# Request meta key of the publication date a feed, a sitemap or the REST API gave beside an article URL (an aware
# datetime): it becomes the item's ``listed_published``, or a :class:`ListedDate` when the page is not fetched.
LISTED_DATE_META = "ingest_listed_date"


@dataclass
class ListedDate:
    """What discovery said about an article URL after the article's own item had gone: a date the feed, the REST
    API or the news sitemap listed (the page was already parsed, stored by an earlier run, or requested by another
    worker), or a cleaner URL for it (``url`` without the query the page was requested with). The store combines
    the date with the stored article by the rule that combines an item's own date with its ``listed_published``
    (``ingest.normalize.choice``) and keeps the better-ranked URL, so the row does not depend on which path reached
    the article first. It passes the normalize (``canonical_url``), validate and dedup stages untouched and is not
    exported: the store consumes it."""

    url: str
    listed_published: datetime | None = None
    site: str | None = None
    canonical_url: str | None = None
