"""Fixture sites the registry does not know: URL shapes and markup of their own (tests of generic discovery).

Each site serves a category listing with numbered pagination, navigation, a header, a footer, a "most read" box, a
topic box and service links (contact, e-paper, search), so that precision is measured on the same kind of noise a
real listing page carries. None of them uses a CSS class or URL scheme the registry describes:

* ``portal``: a bespoke portal, articles at ``/<cat>/<numeric id>/`` (no slug at all), pages ``/thoi-su/trang-N.html``.
* ``vdocish``: ``/<slug>-a<id>.html``, category ``/thoi-su-c3.html``, pages ``?p=N`` with no rel=next, a feed
  announced by ``<link rel="alternate">`` only.
* ``dated``: ``/<cat>/<YYYYMM>/<slug>-<7 hex>/``, pages ``/thoi-su/pN``, a sitemap at ``/sitemap-news.xml`` that
  robots.txt does not name.
* ``redesigned``: ``-post<id>.html`` in new markup (no ``a.cms-link``), rel=next pagination ``?trang=N``.
* ``postname``: WordPress-style ``/<long slug>/`` articles (no id, no date), ``/chuyen-muc/thoi-su/page/N/``, and a
  long-slug privacy page in the footer.

``kind_of(path)`` tells what a path is, so a test can check every request a crawl made.
"""

from __future__ import annotations

import hashlib
from email.utils import format_datetime
from typing import Final

from ingest.demo.content import CATEGORIES, Article, make_article, slugify
from ingest.demo.sites import FixtureSite, Reply, _esc, _html_reply, _not_found, _urlset, _vn_time, _xml

PER_PAGE: Final = 6


def _letters(number: int) -> str:
    return "".join(chr(ord("a") + int(d)) for d in str(number))


class UnknownSite(FixtureSite):
    """A site with a start listing of every article, paginated; subclasses give URL shapes and markup."""

    family = "unknown"
    per_page = PER_PAGE
    listing_root = "/thoi-su/"
    head_extra = ""

    # --- URL shapes (subclasses) ---

    def page_path(self, page: int) -> str:
        raise NotImplementedError

    def category_path(self, slug: str) -> str:
        return f"/{slug}/"

    def tag_path(self, tag: str) -> str:
        return f"/tags/{slugify(tag)}/"

    def pagination(self, page: int, pages: int) -> tuple[str, str]:
        """(links in the page, extra head links): numbered links only, no rel=next."""
        links = " ".join(
            f'<a href="{self.page_path(n)}">{n}</a>' if n != page else f"<span>{n}</span>" for n in range(1, pages + 1)
        )
        return links, ""

    def service_paths(self) -> list[tuple[str, str]]:
        return [
            ("/lien-he.html", "Liên hệ"),
            ("/gioi-thieu.html", "Giới thiệu"),
            ("/bao-in/", "Báo in"),
            ("/tim-kiem/?q=tin", "Tìm kiếm"),
            ("/quang-cao.html", "Quảng cáo"),
        ]

    # --- what a path is ---

    def listing_targets(self) -> dict[str, int]:
        """The start listing's pages: request target (path and query) -> page number."""
        _, pages = self.page_of(1)
        return {self.page_path(n): n for n in range(1, pages + 1)}

    def kind_of(self, target: str) -> str:
        """ "article", "listing" (the start listing's pages), "robots", "discovery" (feeds, sitemaps) or "other"."""
        path = target.split("?", 1)[0]
        if target in self.listing_targets():
            return "listing"
        if self.find(path) is not None and path == target:
            return "article"
        if path == "/robots.txt":
            return "robots"
        if path.endswith((".xml", ".rss")):
            return "discovery"
        return "other"

    # --- HTTP ---

    def route(self, path: str, query: dict[str, list[str]]) -> Reply:
        target = path + ("?" + "&".join(f"{k}={v[0]}" for k, v in query.items()) if query else "")
        page = self.listing_targets().get(target)
        if page is not None:
            return self.listing(page)
        article = self.find(path)
        if article is not None:
            return self.serve_article(article)
        extra = self.extra_route(path)
        if extra is not None:
            return extra
        if path == "/bao-tri.html":
            # A maintenance page: menus and service links only, not one article link (a site whose links moved).
            nav = " ".join(f'<a href="{self.category_path(slug)}">{name}</a>' for slug, name in CATEGORIES)
            services = " ".join(f'<a href="{_esc(p)}">{t}</a>' for p, t in self.service_paths())
            return _html_reply(
                f"<!DOCTYPE html><html><body><nav>{nav}</nav><p>Trang đang bảo trì.</p><footer>{services}</footer>"
                "</body></html>"
            )
        if path in {p.split("?")[0] for p, _ in self.service_paths()} or path.startswith(("/tags/", "/tu-khoa/")):
            return _html_reply(self.page("Trang", "<p>Trang dịch vụ.</p>"))
        if any(path == self.category_path(slug) for slug, _ in CATEGORIES):
            return _html_reply(self.page("Chuyên mục", "<p>Chuyên mục.</p>"))
        return _not_found()

    def extra_route(self, path: str) -> Reply | None:
        return None

    # --- markup ---

    def item(self, a: Article) -> str:
        url = _esc(self.article_path(a))
        return (
            f'<div class="news-item"><a class="thumb" href="{url}"><img src="/img/{a.number}.jpg" alt=""></a>'
            f'<h3><a href="{url}">{_esc(a.title)}</a></h3><span class="date">{_vn_time(a)}</span>'
            f"<p>{_esc(a.lead[:120])}</p></div>"
        )

    def page(self, title: str, main: str, head: str = "") -> str:
        nav = " ".join(f'<li><a href="{self.category_path(slug)}">{name}</a></li>' for slug, name in CATEGORIES)
        services = " ".join(f'<a href="{_esc(p)}">{t}</a>' for p, t in self.service_paths())
        newest = self.articles[0]
        most_read = "".join(
            f'<li><a href="{_esc(self.article_path(a))}">{_esc(a.title)}</a></li>' for a in self.articles[-5:]
        )
        tags = sorted({t for a in self.articles[:8] for t in a.tags})[:6]
        topic_box = " ".join(f'<a class="tag" href="{_esc(self.tag_path(t))}">{_esc(t)}</a>' for t in tags)
        boxes = " ".join(
            f'<h2 class="box-head"><a href="{self.category_path(slug)}">{name}</a></h2>' for slug, name in CATEGORIES
        )
        return (
            f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{_esc(title)}</title>{head}'
            f"{self.head_extra}</head><body>"
            f'<div id="top-header"><a href="/">Trang chủ</a> {services}</div>'
            f'<div class="main-menu"><ul><li><a href="/">Trang chủ</a></li>{nav}</ul></div>'
            f'<div class="ticker">Tin nóng: <a href="{_esc(self.article_path(newest))}">{_esc(newest.title)}</a></div>'
            f'<div class="wrap"><div class="col-main">{main}<div class="topics">Chủ đề: {topic_box}</div>'
            f"<div>{boxes}</div></div>"
            f'<aside class="col-side"><h3>Đọc nhiều</h3><ul>{most_read}</ul></aside></div>'
            f'<div class="site-footer"><a href="/">Trang chủ</a> {services} {nav}'
            f"<p>Cơ quan chủ quản: trang thử nghiệm ngoại tuyến.</p></div></body></html>"
        )

    def listing(self, page: int) -> Reply:
        items, pages = self.page_of(page)
        if page > pages:
            return _not_found()
        links, head = self.pagination(page, pages)
        main = (
            f'<h1 class="cate">Thời sự</h1><div class="list">{"".join(self.item(a) for a in items)}</div>'
            f'<div class="paging">{links}</div>'
        )
        return _html_reply(self.page(f"Thời sự - trang {page}", main, head))

    def render_article(self, a: Article) -> str:
        body = "".join(f"<p>{_esc(p)}</p>" for p in a.paragraphs)
        main = (
            f'<div class="detail"><h1 class="detail-title">{_esc(a.title)}</h1>'
            f'<div class="detail-time">{_vn_time(a)}</div><p class="sapo"><b>{_esc(a.lead)}</b></p>'
            f'<div class="detail-body">{body}<p style="text-align:right"><b>{_esc(a.byline)}</b></p></div></div>'
        )
        return self.page(a.title, main)


class PortalSite(UnknownSite):
    """Articles at ``/<cat>/<id>/``: the numeric id is a path segment and there is no slug."""

    def article_path(self, a: Article) -> str:
        return f"/{a.category[0]}/{58000 + a.number}/"

    def page_path(self, page: int) -> str:
        return "/thoi-su/" if page == 1 else f"/thoi-su/trang-{page}.html"


class VdocishSite(UnknownSite):
    """``/<slug>-a<id>.html`` articles, ``?p=N`` pages without rel=next, a feed announced in the head only."""

    head_extra = (
        '<link rel="alternate" type="application/rss+xml" title="Tin mới" href="/rss/tin-moi.rss">'
        '<link rel="alternate" type="application/rss+xml" title="Bình luận" href="/rss/comments.rss">'
    )

    def article_path(self, a: Article) -> str:
        return f"/{a.slug[:60].rstrip('-')}-a{410000 + a.number}.html"

    def category_path(self, slug: str) -> str:
        return f"/{slug}-c{len(slug)}.html"

    def tag_path(self, tag: str) -> str:
        return f"/tu-khoa/{slugify(tag)}.html"

    def page_path(self, page: int) -> str:
        return "/thoi-su-c7.html" if page == 1 else f"/thoi-su-c7.html?p={page}"

    def extra_route(self, path: str) -> Reply | None:
        if path == "/rss/tin-moi.rss":
            items = "".join(
                f"<item><title>{_esc(a.title)}</title><link>{self.article_url(a)}</link>"
                f"<pubDate>{format_datetime(a.published)}</pubDate></item>"
                for a in self.articles[:10]
            )
            return _xml(f'<rss version="2.0"><channel><title>Tin mới</title>{items}</channel></rss>')
        return None


class DatedSite(UnknownSite):
    """``/<cat>/<YYYYMM>/<slug>-<7 hex>/`` articles, ``/thoi-su/pN`` pages, a sitemap robots.txt does not name."""

    def article_path(self, a: Article) -> str:
        digest = hashlib.sha1(f"{self.name}:{a.number}".encode()).hexdigest()[:7]
        return f"/{a.category[0]}/{a.published:%Y%m}/{a.slug[:50].rstrip('-')}-{digest}/"

    def page_path(self, page: int) -> str:
        return "/thoi-su/" if page == 1 else f"/thoi-su/p{page}"

    def extra_route(self, path: str) -> Reply | None:
        if path == "/sitemap-news.xml":
            return _urlset(((self.article_url(a), a.published) for a in self.articles), news=True)
        return None


class RedesignedSite(UnknownSite):
    """``-post<id>.html`` articles in markup without the ``a.cms-link`` class the registry expects; rel=next."""

    def article_path(self, a: Article) -> str:
        return f"/{a.slug[:60].rstrip('-')}-post{560000 + a.number}.html"

    def page_path(self, page: int) -> str:
        return "/thoi-su/" if page == 1 else f"/thoi-su/?trang={page}"

    def pagination(self, page: int, pages: int) -> tuple[str, str]:
        if page >= pages:
            return "", ""
        nxt = self.page_path(page + 1)
        return f'<a class="btn-more" rel="next" href="{nxt}">Tin cũ hơn</a>', f'<link rel="next" href="{nxt}">'


class PostnameSite(UnknownSite):
    """WordPress-style ``/<long slug>/`` articles: neither an id nor a date in the URL."""

    listing_root = "/chuyen-muc/thoi-su/"

    def article_path(self, a: Article) -> str:
        words = slugify(a.title.split(" (")[0]).split("-")[:9]
        return f"/{'-'.join(words)}-so-{_letters(a.number)}/"

    def category_path(self, slug: str) -> str:
        return f"/chuyen-muc/{slug}/"

    def tag_path(self, tag: str) -> str:
        return f"/tu-khoa/{slugify(tag)}/"

    def page_path(self, page: int) -> str:
        return "/chuyen-muc/thoi-su/" if page == 1 else f"/chuyen-muc/thoi-su/page/{page}/"

    def service_paths(self) -> list[tuple[str, str]]:
        return [*super().service_paths(), ("/chinh-sach-bao-ve-du-lieu-ca-nhan-cua-toa-soan/", "Chính sách dữ liệu")]

    def extra_route(self, path: str) -> Reply | None:
        if path == "/chinh-sach-bao-ve-du-lieu-ca-nhan-cua-toa-soan/":
            return _html_reply(self.page("Chính sách", "<p>Chính sách bảo vệ dữ liệu cá nhân.</p>"))
        return None


def unknown_sites(count: int = 20) -> list[UnknownSite]:
    """The five sites, ``count`` articles each (numbers differ per site, so no two share a story)."""
    classes: list[tuple[str, type[UnknownSite]]] = [
        ("portal", PortalSite),
        ("vdocish", VdocishSite),
        ("dated", DatedSite),
        ("redesigned", RedesignedSite),
        ("postname", PostnameSite),
    ]
    return [
        cls(name, [make_article(index * 1000 + n) for n in range(1, count + 1)])
        for index, (name, cls) in enumerate(classes, start=1)
    ]


# Registry entries for the sites: empty, or wrong as a stale entry is (an old URL scheme, a selector of the old
# markup). Domains are placeholders; crawls rebase them onto the fixture server with start_url.
REGISTRY: Final = """
schema = 1

[[site]]
name = "portal"
title = "Portal"
province = "Gia Lai"
provinces_before_2025 = ["Gia Lai"]
current = true
domains = ["portal.example.vn"]
start_urls = ["https://portal.example.vn/thoi-su/"]
cms = "unknown"
# The old URL scheme: no article on the site matches it any more.
article_patterns = ['-\\d+\\.htm$']
example_urls = ["https://portal.example.vn/tin-cu-12345.htm"]
status = "active"
confidence = "inferred"
verified = false

[[site]]
name = "vdocish"
title = "Vdocish"
province = "Cần Thơ"
provinces_before_2025 = ["Cần Thơ"]
current = true
domains = ["vdocish.example.vn"]
start_urls = ["https://vdocish.example.vn/thoi-su-c7.html"]
cms = "unknown"
status = "active"
confidence = "inferred"
verified = false

[[site]]
name = "dated"
title = "Dated"
province = "Đắk Lắk"
provinces_before_2025 = ["Đắk Lắk"]
current = true
domains = ["dated.example.vn"]
start_urls = ["https://dated.example.vn/thoi-su/"]
cms = "unknown"
status = "active"
confidence = "inferred"
verified = false

[[site]]
name = "redesigned"
title = "Redesigned"
province = "Hà Tĩnh"
provinces_before_2025 = ["Hà Tĩnh"]
current = true
domains = ["redesigned.example.vn"]
start_urls = ["https://redesigned.example.vn/thoi-su/"]
cms = "unknown"
# The old markup's article links: nothing on the redesigned site carries this class.
selectors = { links = "a.cms-link" }
status = "active"
confidence = "inferred"
verified = false

[[site]]
name = "postname"
title = "Postname"
province = "Huế"
provinces_before_2025 = ["Thừa Thiên Huế"]
current = true
domains = ["postname.example.vn"]
start_urls = ["https://postname.example.vn/chuyen-muc/thoi-su/"]
cms = "unknown"
status = "active"
confidence = "inferred"
verified = false
"""
