"""The generic, registry-driven news spider and one subclass per registry site (generated at import).

This module owns the crawl plan for one site: which documents to fetch (feeds, sitemaps from the registry and
from robots.txt ``Sitemap:`` lines, the WordPress REST API where the registry says ``wp_json``, listing pages with
their pagination), which links are articles (the site's article patterns, or its ``links`` selector, with generic
link detection from ``ingest.links``), and the in-run memory of what it already requested. What a document *says* is
decided by the pure functions of ``ingest.discovery``; when to stop paging by those of ``ingest.paging``; what an
article *is* by ``ingest.extract``. Items go to the pipelines.

The database is not read here: ``ingest.incremental.IncrementalMiddleware`` holds back the article requests of
stored pages and the next pages of listings that hold nothing new (``incremental = True`` asks for it), one batched
query per listing page. The spider tells it what each listing page listed (``ingest.paging.ListedPage`` on the
next-page request).

Spider arguments (``-a name=value``):

* ``since=DATE`` / ``until=DATE``: ISO date or datetime (Vietnam time when naive). Feed, sitemap and API entries
  dated outside the range are not fetched, paging stops at pages older than ``since``, and downloaded articles whose
  normalised date is outside the range are skipped by the validate stage (counted as ``ingest/skipped_out_of_range``).
* ``max_pages=N``: follow at most N listing pages per start URL (and N REST API pages). Without it the cap is the
  ``INGEST_MAX_LISTING_PAGES`` setting (default 500), and paging also stops after ``ingest.paging.STALE_PAGES``
  pages in a row that list no article URL this run had not already found on another page of the same kind (endless
  pagination that repeats the same links).
* ``start_url=URL``: crawl a mirror or fixture copy: the registry's start URLs, feeds and sitemaps move to URL's
  scheme and host (``Site.rebase``); a URL with a path other than ``/`` becomes the only start page.
* ``allowed_domains=a,b``: replaces the registry's (or the rebased) domains.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import deferred_from_coro

from ingest.discovery import (
    MAX_XML_BYTES,
    Entry,
    listing_page,
    parse_feed,
    parse_sitemap,
    parse_wp_posts,
    robots_sitemaps,
    same_site,
)
from ingest.items import DISCOVERED_BY_META, LISTED_DATE_META, ArticleItem, ListedDate
from ingest.links import COMMON_SITEMAP_PATHS, PageLinks, classify_links, feed_links, url_shape
from ingest.normalize import canonical_url
from ingest.paging import (
    DEFAULT_MAX_LISTING_PAGES,
    PAGE_META,
    ListedPage,
    articles_known,
    in_range,
    paging_stop,
    parse_bound,
    stale_count,
)
from ingest.registry import Site, load_sites
from ingest.verdict import no_articles_found
from spiders.common import best_listed, build_item, drop_not_html

logger = logging.getLogger(__name__)

_WP_API_PER_PAGE = 20
# HTTP statuses a sitemap probe or robots.txt may answer without it being an error (counted, not logged as one).
_MISSING = [404, 410]
_LATE_DATES_MAX = 10_000
# Flags of NewsSpider._urls (what this run knows of a URL); the bits from _FIRST_KIND up name kinds of listing page.
_SEEN = 1
_PARSED = 2
_QUERIED = 4
_FIRST_KIND = 8


# The keys of the URLs met last (``NewsSpider._key``): a listing page keys each link for its request and again for the
# stale-page rule, an article page its request's URL and the response's (the same, unless redirected). Bounded: the
# run's memory must not grow by a URL string per page.
@lru_cache(maxsize=1024)
def _url_key(url: str, strip_www: bool) -> int:
    canon = canonical_url(url, strip_www=strip_www)
    return int.from_bytes(hashlib.blake2b(canon.encode("utf-8"), digest_size=8).digest(), "big")


class NewsSpider(scrapy.Spider):
    """Crawl one registry site; subclasses set ``site`` (and ``name``). See the module docstring for arguments."""

    site: ClassVar[Site]
    # Ask for ingest.incremental.IncrementalMiddleware: stored articles are not requested again.
    incremental: ClassVar[bool] = True

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
        self.page_cap = DEFAULT_MAX_LISTING_PAGES  # INGEST_MAX_LISTING_PAGES, read in from_crawler
        # What this run knows of each URL, by an 8-byte digest of its canonical form (``_key``), as bit flags in ONE
        # dict: _SEEN (requested, or found out of range), _PARSED (its article page was parsed here), _QUERIED
        # (requested under a URL with a query, a feed's tracking link, until met without one; the incremental
        # middleware says which of them it held back as stored: articles_known), and one bit per kind of listing
        # page ("listing", "api": ``_kind_bit``) that listed it, for the stale-page rule (kept per kind, so feeds or
        # the API listing an article first do not end the listings). A sitemap may list every article of a site, so
        # the memory of a crawl must not grow by a URL string per page, nor by a set entry per page and question: a
        # dict entry with a small-int value costs about 65 bytes, a set entry about 140 (sets keep more room free).
        self._urls: dict[int, int] = {}
        self._kind_bits: dict[str, int] = {}
        # Publication dates the site itself gave beside a URL (feed pubDate, WP API date_gmt, news sitemap): the
        # article's date when its page prints none (some WordPress themes print no date). The date travels in the
        # article request's meta (``LISTED_DATE_META``), so it lives as long as the queued request; this dict only holds
        # dates found after the URL's request was made without one (a listing page found it before the feed), until
        # that article is parsed, and at most _LATE_DATES_MAX of them (a date found after the page was parsed is
        # of no use and would otherwise stay).
        self._listed_dates: dict[int, datetime] = {}
        # Feeds requested this run (the registry's, and those start pages announce), so each is fetched once.
        self._feeds: set[str] = set(site.feeds)
        self._distributed = False  # a shared (scrapy-redis) scheduler: another worker may download what this requests

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._articles_known, signal=articles_known)
        spider._distributed = bool(crawler.settings.get("INGEST_REDIS_URL"))
        spider.page_cap = crawler.settings.getint("INGEST_MAX_LISTING_PAGES", DEFAULT_MAX_LISTING_PAGES)
        return spider

    # --- start ------------------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
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

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        if no_articles_found(stats):
            self.logger.error(
                "%s: %d listing page(s) fetched but no article link found on them, in feeds or in sitemaps: the "
                "registry entry is out of date; run `ingest sites check %s` to see what the site links to",
                self.name,
                stats.get("ingest/discovery/listing_pages", 0),
                self.name,
            )

    def _key(self, url: str) -> int:
        """The digest this run remembers ``url`` by: 64 bits of its canonical form (a collision among a million
        URLs has a chance of about 1 in 30 million)."""
        return _url_key(url, self.site.strip_www)

    @staticmethod
    def _root(url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))

    # --- article requests -------------------------------------------------------------------------------------

    def _stat(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

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
        ...; None: unknown, so the validate stage's listing test applies), or None when it was seen in this run or is
        out of range. For a URL seen already, a publication date waits for the page's item, or comes back as a
        :class:`ListedDate` for the store when the page was parsed already (distributed: also when another worker
        may parse it); so does the first URL without a query met for an article requested under one (a feed's
        tracking link): the store keeps the cleaner URL (``url_rank``), so the row's URL does not depend on whether
        the feed or a listing came first. Whether the page is stored already is the incremental middleware's
        question, asked for the whole page's requests at once."""
        key = self._key(url)
        flags = self._urls.get(key, 0)
        if flags & _SEEN:
            cleaner = bool(flags & _QUERIED) and "?" not in url
            if cleaner:
                self._urls[key] = flags & ~_QUERIED
            elif published is None:
                return None
            elif not flags & _PARSED and len(self._listed_dates) < _LATE_DATES_MAX:
                # The page is still to come: if this process parses it, the date rides on its item. In distributed
                # mode another worker may parse it, so the store gets the date too (applying it twice is harmless).
                self._listed_dates[key] = best_listed([self._listed_dates.get(key), published]) or published
                if not self._distributed:
                    return None
            return self._listed_note(url, published)
        flags |= _SEEN
        self._urls[key] = flags
        # Every distinct article URL found, whether or not it is fetched (the run's verdict needs "found any").
        self._stat("ingest/discovery/article_urls")
        if not in_range(when, published, since=self.since, until=self.until):
            self._stat("ingest/skipped_out_of_range")
            return None
        # How the URL was found travels with the request (and its redirects) to the item: a page requested as an
        # article is judged as one (pipelines/validate.py), and kept as a reject if its callback fails.
        meta: dict[str, Any] = {DISCOVERED_BY_META: via} if via is not None else {}
        if published is not None:
            meta[LISTED_DATE_META] = published
        if "?" in url:
            self._urls[key] = flags | _QUERIED
        return scrapy.Request(url, callback=self.parse_article, priority=30, meta=meta)

    def _listed_note(self, url: str, published: datetime | None) -> ListedDate:
        self._stat("ingest/listed_dates/sent")
        return ListedDate(url=url, listed_published=published, site=self.site.name)

    def _request_dropped(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """A dated article request the scheduler dropped as already seen (in distributed mode, another worker
        requested the URL first, without this date): the date goes to the store as a :class:`ListedDate`."""
        listed = request.meta.get(LISTED_DATE_META)
        if spider is not self or not isinstance(listed, datetime):
            return
        self._send_to_pipelines(self._listed_note(request.url, listed))

    def _articles_known(self, urls: list[str]) -> None:
        """Article URLs the incremental middleware held back as stored: not requested after all, so a cleaner
        variant of one met later is not a URL to note for this run's row (the stored row is not this run's)."""
        for url in urls:
            if "?" in url:
                key = self._key(url)
                if key in self._urls:
                    self._urls[key] &= ~_QUERIED

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
        newest = max((e.date for e in entries if e.date is not None), default=None)
        if self._stop_paging(page, "api", stale, newest):
            return
        request = self._wp_request(root, page + 1, stale)
        request.meta[PAGE_META] = ListedPage("api", page, tuple(urls), newest)
        yield request

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
        newest = max(page.dates, default=None)
        if self._stop_paging(depth, "listing", stale, newest):
            return
        # For the incremental middleware: the next page is not worth fetching when this one holds nothing new.
        listed = ListedPage("listing", depth, tuple(found), newest)
        next_urls = page.next_urls
        if not next_urls and generic.next_url is not None:
            # No rel=next, "Trang sau" or listing-pattern link: the numbered page links give page N+1.
            self._stat("ingest/links/generic_next_page")
            next_urls = [generic.next_url]
        for url in next_urls:
            if same_site(url, self.site.domains):
                yield scrapy.Request(
                    url,
                    callback=self.parse_listing,
                    cb_kwargs={"depth": depth + 1, "stale": stale},
                    meta={PAGE_META: listed},
                )

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
        """``ingest.paging.stale_count`` for this page, remembering its URLs among the run's ``kind`` pages."""
        bit = self._kind_bit(kind)
        known = self._urls
        keys = {self._key(u) for u in urls}
        stale = stale_count(keys, {k for k in keys if known.get(k, 0) & bit}, stale)
        for key in keys:
            known[key] = known.get(key, 0) | bit
        return stale

    def _kind_bit(self, kind: str) -> int:
        """The flag of ``_urls`` that says a page of ``kind`` listed the URL (one bit per kind, from _FIRST_KIND)."""
        bit = self._kind_bits.get(kind)
        if bit is None:
            bit = self._kind_bits[kind] = _FIRST_KIND << len(self._kind_bits)
        return bit

    def _stop_paging(self, depth: int, kind: str, stale: int, newest: datetime | None) -> bool:
        """Whether the page after this one is not worth fetching (and why, in the stats), by the rules that need no
        database (``ingest.paging.paging_stop``); the incremental middleware applies the others."""
        reason = paging_stop(
            depth, stale=stale, newest=newest, since=self.since, max_pages=self.max_pages, page_cap=self.page_cap
        )
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
        known = self._urls
        for key in keys:
            known[key] = known.get(key, 0) | _PARSED
        late = [d for d in (self._listed_dates.pop(k, None) for k in keys) if d is not None]
        # The date discovery gave beside this URL travels beside the page's own: the normalize stage combines the
        # two by a fixed rule (ingest.normalize.choice), and the since/until range is checked on the result in the
        # validate stage, so neither depends on which path requested the page first.
        item.listed_published = best_listed([response.meta.get(LISTED_DATE_META), *late])
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
