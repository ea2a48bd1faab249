"""The ``article`` spider: download given pages and extract them, no discovery (one-off pages, re-fetches).

``scrapy crawl article -a url=URL[,URL...]`` or ``-a urls_file=PATH`` (one URL per line; blank lines and ``#``
comments ignored). Each page's site is looked up in the registry by domain (None for unknown domains, which the
extractor handles with its generic rules); ``-a site=NAME`` names the registry site instead (mirrors, saved copies).
Stored articles are fetched again: asking for a page means wanting it (the spider does not ask for the incremental
middleware).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from ingest.discovery import same_site
from ingest.items import DISCOVERED_BY_META, ArticleItem
from ingest.registry import Site, load_sites
from spiders.common import build_item, drop_not_html


def read_urls(url: str | None, urls_file: str | None) -> list[str]:
    """The URLs from ``url`` (comma-separated) and ``urls_file``, in order, deduplicated; a clear error when none
    is an http(s) URL."""
    raw: list[str] = []
    if url:
        raw.extend(u.strip() for u in url.split(","))
    if urls_file:
        lines = Path(urls_file).read_text(encoding="utf-8").splitlines()
        raw.extend(line.strip() for line in lines if not line.strip().startswith("#"))
    urls: list[str] = []
    for candidate in raw:
        if not candidate:
            continue
        if urlsplit(candidate).scheme not in ("http", "https") or not urlsplit(candidate).hostname:
            raise ValueError(f"not an http(s) URL: {candidate!r}")
        if candidate not in urls:
            urls.append(candidate)
    if not urls:
        raise ValueError("the article spider needs -a url=URL[,URL...] or -a urls_file=PATH")
    return urls


class ArticleSpider(scrapy.Spider):
    """Fetch and extract the given article URLs."""

    name = "article"

    def __init__(
        self, *args: Any, url: str | None = None, urls_file: str | None = None, site: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.urls = read_urls(url, urls_file)
        registry = load_sites()
        if site is not None and site not in registry:
            raise ValueError(f"unknown site {site!r}: `scrapy list` shows the registry's sites")
        self.forced_site = registry[site] if site is not None else None
        self.sites = list(registry.values())

    def site_for(self, url: str) -> Site | None:
        """The ``site`` argument's registry entry, else the site whose domains hold ``url``'s host (the longest
        matching domain wins)."""
        if self.forced_site is not None:
            return self.forced_site
        matches = [(max(len(d) for d in s.domains), s) for s in self.sites if same_site(url, s.domains)]
        return max(matches, key=lambda m: m[0])[1] if matches else None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            # Every URL given is an article by the user's word (pipelines/validate.py never judges it a listing).
            yield scrapy.Request(url, callback=self.parse_article, dont_filter=True, meta={DISCOVERED_BY_META: "url"})

    def parse_article(self, response: Response) -> Iterable[ArticleItem]:
        item = build_item(response, self.site_for(response.url))
        if item is None:
            drop_not_html(self, response)
            return
        item.discovered_by = response.meta.get(DISCOVERED_BY_META, "url")
        yield item
