"""The site registry: loads and validates ``data/sites.toml`` into frozen :class:`Site` records.

This module owns the registry's schema (which keys an entry may have, their types and allowed values), its
validation (every problem reported with file, site and field), the list of Vietnam's provincial-level units
before and after the 2025 reform, and province look-up (:func:`sites_for_province`). It knows nothing of Scrapy:
spiders read :class:`Site` records and turn them into requests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

if TYPE_CHECKING:
    from ingest.extract import SiteProfile

__all__ = [
    "CMS_FAMILIES",
    "CONFIDENCES",
    "MERGERS",
    "PROVINCES_2025",
    "PROVINCES_BEFORE_2025",
    "SELECTOR_FIELDS",
    "STATUSES",
    "Lineage",
    "RegistryError",
    "Site",
    "canonical_province",
    "default_sites_path",
    "load_sites",
    "sites_for_province",
]

# --- the provincial-level units ---------------------------------------------------------------------------------

# The 34 units from 1 July 2025 (OUTLETS.md §1), each with the pre-reform provinces merged into it, in the
# document's order. Names carry no "TP"/"Tỉnh" prefix; look-ups strip such prefixes.
MERGERS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "Hà Nội": ("Hà Nội",),
        "Huế": ("Thừa Thiên Huế",),
        "Lai Châu": ("Lai Châu",),
        "Điện Biên": ("Điện Biên",),
        "Sơn La": ("Sơn La",),
        "Lạng Sơn": ("Lạng Sơn",),
        "Quảng Ninh": ("Quảng Ninh",),
        "Cao Bằng": ("Cao Bằng",),
        "Thanh Hóa": ("Thanh Hóa",),
        "Nghệ An": ("Nghệ An",),
        "Hà Tĩnh": ("Hà Tĩnh",),
        "Tuyên Quang": ("Tuyên Quang", "Hà Giang"),
        "Lào Cai": ("Lào Cai", "Yên Bái"),
        "Thái Nguyên": ("Thái Nguyên", "Bắc Kạn"),
        "Phú Thọ": ("Phú Thọ", "Vĩnh Phúc", "Hòa Bình"),
        "Bắc Ninh": ("Bắc Ninh", "Bắc Giang"),
        "Hưng Yên": ("Hưng Yên", "Thái Bình"),
        "Hải Phòng": ("Hải Phòng", "Hải Dương"),
        "Ninh Bình": ("Ninh Bình", "Nam Định", "Hà Nam"),
        "Quảng Trị": ("Quảng Trị", "Quảng Bình"),
        "Đà Nẵng": ("Đà Nẵng", "Quảng Nam"),
        "Quảng Ngãi": ("Quảng Ngãi", "Kon Tum"),
        "Gia Lai": ("Gia Lai", "Bình Định"),
        "Khánh Hòa": ("Khánh Hòa", "Ninh Thuận"),
        "Đắk Lắk": ("Đắk Lắk", "Phú Yên"),
        "Lâm Đồng": ("Lâm Đồng", "Đắk Nông", "Bình Thuận"),
        "Hồ Chí Minh": ("Hồ Chí Minh", "Bình Dương", "Bà Rịa–Vũng Tàu"),
        "Đồng Nai": ("Đồng Nai", "Bình Phước"),
        "Tây Ninh": ("Tây Ninh", "Long An"),
        "Cần Thơ": ("Cần Thơ", "Sóc Trăng", "Hậu Giang"),
        "Vĩnh Long": ("Vĩnh Long", "Bến Tre", "Trà Vinh"),
        "Đồng Tháp": ("Đồng Tháp", "Tiền Giang"),
        "Cà Mau": ("Cà Mau", "Bạc Liêu"),
        "An Giang": ("An Giang", "Kiên Giang"),
    }
)
PROVINCES_2025: Final[tuple[str, ...]] = tuple(MERGERS)
PROVINCES_BEFORE_2025: Final[tuple[str, ...]] = tuple(sorted({p for olds in MERGERS.values() for p in olds}))

# Other spellings people type for a unit (folded form -> canonical name).
_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "hcm": "Hồ Chí Minh",
        "tphcm": "Hồ Chí Minh",
        "sai gon": "Hồ Chí Minh",
        "ho chi minh city": "Hồ Chí Minh",
        "brvt": "Bà Rịa–Vũng Tàu",
        "tt hue": "Thừa Thiên Huế",
    }
)
_PREFIXES: Final = ("thanh pho ", "tp ", "tinh ")

# --- vocabularies -------------------------------------------------------------------------------------------------

CMS_FAMILIES: Final[frozenset[str]] = frozenset(
    {
        "wordpress",  # kontumtv.vn
        "zcms",  # Z-CMS "zce": -post<id>.html, .cms-body, /rss/home.rss
        "vnpt",  # VNPT provincial portal: /<cat>/<YYYYMM>/<slug>-<7 hex>/
        "onecms",  # OneCMS by NEKO ("cms_entry" template): slug-<id>.html
        "vdoc",  # vdoc PHP CMS: -a<id>.html
        "mediatech",  # MEDIATECH: /themes/frontend/btn/
        "vccorp",  # VCCorp "afcbc": .htm with an 18-digit id
        "aspnet",  # older ASP.NET sites (huengaynay.vn, baobinhdinh.vn, baoyenbai.com.vn, old baodongthap.vn)
        "liferay",  # old baobacninh.com.vn
        "bbg",  # baobacninhtv.vn's .bbg pages
        "unknown",
    }
)
STATUSES: Final[frozenset[str]] = frozenset({"active", "archive", "redirects", "unknown"})
CONFIDENCES: Final[frozenset[str]] = frozenset({"seen", "listed", "inferred"})
# Keys of Site.selectors (and of SiteProfile.selectors): article fields, plus `links` (article links on listing
# pages, for spiders) and `remove` (boilerplate to drop before taking text).
SELECTOR_FIELDS: Final[frozenset[str]] = frozenset(
    {"title", "lead", "body", "published", "modified", "byline", "category", "tags", "images", "links", "remove"}
)

Status = Literal["active", "archive", "redirects", "unknown"]
Confidence = Literal["seen", "listed", "inferred"]

_NAME_RE: Final = re.compile(r"[a-z0-9_]+")
_DOMAIN_RE: Final = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_SETTING_RE: Final = re.compile(r"[A-Z][A-Z0-9_]*")
_TOP_KEYS: Final = frozenset({"schema", "families", "site"})
_FAMILY_KEYS: Final = frozenset({"title", "selectors"})
_LINEAGE_KEYS: Final = frozenset({"merged_into", "successor", "since", "note"})


class RegistryError(ValueError):
    """The registry file is missing or invalid; ``problems`` lists every problem found (file, site, field)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = f"{len(self.problems)} problems in the site registry:\n" + "\n".join(
                f"  - {p}" for p in self.problems
            )
        super().__init__(message)


@dataclass(frozen=True)
class Lineage:
    """Where a site went: ``merged_into`` names the registry site of the outlet that absorbed this one's
    organisation; ``successor`` the registry site that now carries this site's content or URLs."""

    merged_into: str | None = None
    successor: str | None = None
    since: dt.date | None = None
    note: str | None = None


@dataclass(frozen=True)
class Site:
    """One registry entry. Sequences are tuples and mappings read-only: loaded sites are cached and shared."""

    name: str
    title: str
    province: str
    provinces_before_2025: tuple[str, ...]
    current: bool
    domains: tuple[str, ...]
    start_urls: tuple[str, ...]
    cms: str
    status: Status
    confidence: Confidence
    verified: dt.date | None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    article_patterns: tuple[str, ...] = ()
    listing_patterns: tuple[str, ...] = ()
    skip_patterns: tuple[str, ...] = ()
    example_urls: tuple[str, ...] = ()
    shape_examples: tuple[str, ...] = ()
    selectors: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    strip_www: bool = True
    month_first: bool = False
    wp_json: bool = False
    lineage: Lineage = field(default_factory=Lineage)
    title_confidence: Confidence | None = None
    confidence_detail: str | None = None
    evidence: tuple[str, ...] = ()
    inferred_fields: tuple[str, ...] = ()
    politeness: Mapping[str, bool | int | float | str] = field(default_factory=lambda: MappingProxyType({}))
    expected_min_articles: int = 0
    notes: str | None = None

    def profile(self) -> SiteProfile:
        """The extraction profile (selectors, date order) for ``ingest.extract``."""
        # Imported here so the registry loads (at spider import) without pulling in the extractor.
        from ingest.extract import SiteProfile

        return SiteProfile(
            name=self.name, selectors=dict(self.selectors), month_first=self.month_first, strip_www=self.strip_www
        )

    def is_article_url(self, url: str) -> bool:
        """True when ``url`` matches an article pattern and no skip pattern (False when there are no patterns)."""
        return any(re.search(p, url) for p in self.article_patterns) and not self.is_skipped_url(url)

    def is_listing_url(self, url: str) -> bool:
        """True when ``url`` matches a listing (pagination) pattern and no skip pattern."""
        return any(re.search(p, url) for p in self.listing_patterns) and not self.is_skipped_url(url)

    def is_skipped_url(self, url: str) -> bool:
        """True when ``url`` matches a skip pattern (sections that are never articles: video, e-paper, ...)."""
        return any(re.search(p, url) for p in self.skip_patterns)

    def rebase(self, base_url: str) -> Site:
        """This site with start URLs, feeds and sitemaps moved onto ``base_url``'s scheme and host (mirrors,
        fixture sites): ``https://baogialai.com.vn/rss/home.rss`` -> ``http://127.0.0.1:8080/rss/home.rss``.
        ``domains`` becomes the new host alone."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")

        def move(url: str) -> str:
            old = urlsplit(url)
            return urlunsplit((parts.scheme, parts.netloc, old.path, old.query, old.fragment))

        return dataclasses.replace(
            self,
            domains=(parts.hostname,),
            start_urls=tuple(move(u) for u in self.start_urls),
            feeds=tuple(move(u) for u in self.feeds),
            sitemaps=tuple(move(u) for u in self.sitemaps),
        )


# --- province look-up ------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lowercase, diacritics and đ folded, punctuation to single spaces: "TP. Hồ Chí Minh" -> "tp ho chi minh"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare).split())


def _fold_province(text: str) -> str:
    folded = _fold(text)
    for prefix in _PREFIXES:
        if folded.startswith(prefix):
            folded = folded[len(prefix) :]
            break
    return folded


_CANONICAL: Final[Mapping[str, str]] = MappingProxyType(
    {_fold_province(p): p for p in (*PROVINCES_2025, *PROVINCES_BEFORE_2025)}
)


def canonical_province(name: str) -> str | None:
    """The registry's spelling of a province (current or pre-2025), accent- and prefix-insensitive, or None:
    ``"kon tum"`` -> ``"Kon Tum"``, ``"TP.HCM"`` -> ``"Hồ Chí Minh"``."""
    folded = _fold_province(name)
    return _CANONICAL.get(folded) or _ALIASES.get(folded)


def sites_for_province(sites: Mapping[str, Site] | Iterable[Site], province: str) -> list[Site]:
    """Sites whose current province or one of whose pre-2025 provinces is ``province`` (accent-insensitive),
    current-province matches first, then by name. An unknown province gives an empty list."""
    wanted = canonical_province(province)
    if wanted is None:
        return []
    values = sites.values() if isinstance(sites, Mapping) else sites
    now = [s for s in values if s.province == wanted]
    before = [s for s in values if s.province != wanted and wanted in s.provinces_before_2025]
    return sorted(now, key=lambda s: s.name) + sorted(before, key=lambda s: s.name)


# --- loading -----------------------------------------------------------------------------------------------------


def default_sites_path() -> Path:
    """``INGEST_SITES_FILE`` if set, else ``data/sites.toml`` at the repository root (the parent of the ``ingest``
    package), else ``data/sites.toml`` under the current directory."""
    env = os.environ.get("INGEST_SITES_FILE", "").strip()
    if env:
        return Path(env)
    repo_file = Path(__file__).resolve().parent.parent / "data" / "sites.toml"
    if repo_file.is_file():
        return repo_file
    cwd_file = Path.cwd() / "data" / "sites.toml"
    if cwd_file.is_file():
        return cwd_file
    # Report the repository location: the message below names it and INGEST_SITES_FILE.
    return repo_file


def load_sites(path: str | Path | None = None) -> dict[str, Site]:
    """Load and validate the registry; a new dict of sites ordered by name. Cached per path (and file version:
    an edited file is re-read). Raises :class:`RegistryError` naming file, site and field for every problem."""
    resolved = Path(path) if path is not None else default_sites_path()
    try:
        stat = resolved.stat()
    except OSError as exc:
        if path is not None:
            hint = ""
        elif os.environ.get("INGEST_SITES_FILE", "").strip():
            hint = " (the path comes from INGEST_SITES_FILE)"
        else:
            hint = " (set INGEST_SITES_FILE to the registry's path)"
        raise RegistryError([f"{resolved}: cannot read the site registry: {exc.strerror or exc}{hint}"]) from exc
    return dict(_load_cached(str(resolved.resolve()), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, _mtime_ns: int, _size: int) -> tuple[tuple[str, Site], ...]:
    try:
        raw = Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError([f"{path}: cannot read the site registry: {exc}"]) from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError([f"{path}: not valid TOML: {exc}"]) from exc
    sites = _Validator(path).registry(data)
    return tuple(sorted(sites.items()))


class _Problems(Exception):
    """Internal: a field was invalid (already recorded); stop checking this field."""


class _Validator:
    """Turns parsed TOML into Sites, recording every problem with its file, site and field."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[str] = []
        # The origin of the entry being checked (from its first start URL): relative feed/sitemap paths resolve
        # against it.
        self._base = ""

    def fail(self, where: str, message: str) -> _Problems:
        self.problems.append(f"{self.path}: {where}: {message}")
        return _Problems()

    # -- whole file --

    def registry(self, data: dict[str, Any]) -> dict[str, Site]:
        for key in sorted(set(data) - _TOP_KEYS):
            self.fail(f"top-level key {key!r}", f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})")
        if data.get("schema", 1) != 1:
            self.fail("top-level key 'schema'", f"unsupported schema version {data.get('schema')!r} (expected 1)")
        families = self.families(data.get("families", {}))
        entries = data.get("site", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            self.fail("top-level key 'site'", "must be an array of tables ([[site]] entries)")
            entries = []
        if not entries and not self.problems:
            self.fail("top-level key 'site'", "no [[site]] entries")
        sites: dict[str, Site] = {}
        domain_owner: dict[str, str] = {}
        for index, entry in enumerate(entries, start=1):
            site = self.site(index, entry, families)
            if site is None:
                continue
            if site.name in sites:
                self.fail(f"site {site.name!r} (entry #{index})", "field 'name': duplicate site name")
                continue
            for domain in site.domains:
                key = domain.removeprefix("www.")
                if key in domain_owner:
                    self.fail(
                        f"site {site.name!r} (entry #{index})",
                        f"field 'domains': {domain!r} is already a domain of site {domain_owner[key]!r}",
                    )
                domain_owner.setdefault(key, site.name)
            sites[site.name] = site
        self.cross_references(sites)
        if self.problems:
            raise RegistryError(self.problems)
        return sites

    def families(self, raw: Any) -> dict[str, Mapping[str, str]]:
        if not isinstance(raw, dict):
            self.fail("table 'families'", "must be a table of [families.<cms>] tables")
            return {}
        result: dict[str, Mapping[str, str]] = {}
        for family, table in raw.items():
            where = f"family {family!r}"
            if family not in CMS_FAMILIES:
                self.fail(where, f"unknown CMS family (known: {', '.join(sorted(CMS_FAMILIES))})")
                continue
            if not isinstance(table, dict):
                self.fail(where, "must be a table")
                continue
            for key in sorted(set(table) - _FAMILY_KEYS):
                self.fail(where, f"unknown key {key!r} (allowed: {', '.join(sorted(_FAMILY_KEYS))})")
            if "title" in table and not isinstance(table["title"], str):
                self.fail(where, "field 'title': must be a string")
            try:
                result[family] = self.selectors(where, table.get("selectors", {}))
            except _Problems:
                continue
        return result

    def cross_references(self, sites: Mapping[str, Site]) -> None:
        for site in sites.values():
            where = f"site {site.name!r}"
            for attr in ("merged_into", "successor"):
                target = getattr(site.lineage, attr)
                if target is None:
                    continue
                if target == site.name:
                    self.fail(where, f"field 'lineage.{attr}': a site cannot point at itself")
                elif target not in sites:
                    self.fail(where, f"field 'lineage.{attr}': no site named {target!r} in the registry")

    # -- one entry --

    def site(self, index: int, entry: dict[str, Any], families: Mapping[str, Mapping[str, str]]) -> Site | None:
        raw_name = entry.get("name")
        label = f"site {raw_name!r} (entry #{index})" if isinstance(raw_name, str) else f"site entry #{index}"
        before = len(self.problems)
        self._base = ""
        known = {f.name for f in dataclasses.fields(Site)}
        for key in sorted(set(entry) - known):
            self.fail(label, f"unknown field {key!r}")
        values: dict[str, Any] = {}
        for name, check in _FIELDS.items():
            if name not in entry:
                if name in _REQUIRED:
                    self.fail(label, f"missing required field {name!r}")
                continue
            try:
                values[name] = check(self, f"{label}: field {name!r}", entry[name])
            except _Problems:
                continue
        if len(self.problems) > before:
            return None
        family_selectors = families.get(values["cms"], {})
        values["selectors"] = MappingProxyType({**family_selectors, **values.get("selectors", {})})
        site = Site(**values)
        self.consistency(label, site)
        return site if len(self.problems) == before else None

    def consistency(self, label: str, site: Site) -> None:
        """Checks across fields of one entry."""
        for old in site.provinces_before_2025:
            if old not in MERGERS[site.province]:
                self.fail(
                    label,
                    f"field 'provinces_before_2025': {old!r} was not merged into {site.province!r} "
                    f"(it went into {_unit_of(old)!r})",
                )
        for attr in ("start_urls", "feeds", "sitemaps", "example_urls", "shape_examples"):
            for url in getattr(site, attr):
                host = (urlsplit(url).hostname or "").removeprefix("www.")
                if not any(host == d.removeprefix("www.") or host.endswith("." + d) for d in site.domains):
                    self.fail(label, f"field {attr!r}: {url!r} is not on the site's domains {list(site.domains)}")
        examples = (*site.example_urls, *site.shape_examples)
        for pattern in site.article_patterns:
            if not any(re.search(pattern, u) for u in examples):
                self.fail(
                    label,
                    f"field 'article_patterns': {pattern!r} matches none of example_urls/shape_examples "
                    "(add the URL it is meant for)",
                )
            for url in site.start_urls:
                if re.search(pattern, url):
                    self.fail(label, f"field 'article_patterns': {pattern!r} also matches start URL {url!r}")
        if site.article_patterns:
            for url in examples:
                if not site.is_article_url(url):
                    self.fail(label, f"field 'example_urls': {url!r} matches no article pattern (or a skip pattern)")
        for name in site.inferred_fields:
            if name not in _FIELDS:
                self.fail(label, f"field 'inferred_fields': {name!r} is not a site field")

    # -- field checkers --

    def string(self, where: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"must be a non-empty string, got {_show(value)}")
        return value

    def boolean(self, where: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"must be true or false, got {_show(value)}")
        return value

    def strings(self, where: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(where, f"must be a list of non-empty strings, got {_show(value)}")
        if len(set(value)) != len(value):
            raise self.fail(where, "has duplicate values")
        return tuple(value)

    def name(self, where: str, value: Any) -> str:
        text = self.string(where, value)
        if not _NAME_RE.fullmatch(text):
            raise self.fail(where, f"{text!r} is not a spider name (lowercase letters, digits and _ only)")
        return text

    def province(self, where: str, value: Any) -> str:
        text = self.string(where, value)
        canonical = canonical_province(text)
        if canonical is None or canonical not in MERGERS:
            raise self.fail(where, f"{text!r} is not one of the 34 provincial-level units of 2025")
        return canonical

    def old_provinces(self, where: str, value: Any) -> tuple[str, ...]:
        names = self.strings(where, value)
        if not names:
            raise self.fail(where, "must name at least one pre-2025 province")
        result = []
        for text in names:
            canonical = canonical_province(text)
            if canonical is None or canonical not in PROVINCES_BEFORE_2025:
                raise self.fail(where, f"{text!r} is not one of the 63 pre-2025 provinces")
            result.append(canonical)
        return tuple(result)

    def domains(self, where: str, value: Any) -> tuple[str, ...]:
        names = self.strings(where, value)
        if not names:
            raise self.fail(where, "must list at least one domain")
        for domain in names:
            if not _DOMAIN_RE.fullmatch(domain):
                raise self.fail(where, f"{domain!r} is not a lowercase host name (no scheme, no path)")
        return names

    def urls(self, where: str, value: Any) -> tuple[str, ...]:
        urls = self.strings(where, value)
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise self.fail(where, f"{url!r} is not an absolute http(s) URL")
        return urls

    def start_urls(self, where: str, value: Any) -> tuple[str, ...]:
        urls = self.urls(where, value)
        if not urls:
            raise self.fail(where, "must list at least one URL")
        parts = urlsplit(urls[0])
        self._base = f"{parts.scheme}://{parts.netloc}/"
        return urls

    def feed_urls(self, where: str, value: Any) -> tuple[str, ...]:
        """Feeds and sitemaps: absolute http(s) URLs, or paths ("/rss/home.rss") on the first start URL's host."""
        raw = self.strings(where, value)
        if not self._base and any(u.startswith("/") for u in raw):
            raise self.fail(where, "relative paths need a valid first start URL to resolve against")
        return self.urls(where, [urljoin(self._base, u) if u.startswith("/") else u for u in raw])

    def patterns(self, where: str, value: Any) -> tuple[str, ...]:
        patterns = self.strings(where, value)
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise self.fail(where, f"bad regular expression {pattern!r}: {exc}") from exc
        return patterns

    def cms(self, where: str, value: Any) -> str:
        text = self.string(where, value)
        if text not in CMS_FAMILIES:
            raise self.fail(where, f"unknown CMS family {text!r} (known: {', '.join(sorted(CMS_FAMILIES))})")
        return text

    def status(self, where: str, value: Any) -> str:
        return self.choice(where, value, STATUSES)

    def confidence(self, where: str, value: Any) -> str:
        return self.choice(where, value, CONFIDENCES)

    def choice(self, where: str, value: Any, allowed: frozenset[str]) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise self.fail(where, f"must be one of {', '.join(sorted(allowed))}, got {_show(value)}")
        return str(value)

    def verified(self, where: str, value: Any) -> dt.date | None:
        # TOML has no null: `false` says "never checked live"; a date says when it was.
        if value is False:
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        raise self.fail(where, f"must be false (never checked live) or a date like 2026-09-01, got {_show(value)}")

    def selectors(self, where: str, value: Any) -> Mapping[str, str]:
        if not isinstance(value, dict):
            raise self.fail(where, f'must be a table of field = "CSS selector", got {_show(value)}')
        from cssselect import GenericTranslator, SelectorError

        translator = GenericTranslator()
        for key, css in value.items():
            if key not in SELECTOR_FIELDS:
                raise self.fail(where, f"unknown selector field {key!r} (known: {', '.join(sorted(SELECTOR_FIELDS))})")
            if not isinstance(css, str) or not css.strip():
                raise self.fail(where, f"selector {key!r} must be a non-empty string, got {_show(css)}")
            try:
                translator.css_to_xpath(css)
            except SelectorError as exc:
                raise self.fail(where, f"selector {key!r}: bad CSS {css!r}: {exc}") from exc
        return MappingProxyType(dict(value))

    def lineage(self, where: str, value: Any) -> Lineage:
        if not isinstance(value, dict):
            raise self.fail(where, f"must be a table (merged_into, successor, since, note), got {_show(value)}")
        unknown = sorted(set(value) - _LINEAGE_KEYS)
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_LINEAGE_KEYS))})")
        merged_into = self.name(f"{where}.merged_into", value["merged_into"]) if "merged_into" in value else None
        successor = self.name(f"{where}.successor", value["successor"]) if "successor" in value else None
        since = value.get("since")
        if since is not None and (not isinstance(since, dt.date) or isinstance(since, dt.datetime)):
            raise self.fail(where, f"'since' must be a date like 2025-07-01, got {_show(since)}")
        note = self.string(f"{where}.note", value["note"]) if "note" in value else None
        return Lineage(merged_into=merged_into, successor=successor, since=since, note=note)

    def politeness(self, where: str, value: Any) -> Mapping[str, bool | int | float | str]:
        if not isinstance(value, dict):
            raise self.fail(where, f"must be a table of Scrapy settings, got {_show(value)}")
        for key, setting in value.items():
            if not _SETTING_RE.fullmatch(key):
                raise self.fail(where, f"{key!r} is not a Scrapy setting name (UPPER_CASE)")
            if not isinstance(setting, bool | int | float | str):
                raise self.fail(where, f"setting {key!r} must be a number, string or boolean, got {_show(setting)}")
            if isinstance(setting, int | float) and not isinstance(setting, bool) and setting < 0:
                raise self.fail(where, f"setting {key!r} must not be negative")
        return MappingProxyType(dict(value))

    def count(self, where: str, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(where, f"must be a whole number >= 0, got {_show(value)}")
        return value


def _show(value: Any) -> str:
    text = repr(value)
    kind = type(value).__name__
    return f"{kind} {text if len(text) <= 60 else text[:57] + '...'}"


def _unit_of(old: str) -> str:
    return next((unit for unit, olds in MERGERS.items() if old in olds), "?")


# Field name -> checker, in checking order (start_urls before feeds/sitemaps: they resolve relative paths).
_FIELDS: Final[dict[str, Callable[[_Validator, str, Any], Any]]] = {
    "name": _Validator.name,
    "title": _Validator.string,
    "province": _Validator.province,
    "provinces_before_2025": _Validator.old_provinces,
    "current": _Validator.boolean,
    "domains": _Validator.domains,
    "start_urls": _Validator.start_urls,
    "cms": _Validator.cms,
    "status": _Validator.status,
    "confidence": _Validator.confidence,
    "verified": _Validator.verified,
    "feeds": _Validator.feed_urls,
    "sitemaps": _Validator.feed_urls,
    "article_patterns": _Validator.patterns,
    "listing_patterns": _Validator.patterns,
    "skip_patterns": _Validator.patterns,
    "example_urls": _Validator.urls,
    "shape_examples": _Validator.urls,
    "selectors": _Validator.selectors,
    "strip_www": _Validator.boolean,
    "month_first": _Validator.boolean,
    "wp_json": _Validator.boolean,
    "lineage": _Validator.lineage,
    "title_confidence": _Validator.confidence,
    "confidence_detail": _Validator.string,
    "evidence": _Validator.strings,
    "inferred_fields": _Validator.strings,
    "politeness": _Validator.politeness,
    "expected_min_articles": _Validator.count,
    "notes": _Validator.string,
}
_REQUIRED: Final = frozenset(
    {
        "name",
        "title",
        "province",
        "provinces_before_2025",
        "current",
        "domains",
        "start_urls",
        "cms",
        "status",
        "confidence",
        "verified",
    }
)

# Every Site field has a checker (a field without one would be silently dropped from the file).
_MISMATCH: Final = set(_FIELDS) ^ {f.name for f in dataclasses.fields(Site)}
if _MISMATCH:
    raise RuntimeError(f"registry schema out of step with Site: {sorted(_MISMATCH)}")
