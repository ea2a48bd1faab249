"""The offline fixture sites: what they serve over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ingest.demo.content import make_article
from ingest.demo.server import FixtureServer, serve
from ingest.demo.sites import FLAKY, SEED_NUMBER, UTM, generated_site
from ingest.discovery import parse_feed, parse_sitemap
from tests.work import assert_linear


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with _opener.open(url, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_wordpress_site_shapes(fixture_server: FixtureServer, seed_text: str) -> None:
    base = fixture_server.urls["kontumtv"]
    site = fixture_server.sites["kontumtv"]
    status, _, robots = fetch(base + "robots.txt")
    assert status == 200
    assert f"Sitemap: {base}wp-sitemap.xml" in robots.decode()
    feed = parse_feed(fetch(base + "feed/")[2], base)
    assert any("utm_source=" in e.url for e in feed)
    index = parse_sitemap(fetch(base + "wp-sitemap.xml")[2], base)
    (posts,) = index.entries
    assert len(parse_sitemap(fetch(posts.url)[2], base).entries) == len(site.articles)
    status, headers, body = fetch(base + "wp-json/wp/v2/posts?per_page=5&page=1")
    assert status == 200
    assert len(json.loads(body)) == 5
    assert int(headers["X-WP-TotalPages"]) == -(-len(site.articles) // 5)
    assert fetch(base + "wp-json/wp/v2/posts?per_page=5&page=99")[0] == 400
    assert fetch(base + "category/video-clip/thoi-su/page/2/")[0] == 200
    assert fetch(base + "no/such/page/")[0] == 404
    # WordPress-style redirects: ?p=N and a permalink without its slash.
    utm = next(a for a in site.articles if a.number == UTM)
    status, headers, _ = fetch(f"{base}?p={UTM}")
    assert (status, headers["Location"]) == (301, site.article_url(utm))
    assert fetch(site.article_url(utm).rstrip("/"))[0] == 301
    # The flaky post fails once, then works.
    flaky = site.article_url(next(a for a in site.articles if a.number == FLAKY))
    assert [fetch(flaky)[0], fetch(flaky)[0]] == [500, 200]
    # The seed article carries the seed's body text and the WordPress comment form.
    seed = next(a for a in site.articles if a.number == SEED_NUMBER)
    page = fetch(site.article_url(seed))[2].decode()
    first_sentence = seed_text.split("\n")[0].split(". ")[1].strip()
    assert first_sentence in page
    assert 'class="comment-reply-title"' in page
    assert "Email của bạn sẽ không được hiển thị công khai." in page


def test_vnpt_article_under_two_urls(fixture_server: FixtureServer) -> None:
    site = fixture_server.sites["baodaklak"]
    url = site.article_url(site.articles[0])
    with_slash, without = fetch(url), fetch(url.rstrip("/"))
    assert with_slash[0] == without[0] == 200
    assert with_slash[2] == without[2]
    assert "<main>\n<html><head></head><body>" in with_slash[2].decode()


def test_added_article_comes_first(fixture_server: FixtureServer) -> None:
    url = fixture_server.add_article("baogialai")
    base = fixture_server.urls["baogialai"]
    assert parse_feed(fetch(base + "rss/home.rss")[2], base)[0].url == url
    assert fetch(url)[0] == 200


def test_generated_site_builds_in_linear_work() -> None:
    # Bounded work, not time: twice the posts, about twice the steps (one sort, no per-post rescan).
    # benchmarks/bench_bounds times the 20000-post start-up.
    assert_linear(generated_site, 300, 600)


@pytest.mark.slow  # a server of 20000 pages
def test_generated_site_of_20000_pages() -> None:
    base, stop = serve(port=0, generated=20000)
    try:
        index = parse_sitemap(fetch(base + "wp-sitemap.xml")[2], base)
        assert len(index.entries) == 10
        last = parse_sitemap(fetch(index.entries[-1].url)[2], base)
        assert len(last.entries) == 2000
        assert fetch(last.entries[-1].url)[0] == 200
        status, headers, _ = fetch(base + "wp-json/wp/v2/posts?per_page=100&page=1")
        assert (status, headers["X-WP-Total"]) == (200, "20000")
    finally:
        stop()


def test_only_loopback_and_known_sites() -> None:
    with pytest.raises(ValueError, match="loopback"):
        FixtureServer(host="0.0.0.0")
    with pytest.raises(ValueError, match="unknown fixture site"):
        FixtureServer(sites=["vnexpress"])
    with pytest.raises(ValueError, match="20000"):
        FixtureServer(generated=20001)


def test_texts_are_deterministic_and_long_enough(tmp_path: Path) -> None:
    a, b = make_article(7), make_article(7)
    assert a == b
    assert a.title != make_article(8).title
    assert sum(len(p) for p in a.paragraphs) > 400
    assert FixtureServer(seed_path=tmp_path / "missing.txt").sites["kontumtv"].find("/") is None


def test_generated_texts_are_not_near_duplicates() -> None:
    def shingles(n: int) -> set[tuple[str, ...]]:
        words = " ".join(make_article(n).paragraphs).split()
        return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}

    sets = [shingles(n) for n in range(1, 121)]
    worst = max(len(a & b) / len(a | b) for i, a in enumerate(sets) for b in sets[i + 1 :])
    # Load tests need distinct stories: no pair may share most of its word runs.
    assert worst < 0.5


def test_latency_delays_each_answer_without_holding_up_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from ingest.demo import server as server_module

    waits: list[float] = []
    release = threading.Event()

    def held_sleep(seconds: float) -> None:
        # The first answer is held until the second one has been served: a server that answered one request at a
        # time would never serve the second, and the first fetch would time out.
        waits.append(seconds)
        if len(waits) == 1:
            assert release.wait(120)  # a hang guard, not a speed claim

    monkeypatch.setattr(server_module.time, "sleep", held_sleep)
    with FixtureServer(sites=["kontumtv"], latency_ms=150) as slow:
        first: list[int] = []
        thread = threading.Thread(target=lambda: first.append(fetch(slow.base_url + "robots.txt")[0]))
        thread.start()
        while not waits:
            threading.Event().wait(0.01)
        assert fetch(slow.base_url + "feed/")[0] == 200
        release.set()
        thread.join(120)
        assert first == [200]
    assert waits == [0.15, 0.15]
    with FixtureServer(sites=["kontumtv"]) as fast:
        assert fetch(fast.base_url + "robots.txt")[0] == 200
    assert waits == [0.15, 0.15]  # no latency asked, no wait
    with pytest.raises(ValueError, match="latency_ms"):
        FixtureServer(sites=["kontumtv"], latency_ms=-1)
