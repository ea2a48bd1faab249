"""The offline fixture/demo server: serves the fixture sites of ``ingest.demo.sites`` on 127.0.0.1 only.

Each site gets its own port (its own ``ThreadingHTTPServer`` in a daemon thread), so every site has a robots.txt at
its root and keeps its registry paths (``/feed/``, ``/rss/home.rss``, ...) for ``-a start_url=``.

Command line (the first stdout line is the base URL of the first site, so a parent process can read it with no
port race; one ``site NAME URL`` line per site follows, then the server runs until killed or stdin closes)::

    python -m ingest.demo.server [--port 0] [--site NAME ...] [--generated N] [--access-log PATH] [--no-seed]
                                 [--latency-ms MS] [--stop-on-eof]

* ``--port P``: the sites listen on P, P+1, ... (0 = free ports chosen by the system, the default).
* ``--site NAME`` (repeatable): serve only these hand-written sites (``kontumtv``, ``baodaklak``, ``baogialai``);
  default all three.
* ``--generated N``: instead, one WordPress site (spider ``kontumtv``) of N generated posts, 1 <= N <= 20000, 20
  per listing page, sitemaps of 2000 URLs, ``/wp-json/wp/v2/posts`` (per_page up to 100) and ``/feed/`` (10 newest).
* ``--access-log PATH``: append one line per request: ``SITE METHOD TARGET STATUS``.
* ``--no-seed``: leave the shared seed article out of the WordPress site.
* ``--latency-ms MS``: wait MS milliseconds before answering each request, like a distant server (default 0). Each
  connection has its own thread, so the wait delays that response only, never the others.
* ``--stop-on-eof``: exit when stdin closes (a parent process's pipe); otherwise run until SIGINT/SIGTERM.

From Python::

    from ingest.demo.server import FixtureServer, serve
    base_url, stop = serve(host="127.0.0.1", port=0)                 # all three sites; base_url = the first
    base_url, stop = serve(port=0, sites=["baogialai"])               # one site
    base_url, stop = serve(port=0, generated=20000)                  # the load-test site
    stop()

    with FixtureServer(generated=500) as server:                     # richer handle
        server.urls                                                  # {"kontumtv": "http://127.0.0.1:PORT/"}
        server.access_log                                            # [Hit(site, method, target, status), ...]
        server.add_article("kontumtv")                               # publish a new post dated now -> its URL
        server.hits("kontumtv", "/feed/")                            # how often a path was requested

Only 127.0.0.1 (or another loopback address) is accepted as host: the fixtures are never exposed on a network.
"""

from __future__ import annotations

import argparse
import itertools
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from types import TracebackType
from typing import Final, TextIO

from ingest.demo.sites import SEED_FILE, FixtureSite, Reply, fixture_sites, generated_site, now_article, split_query

__all__ = ["FixtureServer", "Hit", "main", "serve"]

SITE_NAMES: Final = ("kontumtv", "baodaklak", "baogialai")


@dataclass(frozen=True)
class Hit:
    """One request the server answered."""

    site: str
    method: str
    target: str
    status: int


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Tests start and stop servers quickly; a lingering TIME_WAIT must not block the next bind.
    allow_reuse_address = True


class FixtureServer:
    """The fixture sites on loopback ports, with an access log; start()/stop() or use as a context manager."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        sites: Sequence[str] | None = None,
        generated: int = 0,
        seed_path: Path = SEED_FILE,
        access_log: Path | None = None,
        latency_ms: float = 0.0,
    ) -> None:
        if not ip_address(host).is_loopback:
            raise ValueError(f"the fixture server binds loopback addresses only, not {host!r}")
        if latency_ms < 0:
            raise ValueError(f"latency_ms must not be negative, got {latency_ms}")
        self.host = host
        self.port = port
        self.latency_s = latency_ms / 1000
        if generated:
            self.sites: dict[str, FixtureSite] = {"kontumtv": generated_site(generated)}
        else:
            available = {s.name: s for s in fixture_sites(seed_path=seed_path)}
            wanted = list(sites) if sites else list(SITE_NAMES)
            unknown = [n for n in wanted if n not in available]
            if unknown:
                raise ValueError(f"unknown fixture site(s) {unknown}; choose from {sorted(available)}")
            self.sites = {n: available[n] for n in wanted}
        self.access_log: list[Hit] = []
        self._log_path = access_log
        self._log_lock = threading.Lock()
        self._servers: list[tuple[_Server, threading.Thread]] = []
        self.urls: dict[str, str] = {}
        self._numbers = itertools.count(1000)

    # --- lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> FixtureServer:
        """Bind and serve every site (a second call does nothing); a failed bind stops the ones started."""
        if self._servers:
            return self
        try:
            self._start_all()
        except OSError:
            self.stop()
            raise
        return self

    def _start_all(self) -> None:
        for index, (name, site) in enumerate(self.sites.items()):
            # A fixed port P puts the sites on P, P+1, ...: the same URLs run after run (the demo's second run is
            # then incremental); port 0 takes free ports.
            server = _Server((self.host, self.port + index if self.port else 0), self._handler(site))
            site.base_url = f"http://{self.host}:{server.server_address[1]}/"
            self.urls[name] = site.base_url
            thread = threading.Thread(target=server.serve_forever, name=f"fixture-{name}", daemon=True)
            thread.start()
            self._servers.append((server, thread))

    def stop(self) -> None:
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._servers.clear()

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The first site's base URL."""
        return next(iter(self.urls.values()))

    # --- test helpers -------------------------------------------------------------------------------------------

    def add_article(self, site: str) -> str:
        """Publish a new generated article dated now on ``site``; returns its URL."""
        return self.sites[site].add_article(now_article(next(self._numbers)))

    def hits(self, site: str, path: str | None = None) -> list[Hit]:
        """Requests to ``site`` (optionally only those whose target's path is ``path``)."""
        with self._log_lock:
            log = list(self.access_log)
        return [h for h in log if h.site == site and (path is None or split_query(h.target)[0] == path)]

    # --- HTTP ---------------------------------------------------------------------------------------------------

    def _record(self, hit: Hit) -> None:
        with self._log_lock:
            self.access_log.append(hit)
            if self._log_path is not None:
                with self._log_path.open("a", encoding="utf-8") as fh:
                    fh.write(f"{hit.site} {hit.method} {hit.target} {hit.status}\n")

    def _handler(self, site: FixtureSite) -> type[BaseHTTPRequestHandler]:
        record = self._record
        fixture = self  # latency_s is read per request: a test may slow a running server down

        class Handler(BaseHTTPRequestHandler):
            server_version = "vn-news-ingest-fixture/1"
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._answer(send_body=True)

            def do_HEAD(self) -> None:
                self._answer(send_body=False)

            def _answer(self, *, send_body: bool) -> None:
                if fixture.latency_s:
                    time.sleep(fixture.latency_s)  # this connection's thread only
                path, query = split_query(self.path)
                try:
                    reply = site.handle(path, query)
                except Exception as exc:  # a fixture bug must show up as a 500 in the test, not a hung socket
                    self.log_error("fixture error on %s: %r", self.path, exc)
                    reply = Reply(500, b"fixture error", {"Content-Type": "text/plain"})
                # Recorded before the reply goes out: a client that has the answer must find it in the log (a
                # parent that reads the response and stops us at once would otherwise race this thread's write).
                record(Hit(site.name, self.command, self.path, reply.status))
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                # The access log above is the record; stderr stays quiet for tests and the demo.
                return

        return Handler


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    sites: Sequence[str] | None = None,
    generated: int = 0,
    access_log: Path | None = None,
) -> tuple[str, Callable[[], None]]:
    """Start the fixture server in this process; returns the first site's base URL and a ``stop`` function."""
    server = FixtureServer(host=host, port=port, sites=sites, generated=generated, access_log=access_log).start()
    return server.base_url, server.stop


def main(argv: Sequence[str] | None = None, *, out: TextIO = sys.stdout) -> int:
    """Serve until stdin closes or the process is interrupted (see the module docstring for the options)."""
    parser = argparse.ArgumentParser(prog="python -m ingest.demo.server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--site", action="append", choices=SITE_NAMES, help="serve only this site (repeatable)")
    parser.add_argument("--generated", type=int, default=0, metavar="N", help="one WordPress site of N posts")
    parser.add_argument("--access-log", type=Path, default=None, metavar="PATH")
    parser.add_argument("--no-seed", action="store_true", help="leave the shared seed article out")
    parser.add_argument("--latency-ms", type=float, default=0.0, metavar="MS", help="wait before each answer")
    parser.add_argument("--stop-on-eof", action="store_true", help="exit when stdin closes (for parent processes)")
    args = parser.parse_args(argv)
    seed = Path("/nonexistent") if args.no_seed else SEED_FILE
    try:
        server = FixtureServer(
            host=args.host,
            port=args.port,
            sites=args.site,
            generated=args.generated,
            seed_path=seed,
            access_log=args.access_log,
            latency_ms=args.latency_ms,
        )
    except ValueError as exc:
        parser.error(str(exc))
    with server:
        print(server.base_url, file=out)
        for name, url in server.urls.items():
            print(f"site {name} {url}", file=out)
        out.flush()
        done = threading.Event()
        # SIGTERM (kill PID) ends the server cleanly like Ctrl-C does.
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        try:
            if args.stop_on_eof:
                # A parent that closes our stdin (or dies) stops us: no orphan servers after a test run.
                sys.stdin.read()
            else:
                done.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
