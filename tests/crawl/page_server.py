"""A minimal HTTP server on 127.0.0.1 serving a mutable table of routes (path -> status, headers, body).

Tests build the pages they need (a WordPress-shaped site, the dev set's saved pages) and may change a route between
crawls (a page the site fixed). Every request's path is logged in ``hits``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Reply = tuple[int, dict[str, str], bytes]
HTML = "text/html; charset=utf-8"


def html_reply(body: str | bytes, content_type: str = HTML, status: int = 200) -> Reply:
    return status, {"Content-Type": content_type}, body.encode("utf-8") if isinstance(body, str) else body


@dataclass
class PageServer:
    """Routes by path (the query string is ignored); anything else is a 404."""

    routes: dict[str, Reply] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    base: str = ""

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        """Serve until the block ends; yields the base URL ``http://127.0.0.1:PORT``."""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                status, headers, body = site.routes.get(
                    self.path.split("?")[0], html_reply("<html><body>Không tìm thấy</body></html>", status=404)
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, fmt: str, *args: object) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self.base
        finally:
            server.shutdown()
            server.server_close()
