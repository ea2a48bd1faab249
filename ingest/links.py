"""Generic link classification: which links of a listing page are articles, listings or neither, with no
registry knowledge.

This module owns the *generic* half of discovery (``ingest.discovery`` owns feeds, sitemaps and the registry-driven
listing parse). It never fetches anything. Two kinds of evidence are combined:

* **URL shape** (:func:`url_shape`): a slug of several hyphenated words ending in a numeric or hex id
  (``-post565021.html``, ``-a12345.html``, ``-d538952.html``, ``-20260307080054340.htm``, ``-a9f5bad/``), dated path
  segments (``/2025/06/01/slug/``, ``/202306/slug-hex/``), a long numeric id (``.chn``, ``.epi``, ``.bbg``), an id
  in its own path segment or in the query (``/tin-tuc/123456/...``, ``?newsid=123456``); against these, the shapes
  that are never articles: pagination, category, tag, topic, author and search pages, e-paper, contact and login
  pages, static files.
* **The page** (:func:`classify_links`): every link gets a *template* (its URL with the variable parts abstracted,
  ``/{w}/{slug}-{id}.htm``). A template that many distinct links of the content area share, with title-like anchor
  texts, is the site's article shape; links inside navigation, header and footer do not count towards it (a menu
  of twenty categories shares one template too, with one- to three-word texts).

A link whose shape alone says "article" is an article with high confidence; a weaker shape (a long slug without an
id, a bare numeric id) needs its template confirmed by the page. Precision matters as much as recall: a category,
tag, search, contact or e-paper page is never classed as an article.

Pagination (:func:`page_form`, :func:`next_page`): besides rel=next (``ingest.discovery``), numbered page links of
the current listing (``?p=N``, ``?page=N``, ``?paged=N``, ``?trang=N``, ``/page/N/``, ``/trang-N.html``, ``-pN.html``,
``/pN``) give the next page number N+1 of the same form; only pages after the current one are followed, so paging
never loops.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Final, Literal
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html

__all__ = [
    "COMMON_SITEMAP_PATHS",
    "LinkClass",
    "PageForm",
    "PageLinks",
    "Shape",
    "classify_links",
    "feed_links",
    "next_page",
    "page_form",
    "pattern_for_template",
    "url_shape",
]

Kind = Literal["article", "listing", "other"]
Confidence = Literal["high", "medium", "low"]

# Where sites publish sitemaps when robots.txt names none (WordPress/Yoast/Rank Math and Vietnamese CMS habits;
# baocantho.com.vn serves /sitemapnews.xml, OUTLETS.md §3.5).
COMMON_SITEMAP_PATHS: Final = (
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/sitemaps.xml",
    "/sitemap-news.xml",
    "/sitemapnews.xml",
    "/news-sitemap.xml",
    "/post-sitemap.xml",
)

# Extensions of pages (kept in templates) and of files that are never articles.
_STATIC_EXT: Final = frozenset(
    {
        "jpg", "jpeg", "png", "gif", "webp", "svg", "ico", "bmp", "tif", "tiff", "pdf", "doc", "docx", "xls", "xlsx",
        "ppt", "pptx", "zip", "rar", "7z", "gz", "mp3", "mp4", "m4a", "wav", "ogg", "avi", "mov", "flv", "wmv", "webm",
        "css", "js", "json", "xml", "rss", "atom", "txt", "csv", "apk", "exe",
    }
)  # fmt: skip
_EXT_RE: Final = re.compile(r"^(?P<stem>.+?)\.(?P<ext>[a-z][a-z0-9]{1,5})$")
# Path segments (whole, extension dropped) that name listing pages: taxonomies, topics, authors, search.
_LISTING_SEGMENTS: Final = frozenset(
    {
        "tag", "tags", "the-tag", "tu-khoa", "tukhoa", "keyword", "keywords", "category", "categories", "chuyen-muc",
        "chuyenmuc", "danh-muc", "danhmuc", "chu-de", "chude", "topic", "topics", "tac-gia", "tacgia", "author",
        "authors", "search", "tim-kiem", "timkiem", "archive", "archives", "luu-tru", "dong-su-kien", "event",
        "events", "collection", "collections", "chuyen-de", "hashtag", "su-kien",
    }
)  # fmt: skip
# Whole segments that are neither articles nor listings: contact, about, accounts, e-paper, feeds, admin, print.
_OTHER_SEGMENTS: Final = frozenset(
    {
        "lien-he", "lienhe", "contact", "contact-us", "gioi-thieu", "gioithieu", "about", "about-us", "dang-nhap",
        "dangnhap", "login", "dang-ky", "dangky", "register", "signup", "logout", "quang-cao", "quangcao",
        "advertise", "advertising", "bao-gia-quang-cao", "rss", "feed", "feeds", "sitemap", "bao-in", "baoin",
        "bao-giay", "doc-bao-in", "epaper", "e-paper", "enewspaper", "e-newspaper", "bao-dien-tu", "print", "in",
        "in-bai", "wp-admin", "wp-login", "wp-json", "admin", "cart", "gio-hang", "thoi-tiet", "weather",
        "ty-gia", "gia-vang", "lich-phat-song", "truyen-hinh-truc-tiep", "radio", "live", "privacy", "chinh-sach",
        "dieu-khoan", "terms", "tuyen-dung", "toa-soan", "ban-doc", "hoi-dap", "faq", "account", "tai-khoan",
        "profile", "user", "users", "subscribe", "dang-ky-nhan-tin", "lich-thi-dau", "ket-qua-xo-so",
    }
)  # fmt: skip
# Query keys of search pages and of pagination.
_HOME_NAMES: Final = frozenset({"index", "default", "home", "trang-chu", "trangchu"})
_SEARCH_KEYS: Final = frozenset({"q", "s", "k", "keyword", "keywords", "tukhoa", "search", "query", "key", "tag"})
_PAGE_KEYS: Final = ("page", "paged", "p", "trang", "pg", "pageindex", "page_index", "pagenum", "pageno", "pi", "pn")
_QUERY_PAGE: Final = re.compile(r"[?&](?P<key>" + "|".join(_PAGE_KEYS) + r")=(?P<n>\d{1,4})(?=&|$)", re.IGNORECASE)
_CATEGORY_KEY: Final = re.compile(r"(^|_)(cat|cate|category|catid|cat_id|cateid|chuyenmuc|zone|zoneid|menu|mid)$")
_ID_KEY: Final = re.compile(
    r"(^|_)(id|newsid|newid|news_id|articleid|article_id|postid|post_id|nid|aid|tinid|idtin|itemid|mabb|mabai|news"
    r"|article|post)$",
    re.IGNORECASE,
)
# A trailing id on a slug: "-post565021", "-a12345", "-d538952", "-postid123", "-20260307080054340", "_123456".
_SLUG_ID: Final = re.compile(r"^(?P<slug>.*?[^\W_])[-_.]+(?P<pre>[^\W\d_]{0,7})(?P<id>\d+)$")
# A trailing hex id: "-a9f5bad" (VNPT portal, 7 hex); needs a digit and a letter so no word is taken for one.
_SLUG_HEX: Final = re.compile(r"^(?P<slug>.*?[^\W_])-(?P<hex>(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{6,16})$")
_WORD_SPLIT: Final = re.compile(r"[-_+\s]+")
# Pagination forms inside a path: /page/2, /trang/2, /trang-2(.html), -p2.html, -trang-2.html, /p2.
_PATH_PAGE: Final = (
    re.compile(r"(?P<pre>/(?:page|trang|p))/(?P<n>\d{1,4})(?P<post>/?)$"),
    re.compile(r"(?P<pre>[/-](?:page|trang)-?)(?P<n>\d{1,4})(?P<post>(?:\.[a-z]{2,5})?/?)$"),
    re.compile(r"(?P<pre>-p)(?P<n>\d{1,3})(?P<post>(?:\.[a-z]{2,5})?/?)$"),
    re.compile(r"(?P<pre>/p)(?P<n>\d{1,3})(?P<post>/?)$"),
)
# Class or id names (whole) of page chrome: links inside them are navigation, not the content area.
_CHROME_NAME: Final = re.compile(
    r"^(?:(?:site|main|top|bottom|page|global|primary|secondary|mobile|desktop|mega|sub|head)[-_])?(?:header|footer|nav|navbar|navigation|menu|menus|megamenu|mega-menu|breadcrumbs?|topbar"
    r"|top-bar|sitemap|site-map|copyright|social|share|sharing)(?:[-_](?:wrap|wrapper|container|inner|top|bottom"
    r"|main|bar|area|links|list|menu|mobile|desktop))?$"
)
_CHROME_TAGS: Final = frozenset({"nav", "footer", "header"})
_CHROME_ROLES: Final = frozenset({"navigation", "banner", "contentinfo", "menubar", "menu"})

# A template is the site's article shape when at least this many distinct links of the content area share it.
MIN_TEMPLATE_SUPPORT: Final = 3
# Anchor texts (and slugs) of at least this many words look like titles. Vietnamese words are syllables: section
# names run to four or five ("Văn hóa - Thể thao", "quoc-phong-an-ninh"), titles to eight or more.
TITLE_WORDS: Final = 6
# A segment of at most this many words without an id names a section, not an article.
SECTION_WORDS: Final = 4


@dataclass(frozen=True)
class Shape:
    """What a URL's shape alone says: ``kind`` ("article", "listing", "other" or None when it cannot tell),
    ``strength`` (2 = the shape alone decides, 1 = the page must confirm it), ``reason`` and ``template``."""

    kind: Kind | None
    strength: int
    reason: str
    template: str
    slug_words: int = 0


@dataclass(frozen=True)
class LinkClass:
    """One same-site link of a page: its class, why, and how sure."""

    url: str
    kind: Kind
    confidence: Confidence
    reason: str
    template: str
    text: str = ""
    in_content: bool = True


@dataclass(frozen=True)
class PageForm:
    """How a URL carries a page number: ``prefix + str(n) + suffix`` (``base`` is the URL of page 1's family)."""

    base: str
    prefix: str
    suffix: str
    number: int
    # The page marker as a regex for a registry ``listing_patterns`` entry: ``[?&]page=\d+``, ``/trang-\d+\.html$``.
    pattern: str = ""

    def url(self, number: int) -> str:
        return f"{self.prefix}{number}{self.suffix}"


@dataclass(frozen=True)
class PageLinks:
    """Every same-site link of a page, classified, in document order; plus the next page of this listing."""

    links: list[LinkClass] = field(default_factory=list)
    next_url: str | None = None
    page_links: list[str] = field(default_factory=list)
    article_templates: dict[str, int] = field(default_factory=dict)

    @property
    def articles(self) -> list[str]:
        return [link.url for link in self.links if link.kind == "article"]

    @property
    def high(self) -> list[str]:
        """Article links whose shape and page agree (worth adding to what a registry entry found)."""
        return [link.url for link in self.links if link.kind == "article" and link.confidence == "high"]

    @property
    def listings(self) -> list[str]:
        return [link.url for link in self.links if link.kind == "listing"]

    def of_kind(self, kind: Kind) -> list[LinkClass]:
        return [link for link in self.links if link.kind == kind]


# --- URL shapes ---------------------------------------------------------------------------------------------------


def _words(slug: str) -> list[str]:
    return [w for w in _WORD_SPLIT.split(slug) if w]


def _is_date_run(tokens: list[str]) -> bool:
    return any(t in ("{yyyy}", "{yyyymm}", "{yyyymmdd}") for t in tokens)


def _digits_token(seg: str) -> str:
    n = len(seg)
    value = int(seg)
    if n == 4 and 1990 <= value <= 2099:
        return "{yyyy}"
    if n == 6 and 1990 <= value // 100 <= 2099 and 1 <= value % 100 <= 12:
        return "{yyyymm}"
    if n == 8 and 1990 <= value // 10000 <= 2099 and 1 <= value // 100 % 100 <= 12 and 1 <= value % 100 <= 31:
        return "{yyyymmdd}"
    if n <= 2:
        return "{n}"
    if n >= 8:
        return "{longid}"
    return "{id}" if n >= 4 else "{num}"


@dataclass
class _Seg:
    token: str
    words: int = 0
    id_digits: int = 0
    hex_id: bool = False
    prefix: str = ""


def _segment(seg: str) -> _Seg:
    """A path segment (extension already removed) as a template token with what it carries."""
    if seg.isdigit():
        token = _digits_token(seg)
        return _Seg(token, id_digits=len(seg) if token in ("{id}", "{longid}", "{num}") else 0)
    m = _SLUG_HEX.match(seg)
    # "-a9f5bad" is a hex id; "-d538952" is a letter prefix and a decimal id (below).
    if m and not re.fullmatch(r"[a-f]*\d+", m.group("hex")):
        return _Seg("{slug}-{hex}", words=len(_words(m.group("slug"))), hex_id=True)
    m = _SLUG_ID.match(seg)
    # A trailing year ("...-nam-2025", "aqua-warriors-2025") is a word of the slug, not an id.
    if m and not (len(m.group("id")) == 4 and not m.group("pre") and 1990 <= int(m.group("id")) <= 2099):
        words = len(_words(m.group("slug")))
        pre = m.group("pre").lower()
        digits = len(m.group("id"))
        # Ids of 8+ digits (timestamps, VCCorp's 18) apart from shorter ones: a site's topic pages often carry short
        # ids beside its articles' long ones, and a learned pattern must keep them apart.
        id_token = "{longid}" if digits >= 8 else "{id}" if digits >= 4 else "{num}"
        return _Seg(f"{{slug}}-{pre}{id_token}", words=words, id_digits=digits, prefix=pre)
    words = len(_words(seg))
    return _Seg("{title}" if words > SECTION_WORDS else "{w}", words=words)


def _query_template(query: str) -> tuple[str, list[tuple[str, str]]]:
    pairs = [(k.lower(), v) for k, v in parse_qsl(query, keep_blank_values=True) if not k.lower().startswith("utm_")]
    parts = []
    for key, value in sorted(pairs):
        kind = ("{id}" if len(value) >= 4 else "{n}") if value.isdigit() else ("{s}" if value else "")
        parts.append(f"{key}={kind}")
    return ("?" + "&".join(parts)) if parts else "", pairs


# A crawl meets each article URL two or three times (the REST API, the sitemap, a listing page), and the spider asks
# for its shape each time (about 50 µs a URL): the answer is a pure function of the string and a frozen Shape, so the
# last few thousand are remembered (a crawl's queue of sitemap URLs fits).
@lru_cache(maxsize=4096)
def url_shape(url: str) -> Shape:
    """What ``url``'s shape says about the page behind it (see the module docstring)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return Shape("other", 2, "malformed", "")
    path = unquote(parts.path).lower()
    raw_segments = [s for s in path.split("/") if s]
    ext = ""
    if raw_segments:
        m = _EXT_RE.match(raw_segments[-1])
        if m:
            ext = m.group("ext")
            raw_segments[-1] = m.group("stem")
    query_tpl, pairs = _query_template(parts.query)
    segs = [_segment(s) for s in raw_segments]
    tokens = [s.token for s in segs]
    trail = "/" if path.endswith("/") and raw_segments else ""
    template = "/" + "/".join(tokens) + (f".{ext}" if ext else trail) + query_tpl
    keys = {k for k, _ in pairs}
    names = {s.replace("_", "-") for s in raw_segments}

    def shape(kind: Kind | None, strength: int, reason: str) -> Shape:
        return Shape(kind, strength, reason, template, max((s.words for s in segs), default=0))

    if ext in _STATIC_EXT:
        return shape("other", 2, "file")
    has_id = any(_ID_KEY.search(k) and v.isdigit() for k, v in pairs)
    if (not raw_segments or (len(raw_segments) == 1 and raw_segments[0] in _HOME_NAMES)) and not has_id:
        return shape("other", 2, "home")
    if any(form.search(path) for form in _PATH_PAGE) or any(
        k in _PAGE_KEYS and v.isdigit() and int(v) < 1000 for k, v in pairs
    ):
        return shape("listing", 2, "pagination")
    if names & _LISTING_SEGMENTS or (raw_segments and re.search(r"[-_]p?tags?\d*$", raw_segments[-1])):
        return shape("listing", 2, "taxonomy")
    if keys & _SEARCH_KEYS:
        return shape("listing", 2, "search")
    if names & _OTHER_SEGMENTS:
        return shape("other", 2, "service")
    last = segs[-1] if segs else _Seg("")
    dated = _is_date_run(tokens[:-1]) if segs else False
    # The shapes that decide alone.
    for seg in segs:
        if seg.hex_id and seg.words >= 2:
            return shape("article", 2, "slug-hex")
        if seg.words and (seg.id_digits >= 5 or (seg.id_digits == 4 and seg.words >= 2)):
            return shape("article", 2, "slug-id")
    for seg, after in pairwise(segs):
        if seg.token in ("{id}", "{longid}") and after.words >= 3:
            return shape("article", 2, "id-slug")
    if last.id_digits >= 9:
        return shape("article", 2, "long-id")
    if dated and (last.words >= 2 or last.id_digits >= 3 or last.hex_id):
        return shape("article", 2, "dated")
    if any(_CATEGORY_KEY.search(k) for k in keys) and not any(_ID_KEY.search(k) for k in keys):
        return shape("listing", 1, "category-query")
    # Shapes the page must confirm.
    if has_id and any(_ID_KEY.search(k) and v.isdigit() and len(v) >= 3 for k, v in pairs):
        return shape("article", 1, "query-id")
    if any(s.token in ("{id}", "{longid}") for s in segs) and (
        last.words >= 2 or last.id_digits >= 4 or len(segs) >= 2
    ):
        return shape("article", 1, "numeric-segment")
    if last.words > SECTION_WORDS:
        return shape("article", 1, "long-slug")
    if last.id_digits >= 3 and last.words >= 1:
        return shape("article", 1, "slug-short-id")
    if segs and all(s.words <= SECTION_WORDS for s in segs) and not keys:
        # A few words a segment and no id: a section ("/thoi-su/", "/kinh-doanh.htm", "/tai-chinh-d6/").
        return shape("listing", 1, "section")
    return shape(None, 0, "unknown")


# --- pagination ---------------------------------------------------------------------------------------------------


def page_form(url: str) -> PageForm | None:
    """How ``url`` carries a page number, or None when it carries none (page 1 is usually bare)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    whole = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
    if parts.query:
        m = _QUERY_PAGE.search("?" + parts.query)
        if m:
            start = len(whole) - len(parts.query) - 1
            rest = "&".join(
                p for p in parts.query.split("&") if p and p.split("=", 1)[0].lower() != m.group("key").lower()
            )
            base = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, ""))
            pattern = r"[?&]" + _escape(m.group("key")) + r"=\d+(?:&|$)"
            return PageForm(
                base, whole[: start + m.start("n")], whole[start + m.end("n") :], int(m.group("n")), pattern
            )
    for form in _PATH_PAGE:
        m = form.search(parts.path)
        if m:
            start, end = m.span("n")
            post = m.group("post")
            base_path = (parts.path[: m.start()] + (post if post not in ("", "/") else "")) or "/"
            base = urlunsplit((parts.scheme, parts.netloc, base_path, parts.query, ""))
            prefix = urlunsplit((parts.scheme, parts.netloc, parts.path[:start], "", ""))
            suffix = parts.path[end:] + (f"?{parts.query}" if parts.query else "")
            marker = _escape(parts.path[m.start() : start])
            pattern = marker + r"\d+" + _escape(post.rstrip("/")) + "/?$"
            return PageForm(base, prefix, suffix, int(m.group("n")), pattern)
    return None


def _escape(text: str) -> str:
    """``re.escape`` without the escapes a reader of the registry does not need (``-`` outside a class)."""
    return re.escape(text).replace("\\-", "-")


def _same_listing(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.netloc.lower(), pa.path.rstrip("/") or "/", sorted(parse_qsl(pa.query))) == (
        pb.netloc.lower(),
        pb.path.rstrip("/") or "/",
        sorted(parse_qsl(pb.query)),
    )


def _strip_page_extension(base: str) -> str:
    """``/thoi-su.html`` and ``/thoi-su`` name one listing (``-p2.html`` bases keep the extension)."""
    parts = urlsplit(base)
    m = _EXT_RE.match(parts.path)
    return urlunsplit((parts.scheme, parts.netloc, str(m.group("stem")) if m else parts.path, parts.query, ""))


def next_page(current: str, candidates: Iterable[str]) -> tuple[str | None, list[str]]:
    """The next page of the listing at ``current`` from the numbered page links on it, and those page links.

    A candidate is a page of this listing when it is ``current`` with a page number added or changed. The next page is
    number N+1 (N = the current page's number, 1 when it shows none) in the form the page's own links use, built even
    when the page links only to pages further on ("1 2 3 ... 10" on page 3 links to 4; a "last page" link alone
    still gives N+1). Only numbers above N count, so a crawl following next pages never loops."""
    here = page_form(current)
    forms = [(url, form) for url in candidates if (form := page_form(url)) is not None]
    # Page 1 is usually bare; a listing numbered from 0 ("-page0", "-page1", ...) links its first page as 0.
    number = here.number if here is not None else (0 if any(f.number == 0 for _, f in forms) else 1)
    found: list[tuple[int, PageForm, str]] = []
    for url, form in forms:
        if form.number <= number:
            continue
        same = (
            _same_listing(form.base, here.base)
            if here is not None
            else _same_listing(form.base, current)
            or _same_listing(_strip_page_extension(form.base), _strip_page_extension(current))
        )
        if same:
            found.append((form.number, form, url))
    if not found:
        return None, []
    found.sort(key=lambda t: t[0])
    pages = list(dict.fromkeys(u for _, _, u in found))
    for n, _, url in found:
        if n == number + 1:
            return url, pages
    # Only later pages are linked: page N+1 in the same form.
    return found[0][1].url(number + 1), pages


# --- the page -----------------------------------------------------------------------------------------------------


def _resolve(href: str | None, base: str) -> str | None:
    if not href:
        return None
    href = href.strip()
    if href.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
        return None
    try:
        joined = urljoin(base, href.split("#", 1)[0])
        parts = urlsplit(joined)
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return joined


def site_host(host: str) -> str:
    """The host without ``www.`` (the part links of one site share)."""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _same_site(url: str, domains: tuple[str, ...]) -> bool:
    try:
        host = site_host(urlsplit(url).hostname or "")
    except ValueError:
        return False
    return any(host == d or host.endswith("." + d) for d in domains)


def _is_chrome(el: etree._Element) -> bool:
    """Whether an element is navigation, header or footer: by tag (a ``<header>`` inside an ``<article>`` is the
    article's own header), ARIA role, or a whole class/id name such as ``main-menu`` or ``site-footer``."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _CHROME_TAGS:
        return True
    if (el.get("role") or "").lower() in _CHROME_ROLES:
        return True
    names = (el.get("class") or "").lower().split() + (el.get("id") or "").lower().split()
    return any(_CHROME_NAME.match(n) for n in names)


def _text(el: etree._Element) -> str:
    text = " ".join("".join(el.itertext()).split())
    if not text:
        text = " ".join((el.get("title") or "").split())
    if not text:
        for img in el.iter("img"):
            text = " ".join((img.get("alt") or img.get("title") or "").split())
            if text:
                break
    return text


@dataclass
class _Link:
    url: str
    texts: list[str] = field(default_factory=list)
    in_content: bool = False
    count: int = 0

    @property
    def text(self) -> str:
        return max(self.texts, key=len, default="")


def _parse(html: bytes | str) -> etree._Element | None:
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    if not html.strip():
        return None
    try:
        return lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _anchors(root: etree._Element, base_url: str, domains: tuple[str, ...]) -> dict[str, _Link]:
    base_el = root.find(".//base[@href]")
    page_base = urljoin(base_url, base_el.get("href")) if base_el is not None else base_url
    links: dict[str, _Link] = {}
    chrome_cache: dict[etree._Element, bool] = {}

    def chrome(el: etree._Element) -> bool:
        # Iterative (a hostile page may nest thousands of elements); the answer is cached per element. Nothing
        # inside an <article> is chrome: a post's own header and footer belong to it.
        path: list[etree._Element] = []
        node: etree._Element | None = el
        answer = False
        while node is not None:
            if node in chrome_cache:
                answer = chrome_cache[node]
                break
            if node.tag == "article":
                answer = False
                path.append(node)
                break
            path.append(node)
            if _is_chrome(node):
                answer = True
                break
            node = node.getparent()
        for seen in path:
            chrome_cache[seen] = answer
        return answer

    for anchor in root.iter("a"):
        url = _resolve(anchor.get("href"), page_base)
        if url is None or not _same_site(url, domains):
            continue
        link = links.setdefault(url, _Link(url))
        link.count += 1
        text = _text(anchor)
        if text:
            link.texts.append(text)
        if not chrome(anchor):
            link.in_content = True
    return links


def classify_links(html: bytes | str, base_url: str, domains: Iterable[str] | None = None) -> PageLinks:
    """Every same-site link of the page at ``base_url``, classified (see the module docstring).

    ``domains`` are the site's hosts (a link on one of them or a subdomain is the site's); by default the page's own
    host. The page itself, links to other sites, fragments and ``javascript:`` links are left out."""
    root = _parse(html)
    if root is None:
        return PageLinks()
    own = site_host(urlsplit(base_url).hostname or "")
    hosts = tuple(site_host(d) for d in (domains or ())) or (own,)
    if own and not any(own == d or own.endswith("." + d) for d in hosts):
        hosts = (*hosts, own)
    anchors = _anchors(root, base_url, hosts)
    anchors.pop(base_url, None)
    shapes = {url: url_shape(url) for url in anchors}

    # Templates of the content area: how many distinct links share each, and how many of them read like titles.
    support: Counter[str] = Counter()
    titled: Counter[str] = Counter()
    for url, link in anchors.items():
        shape = shapes[url]
        if not link.in_content or (shape.kind in ("listing", "other") and shape.strength >= 2):
            continue
        support[shape.template] += 1
        if len(_words(link.text)) >= TITLE_WORDS or shape.slug_words >= TITLE_WORDS:
            titled[shape.template] += 1
    # A site has one article URL scheme (two across a migration). When links of a shape that decides alone already
    # fill the content area, a weaker shape needs comparable support: a few long-slug sub-sections or event hubs
    # beside forty "-a<id>.html" articles are not a second scheme.
    strong_templates = {shapes[u].template for u in anchors if shapes[u].kind == "article" and shapes[u].strength >= 2}
    strong = sum(1 for u, link in anchors.items() if link.in_content and shapes[u].template in strong_templates)
    floor = max(MIN_TEMPLATE_SUPPORT, strong // 2)
    article_templates = {
        tpl: n
        for tpl, n in support.items()
        if n >= (MIN_TEMPLATE_SUPPORT if tpl in strong_templates else floor) and titled[tpl] * 2 >= n
    }

    classified: list[LinkClass] = []
    for url, link in anchors.items():
        shape = shapes[url]
        classified.append(_decide(url, link, shape, article_templates))
    next_url, page_links = next_page(base_url, [u for u in anchors if shapes[u].reason == "pagination"])
    if next_url is not None and next_url == base_url:
        next_url = None
    return PageLinks(classified, next_url, page_links, dict(article_templates))


def _decide(url: str, link: _Link, shape: Shape, article_templates: dict[str, int]) -> LinkClass:
    def out(kind: Kind, confidence: Confidence, reason: str) -> LinkClass:
        return LinkClass(url, kind, confidence, reason, shape.template, link.text, link.in_content)

    supported = article_templates.get(shape.template, 0)
    title_like = len(_words(link.text)) >= TITLE_WORDS
    if shape.kind in ("listing", "other") and shape.strength >= 2:
        return out(shape.kind, "high", shape.reason)
    if shape.kind == "article" and shape.strength >= 2:
        # The shape decides; a link only in the menus with a one-word text is still an article, less surely.
        sure = supported or link.in_content or title_like
        return out("article", "high" if sure else "medium", shape.reason)
    if shape.kind == "article":
        # A weaker shape needs the page: its template must be the content area's article shape, and the link itself
        # must be in the content area (a footer's long-slug policy page shares a postname site's template).
        if supported and link.in_content:
            return out("article", "high" if supported >= 2 * MIN_TEMPLATE_SUPPORT else "medium", f"{shape.reason}+page")
        return out("other", "low", f"{shape.reason} unconfirmed")
    if shape.kind == "listing":
        return out("listing", "medium", shape.reason)
    # An unknown shape: an article only when many content links share its template under title-like texts.
    if supported >= 2 * MIN_TEMPLATE_SUPPORT and title_like and link.in_content:
        return out("article", "medium", "template")
    return out("other", "low", shape.reason)


# --- feeds named by a page ----------------------------------------------------------------------------------------

_FEED_TYPES: Final = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")


def feed_links(html: bytes | str, base_url: str) -> list[str]:
    """Feeds a page announces with ``<link rel="alternate" type="application/rss+xml|atom+xml">``, in page order
    (comment feeds left out: they list comments, not articles)."""
    root = _parse(html)
    if root is None:
        return []
    base_el = root.find(".//base[@href]")
    page_base = urljoin(base_url, base_el.get("href")) if base_el is not None else base_url
    found: list[str] = []
    for el in root.iter("link"):
        rels = (el.get("rel") or "").lower().split()
        kind = (el.get("type") or "").lower().split(";")[0].strip()
        if "alternate" not in rels or kind not in _FEED_TYPES:
            continue
        title = (el.get("title") or "").lower()
        url = _resolve(el.get("href"), page_base)
        if url is None or "comment" in url.lower() or "comment" in title or "bình luận" in title:
            continue
        if url not in found:
            found.append(url)
    return found


# --- patterns learned from a page ---------------------------------------------------------------------------------

_TOKEN_RE: Final = {
    "{yyyy}": r"(?:19|20)\d{2}",
    "{yyyymm}": r"(?:19|20)\d{4}",
    "{yyyymmdd}": r"(?:19|20)\d{6}",
    "{n}": r"\d{1,2}",
    "{num}": r"\d{1,3}",
    "{id}": r"\d{4,}",
    "{longid}": r"\d{8,}",
    "{w}": r"[^/?#]+",
    "{slug}": r"[^/?#]+",
    "{title}": r"(?:[^/?#-]+-){4,}[^/?#]+",  # a slug of five words or more (shorter ones are sections, "{w}")
    "{hex}": r"[0-9a-f]{6,16}",
    "{s}": r"[^&#]*",
}


def pattern_for_template(template: str) -> str:
    """A registry ``article_patterns`` regex for a template from :func:`url_shape` (host-independent, anchored at
    the path: ``/{w}/{slug}-post{id}.html`` -> ``^https?://[^/]+/[^/?#]+/[^/?#]+-post\\d{4,}\\.html$``)."""
    path, _, query = template.partition("?")
    out = []
    for piece in re.split(r"(\{[a-z]+\})", path):
        out.append(_TOKEN_RE[piece] if piece in _TOKEN_RE else _escape(piece))
    regex = "^https?://[^/]+" + "".join(out)
    if regex.endswith("/") and len(out) > 1:
        regex = regex[:-1] + "/?"  # the same page is often linked with and without its trailing slash
    if query:
        pieces = []
        for pair in query.split("&"):
            key, _, value = pair.partition("=")
            pieces.append(_escape(key) + "=" + (_TOKEN_RE.get(value, _escape(value)) if value else ""))
        regex += r"\?" + "&".join(pieces)
    return regex + "$"
