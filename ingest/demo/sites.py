"""The fixture sites: what each offline site serves for a path (no sockets here; ``server.py`` does HTTP).

Three CMS families as described in VIETNAMESE.md §4/§6, each under its registry spider name so
``scrapy crawl <name> -a start_url=...`` crawls it with the real registry entry:

* ``kontumtv`` (WordPress): ``/feed/``, ``/wp-sitemap.xml`` (index with post, taxonomy and user sitemaps),
  ``/wp-json/wp/v2/posts``, ``/category/video-clip/thoi-su/page/N/`` listings, ``/YYYY/MM/DD/slug/`` posts with the
  Vietnamese WP comment form, the seed article (text read from ``../shared/seed`` at serve time when present),
  ``/?p=N`` and slash-less permalinks answered by 301 redirects, a listed post that is gone (404), a post that
  fails once with 500, and a feed link carrying utm parameters.
* ``baodaklak`` (VNPT portal): ``/<cate>/<YYYYMM>/<slug>-<7 hex>/`` pages with the nested ``<html>`` inside
  ``<main>``, ``time.time`` "HH:MM, dd/mm/yyyy", home-page pagination ``?page=N`` (rel=next), a robots.txt
  ``Sitemap:`` urlset; every article answers with and without its trailing slash (one article under two URLs).
* ``baogialai`` (Z-CMS "zce"): ``-post<id>.html`` pages, ``/rss/home.rss``, a sitemap index with a news sitemap,
  home pagination ``?trang=N``; carries a lightly edited copy of one kontumtv story (syndication).

Article texts come from ``content.py`` (templates and sentence fragments written by us). The generated mode,
``generated_site(N)``, is a WordPress site of N posts (1 <= N <= 20000) for load tests.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from importlib import resources
from pathlib import Path
from string import Template
from typing import Final
from urllib.parse import parse_qs, urlsplit

from ingest.demo.content import Article, make_article, seed_article, syndicated_copy

SEED_FILE: Final = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_2f714dbf94d9eafe.txt"

# Article numbers with a fixed role in the hand-written sites (the syndicated story and the utm/flaky ones).
SYNDICATED: Final = 3
FLAKY: Final = 5
UTM: Final = 2
SEED_NUMBER: Final = 100


@dataclass
class Reply:
    """An HTTP answer: status, headers and body."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _template(name: str) -> Template:
    return Template(resources.files("ingest.demo").joinpath("templates", name).read_text(encoding="utf-8"))


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _html_reply(text: str, status: int = 200) -> Reply:
    return Reply(status, text.encode("utf-8"), {"Content-Type": "text/html; charset=UTF-8"})


def _not_found() -> Reply:
    return _html_reply("<!DOCTYPE html><html><body><h1>404</h1><p>Không tìm thấy trang.</p></body></html>", 404)


def _vn_time(a: Article) -> str:
    return f"{a.published:%H:%M}, {a.published:%d/%m/%Y}"


class FixtureSite:
    """One offline site: a list of articles, a URL scheme and the pages built from them. Thread-safe."""

    family = "generic"
    per_page = 5

    def __init__(self, name: str, articles: list[Article]) -> None:
        self.name = name
        self.base_url = "http://127.0.0.1/"
        self._lock = threading.Lock()
        self._articles: list[Article] = []
        self._by_path: dict[str, Article] = {}
        self._failed_once: set[int] = set()
        self.flaky: set[int] = set()
        # One sort for the initial list: a generated site of 20000 posts must start in well under a second.
        self._articles = sorted(articles, key=lambda a: (a.published, a.number), reverse=True)
        self._by_path = {self.article_path(a): a for a in self._articles}

    # --- articles -----------------------------------------------------------------------------------------------

    def article_path(self, a: Article) -> str:
        raise NotImplementedError

    def article_url(self, a: Article) -> str:
        return self.base_url.rstrip("/") + self.article_path(a)

    def add_article(self, article: Article) -> str:
        """Publish ``article`` (listings and feeds show it in date order, so a new one comes first); its URL."""
        with self._lock:
            self._articles.append(article)
            self._articles.sort(key=lambda a: (a.published, a.number), reverse=True)
            self._by_path[self.article_path(article)] = article
        return self.article_url(article)

    @property
    def articles(self) -> list[Article]:
        """Articles, newest first."""
        with self._lock:
            return list(self._articles)

    def article_urls(self) -> list[str]:
        return [self.article_url(a) for a in self.articles]

    def page_of(self, page: int) -> tuple[list[Article], int]:
        items = self.articles
        pages = max(1, math.ceil(len(items) / self.per_page))
        return items[(page - 1) * self.per_page : page * self.per_page], pages

    # --- HTTP ---------------------------------------------------------------------------------------------------

    def robots(self) -> str:
        return "User-agent: *\nDisallow: /admin/\n"

    def handle(self, path: str, query: dict[str, list[str]]) -> Reply:
        if path == "/robots.txt":
            return Reply(200, self.robots().encode(), {"Content-Type": "text/plain; charset=utf-8"})
        return self.route(path, query)

    def route(self, path: str, query: dict[str, list[str]]) -> Reply:
        raise NotImplementedError

    def serve_article(self, article: Article) -> Reply:
        # The flaky article fails once with 500, then succeeds (exercises the retry middleware).
        with self._lock:
            if article.number in self.flaky and article.number not in self._failed_once:
                self._failed_once.add(article.number)
                return _html_reply("<html><body>Lỗi máy chủ tạm thời</body></html>", 500)
        return _html_reply(self.render_article(article))

    def render_article(self, article: Article) -> str:
        raise NotImplementedError

    def find(self, path: str) -> Article | None:
        with self._lock:
            return self._by_path.get(path)


def _paragraphs(a: Article, *, byline_style: str) -> str:
    parts = [f"<p>{_esc(p)}</p>" for p in a.paragraphs]
    if a.byline:
        parts.append(f'<p style="text-align: right;"><strong>{_esc(a.byline)}</strong></p>' if byline_style else "")
    return "\n".join(parts)


def _page_number(query: dict[str, list[str]], key: str) -> int | None:
    raw = query.get(key, ["1"])[0]
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


class WordPressSite(FixtureSite):
    """A WordPress site in kontumtv.vn's style."""

    family = "wordpress"
    category = "/category/video-clip/thoi-su/"
    sitemap_size = 2000

    def __init__(self, name: str, articles: list[Article], *, gone: bool = True) -> None:
        super().__init__(name, articles)
        # A post listed on page 1 that has since been deleted: the crawl meets a 404.
        self.gone_path = "/2025/06/01/bai-viet-da-go/" if gone else None

    def article_path(self, a: Article) -> str:
        return f"/{a.published:%Y/%m/%d}/{a.slug}/"

    def robots(self) -> str:
        return (
            "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
            f"Sitemap: {self.base_url.rstrip('/')}/wp-sitemap.xml\n"
        )

    def route(self, path: str, query: dict[str, list[str]]) -> Reply:
        base = self.base_url.rstrip("/")
        if path == "/" and "p" in query:
            for a in self.articles:
                if str(a.number) == query["p"][0]:
                    return Reply(301, b"", {"Location": self.article_url(a)})
            return _not_found()
        if path == "/":
            return self.listing("Trang chủ", path, 1)
        if path.startswith(self.category):
            rest = path[len(self.category) :]
            if rest == "":
                return self.listing("Thời sự", self.category, 1)
            if rest.startswith("page/") and rest.rstrip("/").split("/")[-1].isdigit():
                if not rest.endswith("/"):
                    return Reply(301, b"", {"Location": f"{base}{path}/"})
                return self.listing("Thời sự", self.category, int(rest.rstrip("/").split("/")[-1]))
            return _not_found()
        if path == "/feed/":
            return self.feed()
        if path == "/wp-sitemap.xml":
            return self.sitemap_index()
        if path.startswith("/wp-sitemap-"):
            return self.sub_sitemap(path)
        if path == "/wp-json/wp/v2/posts":
            return self.rest_posts(query)
        article = self.find(path)
        if article is not None:
            return self.serve_article(article)
        # WordPress redirects a permalink without its trailing slash to the canonical one.
        if not path.endswith("/") and self.find(path + "/") is not None:
            return Reply(301, b"", {"Location": f"{base}{path}/"})
        return _not_found()

    def listing(self, heading: str, root: str, page: int) -> Reply:
        items, pages = self.page_of(page)
        if page > pages:
            return _not_found()
        blocks = []
        for a in items:
            blocks.append(
                f'<article class="post-{a.number} post type-post hentry">'
                f'<h2 class="entry-title"><a href="{_esc(self.article_url(a))}" rel="bookmark">{_esc(a.title)}</a></h2>'
                f'<div class="entry-meta"><time class="entry-date published" datetime="{a.published.isoformat()}">'
                f"{a.published:%d/%m/%Y}</time></div>"
                f'<div class="entry-summary"><p>{_esc(a.lead[:160])}</p></div></article>'
            )
        if page == 1 and self.gone_path:
            blocks.append(
                f'<article class="post type-post hentry"><h2 class="entry-title"><a href="{self.gone_path}" '
                'rel="bookmark">Bài viết đã gỡ</a></h2></article>'
            )
        category_root = self.category if root == "/" else root
        links = []
        head = ""
        if page < pages:
            nxt = f"{category_root}page/{page + 1}/"
            links.append(f'<a class="next page-numbers" href="{nxt}">Trang sau »</a>')
            head = f'<link rel="next" href="{nxt}">'
        for n in range(1, min(pages, 4) + 1):
            links.append(f'<a class="page-numbers" href="{category_root}page/{n}/">{n}</a>')
        text = _template("wp_listing.html").substitute(
            heading=_esc(heading), head_links=head, items="\n".join(blocks), pagination=" ".join(links)
        )
        return _html_reply(text)

    def render_article(self, a: Article) -> str:
        tags = " ".join(f'<a href="/tag/{_esc(t)}/" rel="tag">{_esc(t)}</a>' for t in a.tags)
        lead = f"<p><strong>{_esc(a.lead)}</strong></p>\n" if a.lead else ""
        body = lead + _paragraphs(a, byline_style="right")
        return _template("wp_article.html").substitute(
            title=_esc(a.title),
            url=_esc(self.article_url(a)),
            number=a.number,
            category_slug=a.category[0],
            category_name=_esc(a.category[1]),
            body=body,
            tags=tags,
            # WordPress themes print the post date; the seed report's only date is its body dateline.
            meta_date="" if a.number == SEED_NUMBER else _wp_date(a),
        )

    def feed(self) -> Reply:
        items = []
        for a in self.articles[:10]:
            link = self.article_url(a)
            if a.number == UTM:
                link += "?utm_source=rss&utm_medium=feed&utm_campaign=kontumtv"
            items.append(
                f"<item><title>{_esc(a.title)}</title><link>{_esc(link)}</link>"
                f"<pubDate>{format_datetime(a.published.astimezone(UTC))}</pubDate>"
                f'<guid isPermaLink="false">{self.base_url}?p={a.number}</guid>'
                f"<description><![CDATA[{a.lead}]]></description></item>"
            )
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>'
            f"<title>Kon Tum TV</title><link>{self.base_url}</link><sy:updatePeriod>hourly</sy:updatePeriod>"
            + "".join(items)
            + "</channel></rss>"
        )
        return Reply(200, xml.encode(), {"Content-Type": "application/rss+xml; charset=UTF-8"})

    def sitemap_index(self) -> Reply:
        base = self.base_url.rstrip("/")
        pages = max(1, math.ceil(len(self.articles) / self.sitemap_size))
        locs = [f"{base}/wp-sitemap-posts-post-{n}.xml" for n in range(1, pages + 1)]
        locs += [f"{base}/wp-sitemap-taxonomies-category-1.xml", f"{base}/wp-sitemap-users-1.xml"]
        body = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
        return _xml(f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>')

    def sub_sitemap(self, path: str) -> Reply:
        base = self.base_url.rstrip("/")
        if path == "/wp-sitemap-taxonomies-category-1.xml":
            urls = [f"{base}{self.category}"]
        elif path == "/wp-sitemap-users-1.xml":
            urls = [f"{base}/author/admin/"]
        elif path.startswith("/wp-sitemap-posts-post-") and path.endswith(".xml"):
            number = path[len("/wp-sitemap-posts-post-") : -4]
            if not number.isdigit():
                return _not_found()
            n = int(number)
            chunk = self.articles[(n - 1) * self.sitemap_size : n * self.sitemap_size]
            return _urlset((self.article_url(a), a.published) for a in chunk)
        else:
            return _not_found()
        return _urlset((u, None) for u in urls)

    def rest_posts(self, query: dict[str, list[str]]) -> Reply:
        page = _page_number(query, "page")
        per_page = _page_number(query, "per_page") or 10
        items = self.articles
        total_pages = max(1, math.ceil(len(items) / min(per_page, 100)))
        if page is None or page > total_pages:
            error = {"code": "rest_post_invalid_page_number", "message": "Số trang yêu cầu lớn hơn số trang hiện có."}
            return Reply(400, json.dumps(error).encode(), {"Content-Type": "application/json; charset=UTF-8"})
        per_page = min(per_page, 100)
        chunk = items[(page - 1) * per_page : page * per_page]
        posts = [
            {
                "id": a.number,
                "date": a.published.replace(tzinfo=None).isoformat(),
                "date_gmt": a.published.astimezone(UTC).replace(tzinfo=None).isoformat(),
                "link": self.article_url(a),
                "title": {"rendered": a.title},
            }
            for a in chunk
        ]
        headers = {
            "Content-Type": "application/json; charset=UTF-8",
            "X-WP-Total": str(len(items)),
            "X-WP-TotalPages": str(total_pages),
        }
        return Reply(200, json.dumps(posts, ensure_ascii=False).encode(), headers)


def _wp_date(a: Article) -> str:
    return f'<time class="entry-date published" datetime="{a.published.isoformat()}">{a.published:%d/%m/%Y}</time> '


def _xml(text: str) -> Reply:
    return Reply(200, ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode(), {"Content-Type": "application/xml"})


def _urlset(rows: object, *, news: bool = False) -> Reply:
    parts = []
    for url, when in rows:  # type: ignore[attr-defined]
        extra = ""
        if when is not None:
            extra = f"<lastmod>{when.isoformat()}</lastmod>"
            if news:
                extra += (
                    "<news:news><news:publication><news:name>Báo Gia Lai</news:name><news:language>vi"
                    f"</news:language></news:publication><news:publication_date>{when.isoformat()}"
                    "</news:publication_date></news:news>"
                )
        parts.append(f"<url><loc>{_esc(url)}</loc>{extra}</url>")
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return _xml(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{"".join(parts)}</urlset>')


class VnptSite(FixtureSite):
    """A VNPT provincial portal paper (baodaklak.vn style)."""

    family = "vnpt"
    site_id = "f1a2b3c4d5e6f708192a3b4c5d6e7f80"

    def article_path(self, a: Article) -> str:
        digest = hashlib.sha1(f"{self.name}:{a.number}".encode()).hexdigest()[:7]
        return f"/{a.category[0]}/{a.published:%Y%m}/{a.slug}-{digest}/"

    def robots(self) -> str:
        return f"User-agent: *\nDisallow: /admin/\nSitemap: {self.base_url.rstrip('/')}/sitemap.xml\n"

    def route(self, path: str, query: dict[str, list[str]]) -> Reply:
        if path == "/":
            page = _page_number(query, "page")
            return self.listing(page) if page is not None else _not_found()
        if path == "/sitemap.xml":
            # Sitemap URLs drop the trailing slash: the same article is reachable under two URLs.
            return _urlset((self.article_url(a).rstrip("/"), a.published) for a in self.articles)
        article = self.find(path) or self.find(path + "/")
        if article is not None:
            return self.serve_article(article)
        return _not_found()

    def listing(self, page: int) -> Reply:
        items, pages = self.page_of(page)
        if page > pages:
            return _not_found()
        blocks = [
            f'<div class="horizontal-post-box"><a class="thumb" href="{_esc(self.article_url(a))}">'
            f'<img src="/file/{self.site_id}/{a.published:%m%Y}/anh-{a.number}.jpg" alt=""></a>'
            f'<h3 class="title"><a href="{_esc(self.article_url(a))}">{_esc(a.title)}</a></h3>'
            f'<time class="time">{_vn_time(a)}</time></div>'
            for a in items
        ]
        head, links = "", []
        if page < pages:
            head = f'<link rel="next" href="/?page={page + 1}">'
            links.append(f'<a class="next" rel="next" href="/?page={page + 1}">Trang sau</a>')
        if page > 1:
            links.insert(0, f'<a class="prev" rel="prev" href="/?page={page - 1}">Trang trước</a>')
        text = _template("vnpt_listing.html").substitute(
            heading="Tin mới nhất", head_links=head, items="\n".join(blocks), pagination=" ".join(links)
        )
        return _html_reply(text)

    def render_article(self, a: Article) -> str:
        related = "".join(
            f'<div class="horizontal-post-box"><a href="{_esc(self.article_url(r))}">{_esc(r.title)}</a>'
            f'<time class="time">{_vn_time(r)}</time></div>'
            for r in self.articles[:3]
            if r.number != a.number
        )
        return _template("vnpt_article.html").substitute(
            title=_esc(a.title),
            site_id=self.site_id,
            number=a.number,
            category_slug=a.category[0],
            category_name=_esc(a.category[1]),
            time_text=_vn_time(a),
            lead=_esc(a.lead),
            body=_paragraphs(a, byline_style="right"),
            tags=" ".join(f'<a href="/tags/{_esc(t)}">{_esc(t)}</a>' for t in a.tags),
            related=related,
        )


class ZcmsSite(FixtureSite):
    """A Z-CMS "zce" paper (baogialai.com.vn style)."""

    family = "zcms"

    def article_path(self, a: Article) -> str:
        return f"/{a.slug}-post{500000 + a.number}.html"

    def robots(self) -> str:
        return f"User-agent: *\nDisallow: /admin/\nSitemap: {self.base_url.rstrip('/')}/sitemaps/sitemap.xml\n"

    def route(self, path: str, query: dict[str, list[str]]) -> Reply:
        base = self.base_url.rstrip("/")
        if path == "/":
            page = _page_number(query, "trang")
            return self.listing(page) if page is not None else _not_found()
        if path == "/rss/home.rss":
            return self.feed()
        if path == "/sitemaps/sitemap.xml":
            locs = (f"{base}/sitemaps/news.xml", f"{base}/sitemaps/categories.xml", f"{base}/sitemaps/all.xml")
            body = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
            return _xml(f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>')
        if path == "/sitemaps/news.xml":
            return _urlset(((self.article_url(a), a.published) for a in self.articles[:5]), news=True)
        if path == "/sitemaps/all.xml":
            return _urlset((self.article_url(a), a.published) for a in self.articles)
        if path == "/sitemaps/categories.xml":
            return _urlset(
                (f"{base}/thoi-su/", None),
            )
        article = self.find(path)
        if article is not None:
            return self.serve_article(article)
        return _not_found()

    def feed(self) -> Reply:
        items = "".join(
            f"<item><title>{_esc(a.title)}</title><link>{_esc(self.article_url(a))}</link>"
            f"<pubDate>{format_datetime(a.published)}</pubDate></item>"
            for a in self.articles[:10]
        )
        xml = (
            f'<rss version="2.0"><channel><title>Báo Gia Lai</title><link>{self.base_url}</link>{items}</channel></rss>'
        )
        return _xml(xml)

    def listing(self, page: int) -> Reply:
        items, pages = self.page_of(page)
        if page > pages:
            return _not_found()
        blocks = [
            f'<div class="story"><h3 class="story__heading"><a class="cms-link" href="{_esc(self.article_path(a))}" '
            f'title="{_esc(a.title)}">{_esc(a.title)}</a></h3>'
            f'<time class="time" datetime="{a.published.isoformat()}">{_vn_time(a)}</time>'
            f'<div class="story__summary">{_esc(a.lead[:140])}</div></div>'
            for a in items
        ]
        head, links = "", []
        if page < pages:
            head = f'<link rel="next" href="/?trang={page + 1}">'
            links.append(f'<a class="more" href="/?trang={page + 1}">Xem thêm</a>')
        text = _template("zcms_listing.html").substitute(
            heading="Tin mới", head_links=head, items="\n".join(blocks), pagination=" ".join(links)
        )
        return _html_reply(text)

    def render_article(self, a: Article) -> str:
        jsonld = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": a.title,
                "datePublished": a.published.isoformat(),
                "author": {"@type": "Person", "name": a.byline.split(" (")[0]},
            },
            ensure_ascii=False,
        ).replace("</", "<\\/")
        related = "".join(
            f'<a class="cms-link" href="{_esc(self.article_path(r))}">{_esc(r.title)}</a>'
            for r in self.articles[:3]
            if r.number != a.number
        )
        return _template("zcms_article.html").substitute(
            title=_esc(a.title),
            url=_esc(self.article_url(a)),
            iso_date=a.published.isoformat(),
            jsonld=jsonld,
            category_slug=a.category[0],
            category_name=_esc(a.category[1]),
            time_text=_vn_time(a),
            lead=_esc(a.lead),
            body=_paragraphs(a, byline_style=""),
            byline=_esc(a.byline),
            tags=" ".join(f'<a href="/tag/{_esc(t)}.html">{_esc(t)}</a>' for t in a.tags),
            related=related,
        )


def read_seed(path: Path = SEED_FILE) -> str | None:
    """The shared seed article's text, or None when the checkout has no ``../shared/seed`` beside it."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def fixture_sites(*, seed_path: Path = SEED_FILE) -> list[FixtureSite]:
    """The hand-written demo sites, fresh (each call builds new state): kontumtv, baodaklak, baogialai."""
    wp_articles = [make_article(n) for n in range(1, 13)]
    seed = read_seed(seed_path)
    if seed is not None:
        wp_articles.append(seed_article(seed, SEED_NUMBER))
    kontumtv = WordPressSite("kontumtv", wp_articles)
    kontumtv.flaky.add(FLAKY)
    baodaklak = VnptSite("baodaklak", [make_article(n) for n in range(200, 211)])
    baodaklak.flaky.add(203)
    story = next(a for a in wp_articles if a.number == SYNDICATED)
    baogialai = ZcmsSite("baogialai", [*(make_article(n) for n in range(300, 309)), syndicated_copy(story, 399)])
    return [kontumtv, baodaklak, baogialai]


def generated_site(count: int, *, name: str = "kontumtv") -> WordPressSite:
    """A WordPress site of ``count`` generated posts (1..20000) for load tests, 20 per listing page."""
    if not 1 <= count <= 20000:
        raise ValueError(f"generated sites hold 1 to 20000 articles, not {count}")
    site = WordPressSite(name, [make_article(n) for n in range(1, count + 1)], gone=False)
    site.per_page = 20
    return site


def now_article(number: int) -> Article:
    """A new article dated now (what a site publishes between two crawls)."""
    return make_article(number, published=datetime.now(UTC).astimezone(make_article(1).published.tzinfo))


def split_query(target: str) -> tuple[str, dict[str, list[str]]]:
    """Path and query of a request target ("/?page=2" -> ("/", {"page": ["2"]}))."""
    parts = urlsplit(target)
    return parts.path or "/", parse_qs(parts.query)
