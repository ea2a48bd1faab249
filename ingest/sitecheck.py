"""``ingest sites check``: what a crawl of one site would do, from its start page (live or saved), and how to repair
its registry entry.

This module owns the check: fetching a site's start page, robots.txt, feeds and sitemaps politely (:class:`Fetcher`:
one request at a time per host, a pause between them, robots.txt obeyed), analysing the page
(:func:`analyse_page`, pure: article links by the registry entry and by generic detection, pagination, announced
feeds, the CMS family from its fingerprints, proposed ``article_patterns``/``listing_patterns``), the verdict, and
writing a repaired entry back into ``data/sites.toml`` with tomlkit so comments and key order survive
(:func:`write_entry`). The CLI (``ingest.cli.sites``) only parses options and prints.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from ingest.discovery import listing_page, parse_feed, parse_sitemap, robots_sitemaps, same_site
from ingest.links import (
    COMMON_SITEMAP_PATHS,
    PageLinks,
    classify_links,
    feed_links,
    page_form,
    pattern_for_template,
    site_host,
)
from ingest.registry import RegistryError, Site, load_sites

__all__ = [
    "CheckReport",
    "Fetched",
    "Fetcher",
    "PageAnalysis",
    "analyse_page",
    "check_site",
    "detect_cms",
    "write_entry",
]

USER_AGENT: Final = "vn-news-ingest/0.1 (+https://github.com/vn-news-ingest/vn-news-ingest; research news archive)"
MAX_BYTES: Final = 8 * 1024 * 1024
# Verdicts that make the check fail (exit 1): nothing a crawl could fetch.
FAILING: Final = frozenset({"unreachable", "no-articles"})

# CMS fingerprints (VIETNAMESE.md §4/§6, OUTLETS.md §3.2): (family, regex over the page's HTML, what it means).
_FINGERPRINTS: Final[tuple[tuple[str, str, str], ...]] = (
    ("wordpress", r"/wp-content/|/wp-includes/|<meta[^>]+generator[^>]+WordPress", "wp-content / WordPress generator"),
    ("zcms", r"\bcms-link\b|\bcms-body\b|zce-content-body", "cms-link / cms-body classes (Z-CMS zce)"),
    ("zcms", r"-post\d{4,}\.html", "-post<id>.html links"),
    ("onecms", r"\.1cdn\.vn|POWERED BY ONECMS|b-grid__title|sc-longform-header", "1cdn.vn assets / OneCMS markup"),
    ("vdoc", r"/static/templates/version1/|vdoc\.com\.vn|Phát triển bởi:?\s*vdoc", "vdoc templates / credit"),
    ("vdoc", r"-a\d{4,}\.html", "-a<id>.html links"),
    ("vnpt", r"/common/v2/|/file/[0-9a-f]{32}/|id=\"page_info\"", "/common/v2/, /file/<32 hex>/ (VNPT portal)"),
    ("vnpt", r"/\d{6}/[a-z0-9-]+-[0-9a-f]{7}/", "/<YYYYMM>/<slug>-<7 hex>/ links"),
    ("mediatech", r"/themes/frontend/btn/", "/themes/frontend/btn/ (MEDIATECH)"),
    ("vccorp", r"afcbc|data-role=\"publishdate\"|VCSortableInPreviewMode", "afcbc / data-role markup (VCCorp)"),
    ("vccorp", r"-\d{18}\.(?:htm|chn)\b", "18-digit .htm/.chn ids"),
    ("aspnet", r"__VIEWSTATE|__EVENTVALIDATION", "__VIEWSTATE (ASP.NET WebForms)"),
    ("aspnet", r"href=\"[^\"]+\.aspx(?:\?[^\"]*)?\"", ".aspx links"),
    ("liferay", r"Liferay|/web/guest/", "Liferay"),
    ("bbg", r"\.bbg\b", ".bbg pages"),
)


@dataclass(frozen=True)
class Fetched:
    """One HTTP answer (``status`` None when the request failed; ``error`` says why)."""

    url: str
    status: int | None
    final_url: str
    body: bytes = b""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Fetcher:
    """Polite HTTP GETs: one request at a time per host, ``delay`` seconds between two requests to one host,
    responses cut at 8 MB, robots.txt obeyed for pages (``allowed``). Thread-safe: ``--all`` checks several hosts
    at once, never one host twice at once."""

    def __init__(self, *, delay: float = 1.0, timeout: float = 20.0, user_agent: str = USER_AGENT) -> None:
        self.delay = delay
        self.timeout = timeout
        self.user_agent = user_agent
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}
        self._guard = threading.Lock()
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}

    def _lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def get(self, url: str) -> Fetched:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock(host):
            wait = self._last.get(host, 0.0) + self.delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                return self._get(url)
            finally:
                self._last[host] = time.monotonic()

    def _get(self, url: str) -> Fetched:
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, "Accept-Language": "vi"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(MAX_BYTES)
                return Fetched(url, response.status, response.geturl(), body)
        except urllib.error.HTTPError as err:
            return Fetched(url, err.code, err.geturl() or url, err.read(MAX_BYTES) if err.fp else b"")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return Fetched(url, None, url, error=str(reason))

    def robots(self, root: str) -> tuple[Fetched, urllib.robotparser.RobotFileParser]:
        """robots.txt of ``root`` (fetched once per root) and its parsed rules."""
        fetched = self.get(root + "robots.txt")
        parser = urllib.robotparser.RobotFileParser()
        if fetched.ok:
            parser.parse(fetched.body.decode("utf-8", "replace").splitlines())
        else:
            parser.parse([])  # no robots.txt (or an error page): everything is allowed
        self._robots[root] = parser
        return fetched, parser

    def allowed(self, url: str) -> bool:
        parser = self._robots.get(_root(url))
        return parser is None or parser.can_fetch(self.user_agent, url)


@dataclass
class PageAnalysis:
    """What one listing page offers a crawl (pure: from the page's HTML and URL)."""

    url: str
    registry_links: list[str]
    generic: PageLinks
    missed: list[str]
    announced_feeds: list[str]
    cms: str
    cms_evidence: list[str]
    proposed_article_patterns: list[str]
    proposed_listing_patterns: list[str]
    proposed_skip_patterns: list[str]
    registry_knows: bool


@dataclass
class Source:
    """A feed or sitemap: where it came from, what it answered, how many entries it gave."""

    url: str
    origin: str  # "registry", "page", "robots", "probe"
    status: int | None = None
    entries: int = 0
    kind: str = ""


@dataclass
class CheckReport:
    """The result of one check (``to_dict`` is the ``--json`` output)."""

    site: str | None
    url: str
    live: bool
    status: int | None = None
    final_url: str | None = None
    error: str | None = None
    analysis: PageAnalysis | None = None
    feeds: list[Source] = field(default_factory=list)
    sitemaps: list[Source] = field(default_factory=list)
    verdict: str = "unknown"
    explanation: str = ""

    @property
    def redirected_to(self) -> str | None:
        if self.final_url and self.final_url.rstrip("/") != self.url.rstrip("/"):
            return self.final_url
        return None

    @property
    def failed(self) -> bool:
        return self.verdict in FAILING

    def to_dict(self) -> dict[str, Any]:
        a = self.analysis
        out: dict[str, Any] = {
            "site": self.site,
            "url": self.url,
            "live": self.live,
            "status": self.status,
            "redirected_to": self.redirected_to,
            "error": self.error,
            "verdict": self.verdict,
            "explanation": self.explanation,
            "feeds": [asdict(s) for s in self.feeds],
            "sitemaps": [asdict(s) for s in self.sitemaps],
        }
        if a is not None:
            generic = a.generic.articles
            out.update(
                {
                    "cms": a.cms,
                    "cms_evidence": a.cms_evidence,
                    "registry_knows_links": a.registry_knows,
                    "articles_registry": {"count": len(a.registry_links), "urls": a.registry_links},
                    "articles_generic": {
                        "count": len(generic),
                        "high_confidence": len(a.generic.high),
                        "urls": generic,
                    },
                    "missed_by_registry": {"count": len(a.missed), "urls": a.missed},
                    "article_templates": a.generic.article_templates,
                    "listing_links": len(a.generic.listings),
                    "next_page": a.generic.next_url,
                    "page_links": a.generic.page_links,
                    "proposed": {
                        "article_patterns": a.proposed_article_patterns,
                        "listing_patterns": a.proposed_listing_patterns,
                        "skip_patterns": a.proposed_skip_patterns,
                    },
                }
            )
        return out


# --- the page (pure) ----------------------------------------------------------------------------------------------


def detect_cms(html: str) -> tuple[str, list[str]]:
    """The CMS family whose fingerprints the page shows most (``"unknown"`` when none), and the evidence."""
    scores: Counter[str] = Counter()
    evidence: list[str] = []
    for family, regex, meaning in _FINGERPRINTS:
        hits = len(re.findall(regex, html, flags=re.IGNORECASE))
        # Link-shape fingerprints count only when the page is full of them (one odd link proves nothing).
        if hits >= (5 if "links" in meaning or "ids" in meaning else 1):
            scores[family] += 1 + min(hits, 20) // 5
            evidence.append(f"{family}: {meaning}")
    if not scores:
        return "unknown", []
    best, _ = scores.most_common(1)[0]
    return best, [e for e in evidence if e.startswith(best + ":")]


def _registry_links(site: Site, html: bytes, url: str, domains: tuple[str, ...]) -> list[str]:
    """The article links a crawl takes from the page by the registry entry (``NewsSpider.is_article_link``'s rule)."""
    if not (site.article_patterns or site.selectors.get("links")):
        return []

    def is_article(link: str) -> bool:
        if not same_site(link, domains) or site.is_listing_url(link) or site.is_skipped_url(link):
            return False
        return site.is_article_url(link) if site.article_patterns else True

    return listing_page(
        html, url, is_article=is_article, is_listing=site.is_listing_url, link_selector=site.selectors.get("links")
    ).article_urls


def propose_patterns(page: PageLinks, start_urls: tuple[str, ...] = ()) -> tuple[list[str], list[str], list[str]]:
    """``article_patterns``, ``listing_patterns`` and ``skip_patterns`` learned from a classified page.

    One regex per article template (the most used first) that matches every article link of its template and no
    listing or other link of the content area nor a start URL. A regex may match a few links that appear only in the
    navigation, header or footer (a postname site's long-slug policy page shares its articles' shape): those pages are
    proposed as skip patterns. One listing pattern per pagination form seen."""
    articles = page.of_kind("article")
    content = [link.url for link in page.links if link.kind != "article" and link.in_content] + list(start_urls)
    chrome = [link.url for link in page.links if link.kind != "article" and not link.in_content]
    counts = Counter(link.template for link in articles)
    proposed: list[str] = []
    skips: list[str] = []
    covered: set[str] = set()
    for template, _ in counts.most_common():
        regex = pattern_for_template(template)
        if regex in proposed:
            continue
        members = [link.url for link in articles if link.template == template]
        if not all(re.search(regex, u) for u in members) or any(re.search(regex, u) for u in content):
            continue
        caught = [u for u in chrome if re.search(regex, u)]
        if len(caught) * 10 > len(members):
            continue
        proposed.append(regex)
        for url in caught:
            parts = urlsplit(url)
            skip = "^https?://[^/]+" + re.escape(parts.path).replace("\\-", "-") + (r"\?" if parts.query else "$")
            if skip not in skips:
                skips.append(skip)
        covered.update(u for link in articles if re.search(regex, (u := link.url)))
        if len(covered) == len(articles):
            break
    listing: list[str] = []
    for url in page.page_links:
        form = page_form(url)
        if form is not None and form.pattern and form.pattern not in listing:
            listing.append(form.pattern)
    return proposed, listing, skips


def analyse_page(html: bytes, url: str, site: Site | None) -> PageAnalysis:
    """Everything :class:`CheckReport` says about one page, without a network."""
    domains = tuple(site.domains) if site is not None else ()
    host = site_host(urlsplit(url).hostname or "")
    if host and not any(host == d or host.endswith("." + d) for d in domains):
        domains = (*domains, host)  # a mirror, a redirect target or a saved copy's base URL
    generic = classify_links(html, url, domains)
    registry = _registry_links(site, html, url, domains) if site is not None else []
    knows = site is not None and bool(site.article_patterns or site.selectors.get("links"))
    have = set(registry)
    usable = [
        u
        for u in generic.high
        if u not in have and (site is None or not (site.is_listing_url(u) or site.is_skipped_url(u)))
    ]
    text = html.decode("utf-8", "replace")
    cms, evidence = detect_cms(text)
    starts = tuple(site.start_urls) if site is not None else ()
    articles, listings, skips = propose_patterns(generic, (*starts, url))
    return PageAnalysis(
        url=url,
        registry_links=registry,
        generic=generic,
        missed=usable if registry else [],
        announced_feeds=[f for f in feed_links(html, url) if same_site(f, domains)],
        cms=cms,
        cms_evidence=evidence,
        proposed_article_patterns=articles,
        proposed_listing_patterns=listings,
        proposed_skip_patterns=skips,
        registry_knows=knows,
    )


def verdict(report: CheckReport) -> tuple[str, str]:
    """The check's verdict and a plain explanation of it."""
    a = report.analysis
    name = report.site or "this site"
    if a is None:
        return "unreachable", f"the start page {report.url} could not be read: {report.error or report.status}"
    entries = sum(s.entries for s in (*report.feeds, *report.sitemaps) if s.kind != "index")
    index = any(s.kind == "index" and s.entries for s in report.sitemaps)
    generic = a.generic.articles
    if not a.registry_links and not generic:
        if entries or index:
            return "feeds-only", (
                f"the page shows no article link, but feeds/sitemaps list {entries} URL(s): a crawl gets articles "
                "from those alone; check that the start URL is a listing page"
            )
        return "no-articles", (
            f"no article link was found on {a.url} (neither by {name}'s registry entry nor by generic detection) "
            "and no feed or sitemap answered with entries. The start URL may be wrong (a splash page, a page built "
            "by JavaScript, a redirect to another site), or the site may be down; open it in a browser and give a "
            "listing page with --url"
        )
    if not a.registry_knows:
        return "no-registry", (
            f"the entry has no article_patterns and no links selector; generic detection finds {len(generic)} "
            "article link(s) (the crawl uses them, flagged); --write adds the proposed patterns"
        )
    if not a.registry_links:
        return "registry-stale", (
            f"the entry's patterns/selector select nothing here, while generic detection finds {len(generic)} "
            "article link(s): the entry is out of date (the crawl falls back to generic detection, flagged); "
            "--write adds the proposed patterns"
        )
    if a.missed:
        return "registry-missed", (
            f"the entry finds {len(a.registry_links)} article link(s) but misses {len(a.missed)} that generic "
            "detection is sure of (the crawl adds them, flagged); --write adds the proposed patterns"
        )
    return "ok", f"the entry finds {len(a.registry_links)} article link(s); generic detection agrees"


# --- the check (network) --------------------------------------------------------------------------------------


def _root(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def _rebased(url: str, root: str) -> str:
    """``url`` moved onto ``root``'s scheme and host (registry feeds/sitemaps when the start page is a mirror)."""
    old, new = urlsplit(url), urlsplit(root)
    return urlunsplit((new.scheme, new.netloc, old.path, old.query, ""))


def _read_source(fetcher: Fetcher, source: Source, *, feed: bool) -> Source:
    got = fetcher.get(source.url)
    source.status = got.status
    if not got.ok:
        return source
    if feed:
        source.kind = "feed"
        source.entries = len(parse_feed(got.body, got.final_url))
    else:
        doc = parse_sitemap(got.body, got.final_url)
        source.kind = doc.kind
        source.entries = len(doc.entries)
    return source


def check_site(
    site: Site | None,
    *,
    fetcher: Fetcher | None = None,
    url: str | None = None,
    html: bytes | None = None,
    base_url: str | None = None,
    probe: bool = True,
) -> CheckReport:
    """Check ``site`` (None: a page no registry entry describes). With ``html`` (a saved page) and ``base_url``
    nothing is fetched; otherwise the start page (``url`` or the entry's first start URL), robots.txt, the feeds and
    the sitemaps are fetched with ``fetcher``, sitemaps at the common paths when none is known (``probe``)."""
    name = site.name if site is not None else None
    if html is not None:
        page_url = base_url or url or (site.start_urls[0] if site is not None else "")
        if not page_url:
            raise ValueError("a saved page needs its URL (--base-url)")
        report = CheckReport(name, page_url, live=False, status=None, final_url=page_url)
        report.analysis = analyse_page(html, page_url, site)
        known = tuple(site.feeds) if site is not None else ()
        report.feeds = [Source(u, "registry") for u in known]
        report.feeds += [Source(u, "page") for u in report.analysis.announced_feeds if u not in known]
        report.sitemaps = [Source(u, "registry") for u in (site.sitemaps if site else ())]
        report.verdict, report.explanation = verdict(report)
        return report
    if fetcher is None:
        raise ValueError("a live check needs a fetcher")
    start = url or (site.start_urls[0] if site is not None else None)
    if not start:
        raise ValueError("nothing to check: give a URL or a registry site")
    report = CheckReport(name, start, live=True)
    root = _root(start)
    robots, _ = fetcher.robots(root)
    if not fetcher.allowed(start):
        report.error = "robots.txt disallows the start page for this crawler"
        report.verdict, report.explanation = "unreachable", report.error
        return report
    page = fetcher.get(start)
    report.status, report.final_url, report.error = page.status, page.final_url, page.error
    if not page.ok:
        report.verdict, report.explanation = verdict(report)
        return report
    report.analysis = analyse_page(page.body, page.final_url, site)
    mirror = site is not None and not same_site(start, site.domains)
    move = (lambda u: _rebased(u, root)) if mirror else (lambda u: u)
    feeds = [Source(move(u), "registry") for u in (site.feeds if site else ())]
    feeds += [Source(u, "page") for u in report.analysis.announced_feeds if u not in {f.url for f in feeds}]
    report.feeds = [_read_source(fetcher, s, feed=True) for s in feeds[:6]]
    sitemaps = [Source(move(u), "registry") for u in (site.sitemaps if site else ())]
    if robots.ok:
        found = robots_sitemaps(robots.body.decode("utf-8", "replace"), robots.final_url)
        sitemaps += [Source(u, "robots") for u in found if u not in {s.url for s in sitemaps}]
    if not sitemaps and probe:
        sitemaps = [Source(root + p.lstrip("/"), "probe") for p in COMMON_SITEMAP_PATHS]
    report.sitemaps = [_read_source(fetcher, s, feed=False) for s in sitemaps[:8]]
    report.sitemaps = [s for s in report.sitemaps if s.origin != "probe" or s.status == 200]
    report.verdict, report.explanation = verdict(report)
    return report


# --- writing the entry ------------------------------------------------------------------------------------------


def _on_site(url: str, site: Site) -> str:
    """``url`` moved onto the site's first domain when it was found on a mirror or a local copy."""
    if same_site(url, site.domains):
        return url
    parts = urlsplit(url)
    return urlunsplit(("https", site.domains[0], parts.path, parts.query, ""))


def entry_changes(report: CheckReport, site: Site, today: dt.date) -> dict[str, Any]:
    """The registry fields ``--write`` sets for this report (only what the check observed)."""
    a = report.analysis
    if a is None:
        return {}
    changes: dict[str, Any] = {}
    patterns = list(site.article_patterns)
    examples = list(site.example_urls)
    shapes = (*site.example_urls, *site.shape_examples)
    if report.verdict in ("no-registry", "registry-stale", "registry-missed"):
        wanted = a.generic.articles if report.verdict != "registry-missed" else a.missed
        for regex in a.proposed_article_patterns:
            members = [u for u in wanted if re.search(regex, u)]
            if regex in patterns or not members:
                continue
            patterns.append(regex)
            example = _on_site(members[0], site)
            if not any(re.search(regex, u) for u in shapes) and example not in examples:
                examples.append(example)
        if patterns != list(site.article_patterns):
            changes["article_patterns"] = patterns
            changes["example_urls"] = examples
            skips = [*site.skip_patterns, *(p for p in a.proposed_skip_patterns if p not in site.skip_patterns)]
            if skips != list(site.skip_patterns):
                changes["skip_patterns"] = skips
    listing = list(site.listing_patterns)
    for regex in a.proposed_listing_patterns:
        if regex not in listing and not any(site.is_listing_url(u) for u in a.generic.page_links):
            listing.append(regex)
    if listing != list(site.listing_patterns):
        changes["listing_patterns"] = listing
    feeds = list(site.feeds)
    feeds += [_on_site(s.url, site) for s in report.feeds if s.origin == "page" and s.entries]
    if report.live and feeds != list(site.feeds):
        changes["feeds"] = list(dict.fromkeys(feeds))
    sitemaps = list(site.sitemaps)
    sitemaps += [_on_site(s.url, site) for s in report.sitemaps if s.origin in ("robots", "probe") and s.entries]
    if report.live and sitemaps != list(site.sitemaps):
        changes["sitemaps"] = list(dict.fromkeys(sitemaps))
    if site.cms == "unknown" and a.cms != "unknown":
        changes["cms"] = a.cms
    # A live check of a mirror or a local copy (`--url` on another host) says nothing about the site itself.
    own = report.live and same_site(report.final_url or report.url, site.domains)
    if own:
        how = "live"
    elif report.live:
        how = f"on a copy at {urlsplit(report.final_url or report.url).netloc}"
    else:
        how = f"from a saved copy of {report.url}"
    summary = (
        f"Checked by `ingest sites check` on {today.isoformat()} ({how}): {report.verdict}; "
        f"{len(a.registry_links)} article link(s) by the entry, {len(a.generic.articles)} by generic detection."
    )
    changes["notes"] = f"{site.notes} {summary}" if site.notes else summary
    if own and not report.failed:
        changes["verified"] = today
    return changes


# Where a new key goes in an entry: after the first of these keys the entry has (the registry's usual order), so it
# does not land after the comments that introduce the next entry.
_PLACE_AFTER: Final[dict[str, tuple[str, ...]]] = {
    "feeds": ("start_urls",),
    "sitemaps": ("feeds", "start_urls"),
    "article_patterns": ("cms", "wp_json", "sitemaps", "feeds", "start_urls"),
    "listing_patterns": ("article_patterns", "cms"),
    "skip_patterns": ("listing_patterns", "article_patterns", "cms"),
    "example_urls": ("skip_patterns", "listing_patterns", "article_patterns", "cms"),
    "evidence": ("confidence_detail", "confidence"),
    "notes": ("expected_min_articles", "politeness", "verified"),
}


def set_key(entry: Any, key: str, value: Any) -> None:
    """Set ``key`` in a tomlkit table: in place when present, else after its usual neighbour; lists of regexes as
    literal strings (as the registry writes them: '-\\d+\\.htm$'), long lists one item a line."""
    import tomlkit

    item: Any = value
    if isinstance(value, list):
        array = tomlkit.array()
        literal = key.endswith("_patterns")
        array.extend(
            tomlkit.string(v, literal=True) if literal and isinstance(v, str) and "'" not in v else v for v in value
        )
        if len(value) > 2:
            array.multiline(True)
        item = array
    if key in entry:
        entry[key] = item
        return
    container = entry.value if hasattr(entry, "value") else entry
    body = container.body
    positions = {k.key: i for i, (k, _) in enumerate(body) if k is not None}
    after = next(
        (positions[n] for n in _PLACE_AFTER.get(key, ()) if n in positions), max(positions.values(), default=-1)
    )
    if 0 <= after < len(body) - 1:
        # tomlkit's public API only appends (after the comments that open the next entry): insert by position.
        container._insert_at(after + 1, key, item)
    else:
        entry[key] = item


def write_entry(path: Path, name: str, changes: dict[str, Any]) -> None:
    """Apply ``changes`` to site ``name`` in the registry file at ``path``, keeping its comments and key order
    (tomlkit); the result is validated before it replaces the file (a RegistryError leaves the file untouched)."""
    import tomlkit

    text = path.read_text(encoding="utf-8")
    doc = tomlkit.parse(text)
    entries = doc.get("site")
    if entries is None:
        raise RegistryError([f"{path}: no [[site]] entries"])
    entry = next((t for t in entries if t.get("name") == name), None)
    if entry is None:
        raise RegistryError([f"{path}: no site named {name!r}"])
    for key, value in changes.items():
        set_key(entry, key, value)
    new_text = tomlkit.dumps(doc)
    fd, tmp = tempfile.mkstemp(prefix=".sites-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(new_text)
        load_sites(tmp)  # raises RegistryError naming the problem
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
