"""Article discovery: pure functions that read feeds, sitemaps, robots.txt, WordPress REST API pages and listing pages.

This module owns *where article URLs come from*; it never fetches anything. Spiders (``spiders/news.py``) download
the documents and hand the bytes here. Every XML parse is safe against hostile input: no entity expansion, no DTD
or network access, no huge trees (billion-laughs and XXE documents yield nothing instead of memory or file reads).
Dates found beside URLs (``pubDate``, ``lastmod``, ``date_gmt``, ``<time datetime>``) come back as aware datetimes
so the spider can stop paging at ``since`` or at the last successful run; a missing date stays None, never guessed.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector

from ingest.normalize import VN_TZ, parse_date

__all__ = [
    "MAX_XML_BYTES",
    "Entry",
    "ListingPage",
    "SitemapDoc",
    "is_gzip",
    "listing_page",
    "parse_datetime",
    "parse_feed",
    "parse_sitemap",
    "parse_wp_posts",
    "robots_sitemaps",
    "same_site",
]

# A sitemap is at most 50 MB uncompressed by the protocol; more is an attack or an error.
MAX_XML_BYTES: Final = 50 * 1024 * 1024

# Sub-sitemaps of an index that list taxonomy, author or static pages, never articles (WordPress core, Yoast,
# Rank Math and the usual Vietnamese CMS names). Skipping them matters for sites without article patterns.
_NON_ARTICLE_SITEMAP: Final = re.compile(
    r"(taxonom|categor|[-_/]tags?[-_.]|post_tag|users?[-_.]|authors?[-_.]|posts-page|page-sitemap|video-sitemap"
    r"|image-sitemap)",
    re.IGNORECASE,
)

# Pagination links on listing pages: rel=next, the usual "next" classes, and Vietnamese "Trang sau"/"Xem thêm".
_NEXT_SELECTORS: Final = (
    "link[rel=next]::attr(href)",
    "a[rel~=next]::attr(href)",
    "a.next::attr(href)",
    ".pagination a.next::attr(href)",
    "a.page-next::attr(href)",
    ".nav-links a.next::attr(href)",
)
_NEXT_TEXTS: Final = ("trang sau", "trang tiếp", "xem thêm", "tiếp theo", "»", "›")


@dataclass(frozen=True)
class Entry:
    """One URL from a feed, sitemap or API page, with the dates printed beside it (None when absent)."""

    url: str
    published: datetime | None = None
    modified: datetime | None = None

    @property
    def date(self) -> datetime | None:
        """The latest date known for the entry (a modified article is news again)."""
        dates = [d for d in (self.published, self.modified) if d is not None]
        return max(dates) if dates else None


@dataclass(frozen=True)
class SitemapDoc:
    """A parsed sitemap: ``kind`` "index" (entries are sub-sitemaps) or "urlset" (entries are pages)."""

    kind: str
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class ListingPage:
    """What a listing page offers: article links, next-page links and the dates printed on it."""

    article_urls: list[str]
    next_urls: list[str]
    dates: list[datetime]


# --- dates ----------------------------------------------------------------------------------------------------


def parse_datetime(raw: str | None) -> datetime | None:
    """An aware datetime from ISO 8601 (sitemaps, WP JSON), RFC 822 (RSS) or a Vietnamese date string.

    Naive values are read in Asia/Ho_Chi_Minh (the sites' own zone). Unparseable input gives None."""
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        value = None
    if value is None and re.match(r"^[A-Za-z]{3},|^\d{1,2} [A-Za-z]{3} \d{4}", text):
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            value = None
    if value is None:
        parsed = parse_date(text)
        return parsed.value if parsed is not None else None
    return value if value.tzinfo is not None else value.replace(tzinfo=VN_TZ)


# --- XML ------------------------------------------------------------------------------------------------------


def is_gzip(body: bytes) -> bool:
    """Whether ``body`` is gzip data (``sitemap.xml.gz`` served without Content-Encoding)."""
    return body[:2] == b"\x1f\x8b"


def _gunzip(body: bytes, limit: int = MAX_XML_BYTES) -> bytes:
    # Read at most limit+1 bytes: a gzip bomb is cut off, not expanded into memory.
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValueError("gzip sitemap larger than the 50 MB the protocol allows")
    return data


def _xml_root(body: bytes) -> etree._Element | None:
    """The root element of an XML document, parsed safely; None for empty, broken or hostile input."""
    try:
        data = _gunzip(body) if is_gzip(body) else body
    except (OSError, EOFError, ValueError):
        return None
    if not data.strip() or len(data) > MAX_XML_BYTES:
        return None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False, recover=True
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError:
        return None
    return root


def _local(tag: Any) -> str:
    """Tag name without namespace ("{http://www.sitemaps.org/...}loc" -> "loc"); comments have no name."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(el: etree._Element, *names: str) -> str | None:
    """Text of the first descendant whose local name is one of ``names`` (entities left unexpanded)."""
    for node in el.iter():
        if node is not el and _local(node.tag) in names:
            text = "".join(node.itertext()).strip()
            if text:
                return text
    return None


def _absolute(url: str | None, base_url: str) -> str | None:
    """``url`` resolved against ``base_url`` when the result is a well-formed http(s) URL with a host, else None
    (broken IPv6 brackets, bad ports, javascript: and mailto: links are dropped, not raised)."""
    if not url:
        return None
    try:
        joined = urljoin(base_url, url.strip())
        parts = urlsplit(joined)
        _ = parts.port  # raises ValueError for a port out of range
    except ValueError:
        return None
    return joined if parts.scheme in ("http", "https") and parts.hostname else None


def parse_feed(body: bytes, base_url: str) -> list[Entry]:
    """Entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, in document order, relative links resolved."""
    root = _xml_root(body)
    if root is None:
        return []
    entries: list[Entry] = []
    for item in root.iter():
        name = _local(item.tag)
        if name not in ("item", "entry"):
            continue
        link: str | None = None
        for child in item:
            if _local(child.tag) != "link":
                continue
            # Atom: <link rel="alternate" href=...>; RSS: <link>text</link>.
            href = child.get("href")
            if href and child.get("rel", "alternate") == "alternate":
                link = href
                break
            if (child.text or "").strip():
                link = child.text
                break
        if link is None:
            guid = _child_text(item, "guid", "id")
            link = guid if guid and guid.startswith(("http://", "https://")) else None
        url = _absolute(link, base_url)
        if url is None:
            continue
        published = parse_datetime(_child_text(item, "pubdate", "published", "date", "issued"))
        modified = parse_datetime(_child_text(item, "updated", "modified"))
        entries.append(Entry(url, published, modified))
    return entries


def parse_sitemap(body: bytes, base_url: str) -> SitemapDoc:
    """A sitemap index or urlset (also news sitemaps and ``wp-sitemap.xml``); relative locations resolved.

    Index entries that only list taxonomy, author or static pages are left out. Unknown documents give an empty
    urlset."""
    root = _xml_root(body)
    if root is None:
        return SitemapDoc("urlset")
    kind = "index" if _local(root.tag) == "sitemapindex" else "urlset"
    wanted = "sitemap" if kind == "index" else "url"
    entries: list[Entry] = []
    for node in root:
        if _local(node.tag) != wanted:
            continue
        loc = None
        for child in node:
            if _local(child.tag) == "loc":
                loc = (child.text or "").strip()
                break
        url = _absolute(loc, base_url)
        if url is None:
            continue
        if kind == "index" and _NON_ARTICLE_SITEMAP.search(urlsplit(url).path):
            continue
        # news:publication_date is the article's own date; lastmod is the page's last change.
        published = parse_datetime(_child_text(node, "publication_date"))
        modified = parse_datetime(_child_text(node, "lastmod"))
        entries.append(Entry(url, published, modified))
    return SitemapDoc(kind, entries)


def robots_sitemaps(text: str, base_url: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt (any case, any group), resolved against ``base_url``, deduplicated."""
    found: list[str] = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep or key.strip().lower() != "sitemap":
            continue
        url = _absolute(value.split("#", 1)[0].strip(), base_url)
        if url and url not in found:
            found.append(url)
    return found


def parse_wp_posts(body: bytes) -> list[Entry]:
    """Entries of a WordPress REST API ``/wp-json/wp/v2/posts`` page (a JSON list of posts with ``link``).

    Anything else (an error object, HTML, broken JSON) gives an empty list."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(data, list):
        return []
    entries: list[Entry] = []
    for post in data:
        if not isinstance(post, dict):
            continue
        link = post.get("link")
        url = _absolute(link, "http://invalid/") if isinstance(link, str) and "://" in link else None
        if url is None:
            continue
        entries.append(Entry(url, _wp_date(post, "date_gmt", "date"), _wp_date(post, "modified_gmt", "modified")))
    return entries


def _wp_date(post: dict[str, Any], gmt_key: str, local_key: str) -> datetime | None:
    # date_gmt is UTC without an offset; date is the site's local time (Vietnam for these sites).
    gmt = post.get(gmt_key)
    if isinstance(gmt, str) and gmt:
        value = parse_datetime(gmt)
        if value is not None:
            return value if gmt.endswith(("Z", "z")) or "+" in gmt[10:] else value.replace(tzinfo=UTC)
    local = post.get(local_key)
    return parse_datetime(local) if isinstance(local, str) else None


# --- listing pages --------------------------------------------------------------------------------------------


def same_site(url: str, domains: Iterable[str]) -> bool:
    """Whether ``url``'s host is one of ``domains`` or a subdomain of one (the port does not matter)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return any(host == d or host.endswith("." + d) for d in (d.lower() for d in domains))


def listing_page(
    html: bytes | str,
    base_url: str,
    *,
    is_article: Callable[[str], bool],
    is_listing: Callable[[str], bool] = lambda _url: False,
    link_selector: str | None = None,
) -> ListingPage:
    """Article links, next-page links and printed dates of a listing (home, category or paginated) page.

    ``is_article`` decides which links are articles; when ``link_selector`` is given only links it selects are
    candidates. Next pages are rel=next / "next" links plus links ``is_listing`` accepts. Dates come from
    ``<time datetime>`` and, failing that, the text of ``<time>`` elements. Fragments are dropped; order is kept."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    sel = Selector(text=text, base_url=base_url)
    base = sel.css("base::attr(href)").get()
    page_base = urljoin(base_url, base) if base else base_url

    # A page's links are resolved up to three times (candidates, every link for next pages, the next pages): each
    # href once, and the list kept distinct through a set (a listing page holds hundreds of links).
    resolved: dict[str, str | None] = {}

    def resolve(hrefs: Iterable[str]) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        for href in hrefs:
            url = resolved.get(href, "")
            if url == "":
                url = resolved[href] = _absolute(href.split("#", 1)[0], page_base)
            if url and url not in seen:
                seen.add(url)
                out.append(url)
        return out

    candidates = resolve(sel.css(f"{link_selector}::attr(href)" if link_selector else "a::attr(href)").getall())
    articles = [u for u in candidates if is_article(u)]
    nexts: list[str] = []
    for css in _NEXT_SELECTORS:
        nexts.extend(sel.css(css).getall())
    for anchor in sel.css("a[href]"):
        label = " ".join(anchor.css("::text").getall()).strip().lower()
        if label and label in _NEXT_TEXTS:
            nexts.append(anchor.attrib["href"])
    nexts.extend(u for u in resolve(sel.css("a::attr(href)").getall()) if is_listing(u))
    next_urls = [u for u in resolve(nexts) if u != base_url and u not in articles]
    dates: list[datetime] = []
    for time_el in sel.css("time"):
        value = parse_datetime(time_el.attrib.get("datetime")) or parse_datetime(
            " ".join(time_el.css("::text").getall())
        )
        if value is not None:
            dates.append(value)
    return ListingPage(articles, next_urls, dates)
