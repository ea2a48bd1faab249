"""ingest.discovery: feeds, sitemaps, robots.txt, WP REST API pages and listing pages, including hostile XML."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ingest.discovery import (
    listing_page,
    parse_datetime,
    parse_feed,
    parse_sitemap,
    parse_wp_posts,
    robots_sitemaps,
    same_site,
)

BASE = "https://kontumtv.vn/"
ICT = timezone(timedelta(hours=7))


def test_rss_items_give_links_and_dates() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
      <item><title>A</title><link>https://kontumtv.vn/2025/06/01/a/</link>
        <pubDate>Sun, 01 Jun 2025 08:30:00 +0700</pubDate></item>
      <item><title>B</title><link>/2025/06/02/b/</link></item>
      <item><title>No link</title><guid isPermaLink="false">42</guid></item>
    </channel></rss>"""
    entries = parse_feed(rss, BASE)
    assert [e.url for e in entries] == ["https://kontumtv.vn/2025/06/01/a/", "https://kontumtv.vn/2025/06/02/b/"]
    assert entries[0].published == datetime(2025, 6, 1, 1, 30, tzinfo=UTC)
    assert entries[1].published is None


def test_atom_entries_use_alternate_links() -> None:
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>A</title>
      <link rel="replies" href="https://x.vn/a/#comments"/><link rel="alternate" href="https://x.vn/a/"/>
      <published>2025-06-01T08:30:00+07:00</published><updated>2025-06-02T08:30:00Z</updated></entry></feed>"""
    (entry,) = parse_feed(atom, "https://x.vn/")
    assert entry.url == "https://x.vn/a/"
    assert entry.published == datetime(2025, 6, 1, 8, 30, tzinfo=ICT)
    assert entry.date == datetime(2025, 6, 2, 8, 30, tzinfo=UTC)


def test_sitemap_index_skips_taxonomy_and_user_sitemaps() -> None:
    xml = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://kontumtv.vn/wp-sitemap-posts-post-1.xml</loc></sitemap>
      <sitemap><loc>https://kontumtv.vn/wp-sitemap-posts-page-1.xml</loc></sitemap>
      <sitemap><loc>https://kontumtv.vn/wp-sitemap-taxonomies-category-1.xml</loc></sitemap>
      <sitemap><loc>https://kontumtv.vn/wp-sitemap-users-1.xml</loc><lastmod>2025-01-01</lastmod></sitemap>
    </sitemapindex>"""
    doc = parse_sitemap(xml, BASE)
    assert doc.kind == "index"
    assert [e.url for e in doc.entries] == ["https://kontumtv.vn/wp-sitemap-posts-post-1.xml"]


def test_news_sitemap_dates_and_gzip() -> None:
    xml = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://baogialai.com.vn/a-post1.html</loc><lastmod>2025-06-03T10:00:00+07:00</lastmod>
        <news:news><news:publication_date>2025-06-02T09:00:00+07:00</news:publication_date></news:news></url>
      <url><loc>javascript:alert(1)</loc></url></urlset>"""
    for body in (xml, gzip.compress(xml)):
        doc = parse_sitemap(body, "https://baogialai.com.vn/")
        assert doc.kind == "urlset"
        (entry,) = doc.entries
        assert entry.published == datetime(2025, 6, 2, 9, tzinfo=ICT)
        assert entry.modified == datetime(2025, 6, 3, 10, tzinfo=ICT)


@pytest.mark.parametrize(
    "hostile",
    [
        # Billion laughs: entity expansion must not happen.
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.vn/&c;</loc></url></urlset>',
        # XXE: an external entity must not read a local file.
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.vn/&x;</loc></url></urlset>',
    ],
)
def test_hostile_xml_is_not_expanded(hostile: bytes) -> None:
    doc = parse_sitemap(hostile, "https://x.vn/")
    assert all("aaaa" not in e.url and "root:" not in e.url for e in doc.entries)
    assert all(len(e.url) < 100 for e in doc.entries)


def test_garbage_gives_nothing() -> None:
    assert parse_feed(b"", BASE) == []
    assert parse_feed(b"<html><body>not a feed", BASE) == []
    assert parse_sitemap(b"\x1f\x8bnot gzip", BASE).entries == []
    assert parse_wp_posts(b'{"code": "rest_post_invalid_page_number"}') == []
    assert parse_wp_posts(b"<html>") == []


def test_robots_sitemap_lines() -> None:
    robots = "User-agent: *\nDisallow: /wp-admin/\nsitemap: /wp-sitemap.xml # core\nSITEMAP: https://cdn.x/s.xml\n"
    assert robots_sitemaps(robots, BASE) == ["https://kontumtv.vn/wp-sitemap.xml", "https://cdn.x/s.xml"]


def test_wp_posts_dates_are_utc_when_gmt() -> None:
    body = json.dumps(
        [
            {
                "link": "https://kontumtv.vn/2025/06/01/a/",
                "date": "2025-06-01T08:30:00",
                "date_gmt": "2025-06-01T01:30:00",
            },
            {"link": "https://kontumtv.vn/2025/06/02/b/", "date": "2025-06-02T08:30:00"},
            {"link": 42},
        ]
    ).encode()
    a, b = parse_wp_posts(body)
    assert a.published == datetime(2025, 6, 1, 1, 30, tzinfo=UTC)
    assert b.published == datetime(2025, 6, 2, 8, 30, tzinfo=ICT)


def test_listing_page_articles_pagination_and_dates() -> None:
    html = """<html><body>
      <article><h2><a rel="bookmark" href="/2025/06/01/a/#respond">A</a></h2>
        <time datetime="2025-06-01T08:00:00+07:00">01/06/2025</time></article>
      <article><h2><a rel="bookmark" href="https://kontumtv.vn/2025/06/02/b/">B</a></h2>
        <time class="time">13:00, 31/05/2025</time></article>
      <a href="/lien-he/">Liên hệ</a>
      <a href="https://facebook.com/x" rel="bookmark">share</a>
      <div class="nav-links"><a class="page-numbers" href="/category/thoi-su/page/2/">2</a>
        <a class="next page-numbers" href="/category/thoi-su/page/2/">Trang sau »</a></div>
    </body></html>"""
    page = listing_page(
        html,
        "https://kontumtv.vn/category/thoi-su/",
        is_article=lambda u: same_site(u, ["kontumtv.vn"]),
        is_listing=lambda u: "/page/" in u,
        link_selector="a[rel=bookmark]",
    )
    assert page.article_urls == ["https://kontumtv.vn/2025/06/01/a/", "https://kontumtv.vn/2025/06/02/b/"]
    assert page.next_urls == ["https://kontumtv.vn/category/thoi-su/page/2/"]
    assert page.dates == [datetime(2025, 6, 1, 8, tzinfo=ICT), datetime(2025, 5, 31, 13, tzinfo=ICT)]


def test_vietnamese_next_label_without_rel() -> None:
    html = '<a href="/a-post1.html">A</a><a class="more" href="/?trang=2">Xem thêm</a>'
    page = listing_page(html, "https://baogialai.com.vn/", is_article=lambda u: u.endswith(".html"))
    assert page.next_urls == ["https://baogialai.com.vn/?trang=2"]


def test_parse_datetime_forms() -> None:
    assert parse_datetime("2025-06-01") == datetime(2025, 6, 1, tzinfo=ICT)
    assert parse_datetime("2025-06-01T01:00:00Z") == datetime(2025, 6, 1, 1, tzinfo=UTC)
    assert parse_datetime("Sun, 01 Jun 2025 08:30:00 GMT") == datetime(2025, 6, 1, 8, 30, tzinfo=UTC)
    assert parse_datetime("not a date") is None
    assert parse_datetime(None) is None


def test_same_site_ignores_port_and_accepts_subdomains() -> None:
    assert same_site("http://127.0.0.1:8080/x", ["127.0.0.1"])
    assert same_site("https://m.baogialai.com.vn/x", ["baogialai.com.vn"])
    assert not same_site("https://baogialai.com.vn.evil.org/x", ["baogialai.com.vn"])


def test_malformed_links_are_dropped_not_raised() -> None:
    html = (
        '<a href="http://[::1/x">a</a><a href="http://a.vn:99999/">b</a>'
        '<a href="mailto:x@a.vn">c</a><a href="/ok">d</a>'
    )
    page = listing_page(html, "http://a.vn/", is_article=lambda _u: True)
    assert page.article_urls == ["http://a.vn/ok"]
    assert not same_site("http://[::1/x", ["a.vn"])
    assert parse_wp_posts(b'[{"link": "http://[::1/x"}, {"link": "/relative"}]') == []
