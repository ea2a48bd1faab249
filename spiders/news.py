"""The generic, registry-driven news spider and one subclass per registry site (generated at import).

This module owns the crawl plan for one site: which documents to fetch (feeds, sitemaps from the registry and
from robots.txt ``Sitemap:`` lines, the WordPress REST API where the registry says ``wp_json``, listing pages with
their pagination), which links are articles (the site's article patterns, or its ``links`` selector), when to stop
paging (``max_pages``; ``INGEST_MAX_LISTING_PAGES``; a page of only stored URLs; pages that list no article this run
had not already seen on a listing; dates older than ``since`` or the last successful run), and
which stored articles to skip before download (``INGEST_RECHECK_AFTER_HOURS``). What a document *says* is decided by
the pure functions of ``ingest.discovery``; what an article *is* by ``ingest.extract``. Items go to the pipelines.

Spider arguments (``-a name=value``):

* ``since=DATE`` / ``until=DATE``: ISO date or datetime (Vietnam time when naive). Feed, sitemap and API entries
  dated outside the range are not fetched, paging stops at pages older than ``since``, and downloaded articles whose
  normalised date is outside the range are skipped by the validate stage (counted as ``ingest/skipped_out_of_range``).
* ``max_pages=N``: follow at most N listing pages per start URL (and N REST API pages). Without it the cap is the
  ``INGEST_MAX_LISTING_PAGES`` setting (default 500), and paging also stops after ``_STALE_PAGES`` pages in a row that
  list no article URL this run had not already found on another page of the same kind (endless pagination that
  repeats the same links).
* ``start_url=URL``: crawl a mirror or fixture copy: the registry's start URLs, feeds and sitemaps move to URL's
  scheme and host (``Site.rebase``); a URL with a path other than ``/`` becomes the only start page.
* ``allowed_domains=a,b``: replaces the registry's (or the rebased) domains.

Settings read here: ``INGEST_DB_URL`` (known articles), ``INGEST_RECHECK_AFTER_HOURS``, ``INGEST_INCREMENTAL``
(default on; ``-s INGEST_INCREMENTAL=0`` crawls as if the database were empty), ``INGEST_STATS_FILE`` (write the
crawl's stats there as JSON when the spider closes, for tests and scripts).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import logging
import re
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.engine import make_url
from w3lib.encoding import http_content_type_encoding

from ingest.discovery import (
    MAX_XML_BYTES,
    Entry,
    listing_page,
    parse_datetime,
    parse_feed,
    parse_sitemap,
    parse_wp_posts,
    robots_sitemaps,
    same_site,
)
from ingest.extract import extract_article
from ingest.items import DISCOVERED_BY_META, ArticleItem, ListedDate
from ingest.links import COMMON_SITEMAP_PATHS, PageLinks, classify_links, feed_links, url_shape
from ingest.normalize import VN_TZ, canonical_url
from ingest.normalize.choice import finer, listed_reading
from ingest.registry import Site, load_sites
from ingest.runs import no_articles_found

logger = logging.getLogger(__name__)

# Raw fields ingest.extract returns that ArticleItem also has (the rest of the item is crawl facts or pipeline work).
_ITEM_FIELDS = frozenset(f.name for f in dataclasses.fields(ArticleItem))
_WP_API_PER_PAGE = 20
# A listing whose "next" page never runs out (calendar pages, broken CMS pagination) must end by itself: after this
# many pages in a row with no article URL new to this run, and in any case after INGEST_MAX_LISTING_PAGES pages.
# Two, not one: pages of parallel listings (a category and its parent) may overlap once without the chain being over.
_STALE_PAGES = 2
# Request meta key: the publication date a feed, sitemap or the REST API gave beside an article URL.
LISTED_DATE = "ingest_listed_date"
# HTTP statuses a sitemap probe or robots.txt may answer without it being an error (counted, not logged as one).
_MISSING = [404, 410]
_LATE_DATES_MAX = 10_000
DEFAULT_MAX_LISTING_PAGES = 500


class KnownStore(Protocol):
    """What the spider needs from ``ingest.db.known.KnownArticles``."""

    def is_stored(self, url: str, *, before: datetime | None = None) -> bool: ...
    def last_finished_at(self, spider: str) -> datetime | None: ...
    def needs_fetch(self, url: str, *, recheck_after_hours: float) -> bool: ...
    def last_successful_run(self, spider: str) -> datetime | None: ...
    def close(self) -> None: ...


def open_known(db_url: str) -> KnownStore | None:
    """The database's known-article index, or None when storage is not available (the crawl is then full)."""
    try:
        module = importlib.import_module("ingest.db.known")
    except ImportError:
        logger.warning("ingest.db.known is not available: crawling without incremental skips")
        return None
    known: KnownStore = module.KnownArticles.open(db_url)
    return known


def parse_bound(raw: str | None, *, end: bool = False) -> datetime | None:
    """A ``since``/``until`` argument as an aware datetime: ISO date (start or end of day in Vietnam) or datetime."""
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = datetime.fromisoformat(text).date()
        return datetime.combine(day, time.max if end else time.min, tzinfo=VN_TZ)
    value = parse_datetime(text)
    if value is None:
        raise ValueError(f"not a date: {raw!r} (use YYYY-MM-DD or an ISO datetime)")
    return value


def build_item(response: Response, site: Site | None) -> ArticleItem | None:
    """The article item for a downloaded page: raw fields from ``ingest.extract`` plus crawl facts; None when
    the response is not an HTML page."""
    if not isinstance(response, TextResponse):
        return None
    fetched_at = datetime.now(UTC)
    content_type = response.headers.get(b"Content-Type")
    charset = http_content_type_encoding(content_type.decode("latin-1")) if content_type else None
    extracted = extract_article(
        response.body,
        response.url,
        fetched_at=fetched_at,
        site=site.profile() if site is not None else None,
        charset=charset,
    )
    raw = {
        f.name: getattr(extracted, f.name)
        for f in dataclasses.fields(extracted)
        if f.name in _ITEM_FIELDS and f.name != "url"
    }
    return ArticleItem(
        url=response.url,
        site=site.name if site is not None else None,
        fetched_at=fetched_at,
        http_status=response.status,
        html=response.body,
        **raw,
    )


def _aware_utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def best_listed(dates: Iterable[Any]) -> datetime | None:
    """Of the dates discovery gave for one URL, the one ``ingest.normalize.choice.finer`` prefers (the most
    precise, then the earliest): a fixed choice whatever order the feed, the API and the sitemap came in."""
    best = None
    for value in dates:
        reading = listed_reading(value)
        if reading is not None and (best is None or finer(best[0], reading) is reading):
            best = (reading, value)
    return best[1] if best is not None else None


def drop_not_html(spider: scrapy.Spider, response: Response) -> None:
    """Count and log an article request answered with something that is not a web page (a PDF, an image): there is
    no HTML to keep as a reject, so it is a counted drop (``ingest/dropped/not_html``), never a silent one."""
    kind = response.headers.get(b"Content-Type", b"").decode("latin-1") or "no Content-Type"
    spider.logger.info("not an HTML page, dropped: %s (%s, %d bytes)", response.url, kind, len(response.body))
    if spider.crawler.stats is not None:
        spider.crawler.stats.inc_value("ingest/dropped/not_html")


def write_stats(spider: scrapy.Spider) -> None:
    """Write the crawl's stats as JSON to the ``INGEST_STATS_FILE`` setting's path, when it is set."""
    path = spider.settings.get("INGEST_STATS_FILE")
    if not path or spider.crawler.stats is None:
        return
    stats = spider.crawler.stats.get_stats()
    Path(path).write_text(json.dumps(stats, default=str, indent=1, sort_keys=True), encoding="utf-8")


class NewsSpider(scrapy.Spider):
    """Crawl one registry site; subclasses set ``site`` (and ``name``). See the module docstring for arguments."""

    site: ClassVar[Site]

    def __init__(
        self,
        *args: Any,
        since: str | None = None,
        until: str | None = None,
        max_pages: str | int | None = None,
        start_url: str | None = None,
        allowed_domains: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not hasattr(type(self), "site"):
            raise ValueError("NewsSpider needs a registry site: run one of the per-site spiders (`scrapy list`)")
        site = type(self).site
        if start_url:
            site = site.rebase(start_url)
            if urlsplit(start_url).path not in ("", "/"):
                site = dataclasses.replace(site, start_urls=(start_url,))
        if allowed_domains:
            domains = tuple(d.strip().lower() for d in str(allowed_domains).split(",") if d.strip())
            site = dataclasses.replace(site, domains=domains)
        # An instance attribute: the class keeps the registry's entry, this run may crawl a mirror.
        self.site = site  # type: ignore[misc]
        self.allowed_domains = list(site.domains)
        self.since = parse_bound(since)
        self.until = parse_bound(until, end=True)
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, not {max_pages!r}")
        self.known: KnownStore | None = None
        self._stored_before: datetime | None = None
        # Article URLs (canonical) found so far on listing pages, per kind ("listing", "api"): a page that adds
        # nothing here is stale. Kept per kind so feeds or the API listing an article first do not end the listings.
        # URLs are remembered as 8-byte digests of their canonical form (``_key``), not as text: a sitemap may list
        # every article of a site, and the memory of a crawl must not grow by a URL string per page.
        self._listed: dict[str, set[int]] = {}
        self.cutoff: datetime | None = self.since
        self._seen: set[int] = set()
        # Publication dates the site itself gave beside a URL (feed pubDate, WP API date_gmt, news sitemap): the
        # article's date when its page prints none (some WordPress themes print no date). The date travels in the
        # article request's meta (``LISTED_DATE``), so it lives as long as the queued request; this dict only holds
        # dates found after the URL's request was made without one (a listing page found it before the feed), until
        # that article is parsed, and at most _LATE_DATES_MAX of them (a date found after the page was parsed is
        # of no use and would otherwise stay).
        self._listed_dates: dict[int, datetime] = {}
        # Feeds requested this run (the registry's, and those start pages announce), so each is fetched once.
        self._feeds: set[str] = set(site.feeds)
        # Keys of the article pages this run parsed: a date listed for one of them later goes to the store.
        self._parsed: set[int] = set()
        # Keys of articles requested under a URL with a query (a feed's tracking link), until met without one.
        self._queried: set[int] = set()
        self._distributed = False  # a shared (scrapy-redis) scheduler: another worker may download what this requests

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        spider._distributed = bool(crawler.settings.get("INGEST_REDIS_URL"))
        return spider

    # --- start ------------------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self._open_known()
        site = self.site
        for url in site.feeds:
            yield scrapy.Request(url, callback=self.parse_feed, priority=20)
        for url in site.sitemaps:
            yield self._sitemap_request(url)
        roots = {self._root(u) for u in (*site.start_urls, *site.feeds, *site.sitemaps)}
        for root in sorted(roots):
            yield scrapy.Request(
                root + "robots.txt", callback=self.parse_robots, priority=10, meta={"handle_httpstatus_list": _MISSING}
            )
        if site.wp_json:
            yield self._wp_request(self._root(site.start_urls[0]), 1)
        for url in site.start_urls:
            yield scrapy.Request(url, callback=self.parse_listing, cb_kwargs={"depth": 1})

    def _open_known(self) -> None:
        if not self.settings.getbool("INGEST_INCREMENTAL", True):
            return
        db_url = self.settings.get("INGEST_DB_URL")
        if not db_url:
            return
        try:
            self.known = open_known(db_url)
            last_run = self.known.last_successful_run(self.name) if self.known is not None else None
            finished = self.known.last_finished_at(self.name) if self.known is not None else None
        except Exception as exc:  # any driver's error: the crawl cannot be incremental, so it must not run blind
            shown = make_url(db_url).render_as_string(hide_password=True)
            self.logger.error("cannot read the database %s for an incremental crawl: %s", shown, exc)
            raise CloseSpider("ingest_db_error") from exc
        if self.known is None:
            return
        # "All stored" ends paging only for articles earlier crawls stored: which ones this crawl (or, distributed,
        # another worker of it) stored so far depends on timing, and paging that stopped on it would leave a
        # timing-dependent share of the listed dates unseen. Earlier crawls: those before the last finished run
        # ended, or (no run recorded) before this one began.
        self._stored_before = _aware_utc(finished) or datetime.now(UTC)
        if last_run is not None:
            last_run = last_run.replace(tzinfo=UTC) if last_run.tzinfo is None else last_run
            # A day's margin: listings often print dates to the day, and a post from the afternoon after the last
            # run must not look older than that run. Stored URLs are skipped anyway, so the margin costs little.
            last_run -= timedelta(days=1)
        # Paging stops at whichever is later: the user's `since` or what the last successful run already saw.
        candidates = [d for d in (self.since, last_run) if d is not None]
        self.cutoff = max(candidates) if candidates else None
        if last_run is not None:
            self.logger.info("incremental crawl: paging stops at pages dated before %s", last_run.isoformat())

    def closed(self, reason: str) -> None:
        if self.known is not None:
            self.known.close()
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        if no_articles_found(stats):
            self.logger.error(
                "%s: %d listing page(s) fetched but no article link found on them, in feeds or in sitemaps: the "
                "registry entry is out of date; run `ingest sites check %s` to see what the site links to",
                self.name,
                stats.get("ingest/discovery/listing_pages", 0),
                self.name,
            )
        write_stats(self)

    def _key(self, url: str) -> int:
        """The digest this run remembers ``url`` by: 64 bits of its canonical form (a collision among a million
        URLs has a chance of about 1 in 30 million)."""
        canon = canonical_url(url, strip_www=self.site.strip_www)
        return int.from_bytes(hashlib.blake2b(canon.encode("utf-8"), digest_size=8).digest(), "big")

    @staticmethod
    def _root(url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))

    # --- article requests -------------------------------------------------------------------------------------

    def _stat(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def _in_range(self, when: datetime | None, published: datetime | None = None) -> bool:
        """Whether a page dated ``when`` (its latest date) may fall in since..until. ``until`` is checked against
        ``published`` only: an old article modified after ``until`` was still published inside the range."""
        if when is not None and self.since and when < self.since:
            return False
        return not (published is not None and self.until and published > self.until)

    def is_article_link(self, url: str) -> bool:
        """Whether a link found on a listing page is one of this site's articles."""
        site = self.site
        if not same_site(url, site.domains) or site.is_listing_url(url) or site.is_skipped_url(url):
            return False
        if site.article_patterns:
            return site.is_article_url(url)
        # No patterns: only the site's article-link selector can tell (listing_page applies it).
        return bool(site.selectors.get("links"))

    def is_entry_url(self, url: str) -> bool:
        """Whether a URL from a feed, sitemap or the REST API is worth downloading as an article."""
        site = self.site
        if not same_site(url, site.domains) or site.is_listing_url(url) or site.is_skipped_url(url):
            return False
        if site.article_patterns:
            return site.is_article_url(url)
        # Feeds and post sitemaps list articles; without patterns they are trusted, except for URLs whose shape
        # alone says they are not articles (a site-wide sitemap also lists its categories, tags and the home page).
        shape = url_shape(url)
        return not (shape.kind in ("listing", "other") and shape.strength >= 2)

    def registry_knows_links(self) -> bool:
        """Whether the registry entry says which links are articles (article patterns or a ``links`` selector)."""
        return bool(self.site.article_patterns or self.site.selectors.get("links"))

    def article_request(
        self, url: str, *, via: str | None = None, when: datetime | None = None, published: datetime | None = None
    ) -> scrapy.Request | ListedDate | None:
        """A request for an article URL found ``via`` a route of ``ArticleItem.discovered_by`` ("pattern", "feed",
        ...; None: unknown, so the validate stage's listing test applies), or None when it was seen in this run, is
        out of range, or is stored and not due for a re-check. A publication date found for a page this run already
        parsed, or for a stored one not fetched again, comes back as a :class:`ListedDate` for the store instead; so
        does the first URL without a query met for an article requested under one (a feed's tracking link): the
        store keeps the cleaner URL (``url_rank``), so the row's URL does not depend on whether the feed or a
        listing came first."""
        key = self._key(url)
        if key in self._seen:
            cleaner = key in self._queried and "?" not in url
            if cleaner:
                self._queried.discard(key)
            elif published is None:
                return None
            elif key not in self._parsed and len(self._listed_dates) < _LATE_DATES_MAX:
                # The page is still to come: if this process parses it, the date rides on its item. In distributed
                # mode another worker may parse it, so the store gets the date too (applying it twice is harmless).
                self._listed_dates[key] = best_listed([self._listed_dates.get(key), published]) or published
                if not self._distributed:
                    return None
            return self._listed_note(url, published)
        self._seen.add(key)
        # Every distinct article URL found, whether or not it is fetched (the run's verdict needs "found any").
        self._stat("ingest/discovery/article_urls")
        if not self._in_range(when, published):
            self._stat("ingest/skipped_out_of_range")
            return None
        if self.known is not None:
            hours = self.settings.getfloat("INGEST_RECHECK_AFTER_HOURS", 0.0)
            if not self.known.needs_fetch(url, recheck_after_hours=hours):
                self._stat("ingest/skipped_known")
                # The stored row may lack this date (an earlier run parsed the page before the API listed it).
                return self._listed_note(url, published) if published is not None else None
        # How the URL was found travels with the request (and its redirects) to the item: a page requested as an
        # article is judged as one (pipelines/validate.py), and kept as a reject if its callback fails.
        meta: dict[str, Any] = {DISCOVERED_BY_META: via} if via is not None else {}
        if published is not None:
            meta[LISTED_DATE] = published
        if "?" in url:
            self._queried.add(key)
        return scrapy.Request(url, callback=self.parse_article, priority=30, meta=meta)

    def _listed_note(self, url: str, published: datetime | None) -> ListedDate:
        self._stat("ingest/listed_dates/sent")
        return ListedDate(url=url, listed_published=published, site=self.site.name)

    def _request_dropped(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """A dated article request the scheduler dropped as already seen (in distributed mode, another worker
        requested the URL first, without this date): the date goes to the store as a :class:`ListedDate`."""
        listed = request.meta.get(LISTED_DATE)
        if spider is not self or not isinstance(listed, datetime):
            return
        self._send_to_pipelines(self._listed_note(request.url, listed))

    def _send_to_pipelines(self, item: ListedDate) -> None:
        """Hand ``item`` to the item pipelines from outside a callback (the engine's public item entry)."""
        if self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.scraper.start_itemproc_async(item, response=None))

    def _entries(self, entries: Iterable[Entry], via: str) -> Iterable[scrapy.Request | ListedDate]:
        for entry in entries:
            if not self.is_entry_url(entry.url):
                continue
            request = self.article_request(entry.url, via=via, when=entry.date, published=entry.published)
            if request is not None:
                yield request

    # --- callbacks --------------------------------------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request | ListedDate]:
        entries = parse_feed(response.body, response.url)
        self._stat("ingest/discovery/feed_entries", len(entries))
        yield from self._entries(entries, "feed")

    def parse_robots(self, response: Response) -> Iterable[scrapy.Request]:
        found: list[str] = []
        if response.status == 200:
            text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
            found = [url for url in robots_sitemaps(text, response.url) if same_site(url, self.site.domains)]
        for url in found:
            yield self._sitemap_request(url)
        if not found and not self.site.sitemaps:
            # Neither the registry nor robots.txt names a sitemap: try where sites usually put one. A miss costs one
            # small request and is counted (ingest/discovery/sitemap_probe_missing), not logged as an error.
            root = self._root(response.url)
            for path in COMMON_SITEMAP_PATHS:
                self._stat("ingest/discovery/sitemap_probes")
                yield self._sitemap_request(root + path.lstrip("/"), probe=True)

    def _sitemap_request(self, url: str, *, probe: bool = False) -> scrapy.Request:
        # Sitemaps may legitimately reach the protocol's 50 MB, far above the article limit DOWNLOAD_MAXSIZE.
        # A missing sitemap (the registry's guess, a probe) is counted, not logged as an error.
        meta: dict[str, Any] = {"download_maxsize": MAX_XML_BYTES, "handle_httpstatus_list": _MISSING}
        if probe:
            meta["sitemap_probe"] = True
        return scrapy.Request(url, callback=self.parse_sitemap, priority=10, meta=meta)

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request | ListedDate]:
        # A response built without a request (tests, a saved sitemap) has no meta: it is then not a probe.
        probe = response.request is not None and bool(response.request.meta.get("sitemap_probe"))
        if response.status in _MISSING:
            self._stat("ingest/discovery/sitemap_probe_missing" if probe else "ingest/discovery/sitemap_missing")
            if not probe:
                # Named by the registry, robots.txt or a sitemap index: worth a look at the entry, not a failure.
                self.logger.warning("sitemap %s answered HTTP %d", response.url, response.status)
            return
        doc = parse_sitemap(response.body, response.url)
        if probe:
            self._stat(f"ingest/discovery/sitemap_probe_{'found' if doc.entries else 'empty'}")
        if doc.kind == "index":
            for entry in doc.entries:
                # A sub-sitemap last changed before `since` holds nothing newer.
                if self.since and entry.modified and entry.modified < self.since:
                    continue
                if same_site(entry.url, self.site.domains):
                    yield self._sitemap_request(entry.url)
            return
        self._stat("ingest/discovery/sitemap_entries", len(doc.entries))
        yield from self._entries(doc.entries, "sitemap")

    def _wp_request(self, root: str, page: int, stale: int = 0) -> scrapy.Request:
        url = (
            f"{root}wp-json/wp/v2/posts?per_page={_WP_API_PER_PAGE}&page={page}"
            "&_fields=link,date,date_gmt,modified,modified_gmt"
        )
        return scrapy.Request(
            url, callback=self.parse_wp_json, cb_kwargs={"page": page, "root": root, "stale": stale}, priority=15
        )

    def parse_wp_json(
        self, response: Response, page: int, root: str, stale: int = 0
    ) -> Iterable[scrapy.Request | ListedDate]:
        entries = parse_wp_posts(response.body)
        self._stat("ingest/discovery/api_entries", len(entries))
        yield from self._entries(entries, "api")
        total = response.headers.get(b"X-WP-TotalPages")
        last_page = int(total) if total and total.isdigit() else None
        if not entries or (last_page is not None and page >= last_page):
            return
        urls = [e.url for e in entries]
        stale = self._stale(urls, stale, "api")
        if self._stop_paging(urls, [e.date for e in entries if e.date is not None], page, "api", stale):
            return
        yield self._wp_request(root, page + 1, stale)

    def parse_listing(self, response: Response, depth: int, stale: int = 0) -> Iterable[scrapy.Request | ListedDate]:
        if not isinstance(response, TextResponse):
            return
        self._stat("ingest/discovery/listing_pages")
        page = listing_page(
            response.body,
            response.url,
            is_article=self.is_article_link,
            is_listing=self.site.is_listing_url,
            link_selector=self.site.selectors.get("links"),
        )
        generic = classify_links(response.body, response.url, self.site.domains)
        extra = self.generic_articles(page.article_urls, generic)
        self._stat("ingest/discovery/listing_links", len(page.article_urls))
        # is_article_link takes the site's patterns when it has any, else its `links` selector (listing_page).
        via = "pattern" if self.site.article_patterns else "selector"
        for url in page.article_urls:
            request = self.article_request(url, via=via)
            if request is not None:
                yield request
        for url in extra:
            request = self.article_request(url, via="generic")
            if request is not None:
                yield request
        if depth == 1:
            yield from self._announced_feeds(response)
        found = [*page.article_urls, *extra]
        stale = self._stale(found, stale, "listing")
        if self._stop_paging(found, page.dates, depth, "listing", stale):
            return
        next_urls = page.next_urls
        if not next_urls and generic.next_url is not None:
            # No rel=next, "Trang sau" or listing-pattern link: the numbered page links give page N+1.
            self._stat("ingest/links/generic_next_page")
            next_urls = [generic.next_url]
        for url in next_urls:
            if same_site(url, self.site.domains):
                yield scrapy.Request(url, callback=self.parse_listing, cb_kwargs={"depth": depth + 1, "stale": stale})

    def generic_articles(self, registry_urls: list[str], generic: PageLinks) -> list[str]:
        """Article links generic detection adds to what the registry entry found on a listing page.

        * No patterns and no ``links`` selector: every link generic detection classes as an article
          (``ingest/links/generic``).
        * The registry's patterns or selector select nothing on a page where generic detection finds articles: the
          entry is stale, generic detection stands in (``ingest/links/registry_stale`` counts such pages).
        * Otherwise, links the registry missed that generic detection classes as articles with high confidence
          (``ingest/links/registry_missed``).

        The entry's listing and skip patterns still apply. Every link added is counted in ``ingest/links/generic``."""
        site = self.site

        def usable(url: str) -> bool:
            return same_site(url, site.domains) and not site.is_listing_url(url) and not site.is_skipped_url(url)

        if not self.registry_knows_links():
            extra = [u for u in generic.articles if usable(u)]
        elif not registry_urls:
            extra = [u for u in generic.articles if usable(u)]
            if extra:
                self._stat("ingest/links/registry_stale")
        else:
            have = {self._key(u) for u in registry_urls}
            extra = [u for u in generic.high if usable(u) and self._key(u) not in have]
            if extra:
                self._stat("ingest/links/registry_missed", len(extra))
        if extra:
            self._stat("ingest/links/generic", len(extra))
        return extra

    def _announced_feeds(self, response: TextResponse) -> Iterable[scrapy.Request]:
        """Feeds a start page announces with ``<link rel="alternate">`` that the registry does not list."""
        for url in feed_links(response.body, response.url):
            if url in self._feeds or not same_site(url, self.site.domains):
                continue
            self._feeds.add(url)
            self._stat("ingest/discovery/feeds_announced")
            yield scrapy.Request(url, callback=self.parse_feed, priority=20)

    def _stale(self, urls: list[str], stale: int, kind: str) -> int:
        """The number of pages in a row (this one included) that listed no article URL new to this run's ``kind``
        pages; a page with a new one resets it to 0."""
        listed = self._listed.setdefault(kind, set())
        keys = {self._key(u) for u in urls}
        fresh = keys - listed
        listed |= fresh
        return 0 if fresh else stale + 1

    def _stop_paging(self, urls: list[str], dates: list[datetime], depth: int, kind: str, stale: int = 0) -> bool:
        """Whether the page after this one is not worth fetching (and why, in the stats)."""
        reason = None
        cap = self.settings.getint("INGEST_MAX_LISTING_PAGES", DEFAULT_MAX_LISTING_PAGES)
        if self.max_pages is not None and depth >= self.max_pages:
            reason = "max_pages"
        elif self.max_pages is None and cap > 0 and depth >= cap:
            reason = "page_cap"
        elif stale >= _STALE_PAGES:
            reason = "no_new_articles"
        elif self.cutoff is not None and dates and max(dates) < self.cutoff:
            reason = "older_than_cutoff"
        elif self.known is not None and urls and all(self.known.is_stored(u, before=self._stored_before) for u in urls):
            reason = "all_stored"
        if reason is None:
            return False
        self._stat(f"ingest/paging_stopped/{reason}")
        # The cap is worth seeing in an ordinary crawl log: the site may hold more than was crawled.
        level = logging.INFO if reason == "page_cap" else logging.DEBUG
        self.logger.log(level, "%s paging stops at depth %d: %s", kind, depth, reason)
        return True

    def parse_article(self, response: Response) -> Iterable[ArticleItem]:
        item = build_item(response, self.site)
        if item is None:
            drop_not_html(self, response)
            return
        item.discovered_by = response.meta.get(DISCOVERED_BY_META)
        keys = {self._key(response.url)}
        if response.request is not None:
            keys.add(self._key(response.request.url))
        self._parsed |= keys
        late = [d for d in (self._listed_dates.pop(k, None) for k in keys) if d is not None]
        # The date discovery gave beside this URL travels beside the page's own: the normalize stage combines the
        # two by a fixed rule (ingest.normalize.choice), and the since/until range is checked on the result in the
        # validate stage, so neither depends on which path requested the page first.
        item.listed_published = best_listed([response.meta.get(LISTED_DATE), *late])
        yield item


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Spider"


def _site_spiders(sites: Iterable[Site]) -> dict[str, type[NewsSpider]]:
    classes: dict[str, type[NewsSpider]] = {}
    for site in sites:
        attrs: dict[str, Any] = {
            "name": site.name,
            "site": site,
            "custom_settings": dict(site.politeness),
            "__module__": __name__,
            "__doc__": f"{site.title} ({', '.join(site.domains)}): {site.cms} site in {site.province}.",
        }
        classes[_class_name(site.name)] = type(_class_name(site.name), (NewsSpider,), attrs)
    return classes


# One spider class per registry site, so `scrapy list` shows them and `scrapy crawl kontumtv` works.
globals().update(_site_spiders(load_sites().values()))
