"""A hostile WordPress-like site on 127.0.0.1: good articles mixed with every bad thing the open web serves.

Paths follow the kontumtv registry entry (``/feed/``, ``/wp-sitemap.xml``, ``/wp-json/...``, ``a[rel=bookmark]``
article links, ``/category/.../page/N/`` pagination), so ``scrapy crawl kontumtv -a start_url=BASE`` crawls it.
Every request is logged; ``/xxe-callback`` must never be requested (an external entity that was followed).
"""

from __future__ import annotations

import contextlib
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.hostile import pages
from tests.hostile.legacy_text import tcvn3, vni

Reply = tuple[int, dict[str, str], bytes]
HTML = "text/html; charset=utf-8"
GOOD = 5  # good articles /2025/05/2N/good-N/
PAGE_LINKS = 3


def _html(body: str | bytes, content_type: str = HTML, status: int = 200) -> Reply:
    return status, {"Content-Type": content_type}, body.encode("utf-8") if isinstance(body, str) else body


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Windows-1258: a precomposed base letter followed by the tone as a combining mark."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS)) + tones)
    return "".join(out).encode("cp1258")


def _legacy(n: int, encode: Callable[[str], str]) -> bytes:
    html = pages.article_html(n, title=encode(f"Nông dân được mùa cà phê, bài số {n}"), charset="windows-1252",
                              paragraphs=[encode(p) for p in pages.PARAGRAPHS])  # fmt: skip
    return html.encode("cp1252", errors="replace")


@dataclass
class HostileSite:
    """The routes; ``secret_file`` is a local file an XXE entity points at (its text must never be stored)."""

    secret_file: Path
    base: str = ""
    hits: list[str] = field(default_factory=list)
    endless_limit: int = 100_000

    # Articles, by path (built once: the 10 MB page is slow to make).
    @cached_property
    def articles(self) -> dict[str, Callable[[], Reply]]:
        big = pages.huge_page()
        trunc = pages.article_html(90, title="Bài bị cắt giữa chừng").encode()
        routes: dict[str, Callable[[], Reply]] = {
            f"/2025/05/2{n}/good-{n}/": (lambda n=n: _html(pages.article_html(n))) for n in range(1, GOOD + 1)
        }
        routes.update(
            {
                "/2025/05/10/truncated/": lambda: _html(trunc[: int(len(trunc) * 0.8)]),
                "/2025/05/10/ten-megabytes/": lambda: _html(big),
                "/2025/05/10/binary/": lambda: _html(pages.binary_junk()),
                "/2025/05/10/wrong-charset/": lambda: _html(
                    pages.article_html(91, charset="iso-8859-1").encode(), "text/html; charset=iso-8859-1"
                ),
                "/2025/05/10/windows-1258/": lambda: _html(cp1258(pages.article_html(92, charset=None)), "text/html"),
                "/2025/05/10/vni/": lambda: _html(_legacy(93, vni), "text/html"),
                "/2025/05/10/tcvn3/": lambda: _html(_legacy(94, tcvn3), "text/html"),
                "/2025/05/10/future/": lambda: _html(pages.article_html(95, published="2099-01-01T08:00:00+07:00")),
                "/2025/05/10/epoch/": lambda: _html(pages.article_html(96, published="1970-01-01T00:00:00Z")),
                "/2025/05/10/not-an-article/": lambda: _html(
                    "<html><head><title>Liên hệ</title></head><body><h1>Liên hệ</h1><p>Điện thoại: 0260 123</p>"
                    "</body></html>"
                ),
                "/2025/05/10/redirect-loop/": lambda: (302, {"Location": "/2025/05/10/redirect-loop-b/"}, b""),
                "/2025/05/10/redirect-loop-b/": lambda: (302, {"Location": "/2025/05/10/redirect-loop/"}, b""),
                "/2025/05/10/redirect-self/": lambda: (301, {"Location": "/2025/05/10/redirect-self/"}, b""),
                "/2025/05/10/gzip-bomb/": lambda: (
                    200,
                    {"Content-Type": HTML, "Content-Encoding": "gzip"},
                    pages.gzip_bomb(),
                ),
            }
        )
        return routes

    def reply(self, path: str) -> Reply:
        base = self.base
        if path == "/robots.txt":
            return _html(f"User-agent: *\nAllow: /\nSitemap: {base}/xxe-index.xml\n", "text/plain")
        if path == "/feed/":
            return _html(pages.xml_bomb_feed(base), "application/rss+xml")
        if path == "/wp-sitemap.xml":
            return _html(pages.xxe_sitemap(base, str(self.secret_file), f"{base}/xxe-callback"), "application/xml")
        if path == "/xxe-index.xml":
            return _html(
                pages.BILLION_LAUGHS + '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{base}/&lol9;.xml</loc></sitemap></sitemapindex>",
                "application/xml",
            )
        if path.startswith("/wp-json/"):
            return _html(b'[{"link": "' + b"[" * 100_000, "application/json")  # truncated, absurdly nested JSON
        if path in ("/", "/category/video-clip/thoi-su/") or path.startswith("/category/video-clip/thoi-su/page/"):
            return _html(self.listing(path))
        route = self.articles.get(path)
        if route is not None:
            return route()
        return _html("<html><body>Không tìm thấy</body></html>", status=404)

    def listing(self, path: str) -> str:
        """Endless pagination: every page links the same articles and a next page, forever."""
        number = int(path.rstrip("/").rsplit("/", 1)[1]) if "/page/" in path else 1
        links = "".join(f'<h2><a rel="bookmark" href="{p}">{p}</a></h2>' for p in self.articles)
        nxt = f'<a class="next page-numbers" href="/category/video-clip/thoi-su/page/{number + 1}/">Trang sau</a>'
        head = f"<head><meta charset='utf-8'><title>Thời sự - trang {number}</title></head>"
        return f"<html>{head}<body>{links}{nxt}</body></html>"

    def serve(self) -> tuple[str, Callable[[], None]]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                status, headers, body = site.reply(self.path.split("?")[0])
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The crawler may give up on a huge body half-way: that is the point, not an error.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, fmt: str, *args: object) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()

        return self.base + "/", stop
