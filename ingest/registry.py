"""The site registry: loads and validates ``data/sites.toml`` into frozen :class:`Site` records.

This module owns the registry's schema, declared once: :class:`Site` (with :class:`Lineage` and :class:`Family`)
is a frozen dataclass whose fields carry their checker in ``field(metadata=...)``. Which keys an entry may have,
which are required (a field without a default), their order of checking and their types all come from those
fields; nothing else lists them. Checks across the fields of one entry (:data:`ENTRY_CHECKS`) and across entries
(:data:`REGISTRY_CHECKS`) are plain functions. Every problem is reported with file, site and field. The provinces
are in ``ingest.provinces``. It knows nothing of Scrapy: spiders read :class:`Site` records and turn them into
requests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, get_args
from urllib.parse import urljoin, urlsplit, urlunsplit

from ingest.provinces import MERGERS, PROVINCES_BEFORE_2025, canonical_province, unit_of

if TYPE_CHECKING:
    from ingest.extract import SiteProfile

__all__ = [
    "CMS_FAMILIES",
    "CONFIDENCES",
    "ENTRY_CHECKS",
    "REGISTRY_CHECKS",
    "SELECTOR_FIELDS",
    "STATUSES",
    "Family",
    "FieldError",
    "Lineage",
    "RegistryError",
    "Site",
    "check_entry",
    "check_fields",
    "check_registry",
    "checked",
    "default_sites_path",
    "load_sites",
    "sites_for_province",
]

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
Status = Literal["active", "archive", "redirects", "unknown"]
Confidence = Literal["seen", "listed", "inferred"]
STATUSES: Final[frozenset[str]] = frozenset(get_args(Status))
CONFIDENCES: Final[frozenset[str]] = frozenset(get_args(Confidence))
# Keys of Site.selectors (and of SiteProfile.selectors): article fields, plus `links` (article links on listing
# pages, for spiders) and `remove` (boilerplate to drop before taking text).
SELECTOR_FIELDS: Final[frozenset[str]] = frozenset(
    {"title", "lead", "body", "published", "modified", "byline", "category", "tags", "images", "links", "remove"}
)

_NAME_RE: Final = re.compile(r"[a-z0-9_]+")
_DOMAIN_RE: Final = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_SETTING_RE: Final = re.compile(r"[A-Z][A-Z0-9_]*")
_TOP_KEYS: Final = frozenset({"schema", "families", "site"})


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


# --- field checkers ---------------------------------------------------------------------------------------------
# A checker takes the raw TOML value and the entry's fields checked so far (feeds resolve paths against the first
# start URL), and returns the field's value or raises FieldError saying what is wrong.

Check = Callable[[Any, Mapping[str, Any]], Any]
_CHECK: Final = "check"


class FieldError(ValueError):
    """A value does not fit its field: ``message`` says why; ``key`` names the key of a table field, if any."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.key = key


def checked(check: Check) -> dict[str, Check]:
    """The ``field(metadata=...)`` of a registry field checked by ``check``."""
    return {_CHECK: check}


def _show(value: Any) -> str:
    text = repr(value)
    kind = type(value).__name__
    return f"{kind} {text if len(text) <= 60 else text[:57] + '...'}"


def _string(value: Any, _entry: Mapping[str, Any]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(f"must be a non-empty string, got {_show(value)}")
    return value


def _boolean(value: Any, _entry: Mapping[str, Any]) -> bool:
    if not isinstance(value, bool):
        raise FieldError(f"must be true or false, got {_show(value)}")
    return value


def _count(value: Any, _entry: Mapping[str, Any]) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FieldError(f"must be a whole number >= 0, got {_show(value)}")
    return value


def _date(value: Any, _entry: Mapping[str, Any]) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise FieldError(f"must be a date like 2025-07-01, got {_show(value)}")
    return value


def _verified(value: Any, _entry: Mapping[str, Any]) -> dt.date | None:
    # TOML has no null: `false` says "never checked live"; a date says when it was.
    if value is False:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise FieldError(f"must be false (never checked live) or a date like 2026-09-01, got {_show(value)}")


def _strings(value: Any, _entry: Mapping[str, Any]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise FieldError(f"must be a list of non-empty strings, got {_show(value)}")
    if len(set(value)) != len(value):
        raise FieldError("has duplicate values")
    return tuple(value)


def _one_of(allowed: frozenset[str]) -> Check:
    def check(value: Any, _entry: Mapping[str, Any]) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise FieldError(f"must be one of {', '.join(sorted(allowed))}, got {_show(value)}")
        return value

    return check


def _name(value: Any, entry: Mapping[str, Any]) -> str:
    text = _string(value, entry)
    if not _NAME_RE.fullmatch(text):
        raise FieldError(f"{text!r} is not a spider name (lowercase letters, digits and _ only)")
    return text


def _cms(value: Any, entry: Mapping[str, Any]) -> str:
    text = _string(value, entry)
    if text not in CMS_FAMILIES:
        raise FieldError(f"unknown CMS family {text!r} (known: {', '.join(sorted(CMS_FAMILIES))})")
    return text


def _province(value: Any, entry: Mapping[str, Any]) -> str:
    text = _string(value, entry)
    canonical = canonical_province(text)
    if canonical is None or canonical not in MERGERS:
        raise FieldError(f"{text!r} is not one of the 34 provincial-level units of 2025")
    return canonical


def _old_provinces(value: Any, entry: Mapping[str, Any]) -> tuple[str, ...]:
    names = _strings(value, entry)
    if not names:
        raise FieldError("must name at least one pre-2025 province")
    result = []
    for text in names:
        canonical = canonical_province(text)
        if canonical is None or canonical not in PROVINCES_BEFORE_2025:
            raise FieldError(f"{text!r} is not one of the 63 pre-2025 provinces")
        result.append(canonical)
    return tuple(result)


def _domains(value: Any, entry: Mapping[str, Any]) -> tuple[str, ...]:
    names = _strings(value, entry)
    if not names:
        raise FieldError("must list at least one domain")
    for domain in names:
        if not _DOMAIN_RE.fullmatch(domain):
            raise FieldError(f"{domain!r} is not a lowercase host name (no scheme, no path)")
    return names


def _urls(value: Any, entry: Mapping[str, Any]) -> tuple[str, ...]:
    urls = _strings(value, entry)
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FieldError(f"{url!r} is not an absolute http(s) URL")
    return urls


def _start_urls(value: Any, entry: Mapping[str, Any]) -> tuple[str, ...]:
    urls = _urls(value, entry)
    if not urls:
        raise FieldError("must list at least one URL")
    return urls


def _feed_urls(value: Any, entry: Mapping[str, Any]) -> tuple[str, ...]:
    """Feeds and sitemaps: absolute http(s) URLs, or paths ("/rss/home.rss") on the first start URL's host."""
    raw = _strings(value, entry)
    starts = entry.get("start_urls") or ()
    base = ""
    if starts:
        parts = urlsplit(starts[0])
        base = f"{parts.scheme}://{parts.netloc}/"
    if not base and any(u.startswith("/") for u in raw):
        raise FieldError("relative paths need a valid first start URL to resolve against")
    return _urls([urljoin(base, u) if u.startswith("/") else u for u in raw], entry)


def _patterns(value: Any, entry: Mapping[str, Any]) -> tuple[str, ...]:
    patterns = _strings(value, entry)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise FieldError(f"bad regular expression {pattern!r}: {exc}") from exc
    return patterns


def _selectors(value: Any, _entry: Mapping[str, Any]) -> Mapping[str, str]:
    if not isinstance(value, dict):
        raise FieldError(f'must be a table of field = "CSS selector", got {_show(value)}')
    from cssselect import GenericTranslator, SelectorError

    translator = GenericTranslator()
    for key, css in value.items():
        if key not in SELECTOR_FIELDS:
            raise FieldError(f"unknown selector field {key!r} (known: {', '.join(sorted(SELECTOR_FIELDS))})")
        if not isinstance(css, str) or not css.strip():
            raise FieldError(f"selector {key!r} must be a non-empty string, got {_show(css)}")
        try:
            translator.css_to_xpath(css)
        except SelectorError as exc:
            raise FieldError(f"selector {key!r}: bad CSS {css!r}: {exc}") from exc
    return MappingProxyType(dict(value))


def _politeness(value: Any, _entry: Mapping[str, Any]) -> Mapping[str, bool | int | float | str]:
    if not isinstance(value, dict):
        raise FieldError(f"must be a table of Scrapy settings, got {_show(value)}")
    for key, setting in value.items():
        if not _SETTING_RE.fullmatch(key):
            raise FieldError(f"{key!r} is not a Scrapy setting name (UPPER_CASE)")
        if not isinstance(setting, bool | int | float | str):
            raise FieldError(f"setting {key!r} must be a number, string or boolean, got {_show(setting)}")
        if isinstance(setting, int | float) and not isinstance(setting, bool) and setting < 0:
            raise FieldError(f"setting {key!r} must not be negative")
    return MappingProxyType(dict(value))


def _table(cls: type[Any]) -> Check:
    """A table field whose keys are the fields of the dataclass ``cls`` (``lineage``): checked by their metadata."""
    allowed = ", ".join(f.name for f in dataclasses.fields(cls))

    def check(value: Any, _entry: Mapping[str, Any]) -> Any:
        if not isinstance(value, dict):
            raise FieldError(f"must be a table ({allowed}), got {_show(value)}")
        values, problems = check_fields(cls, value, unknown=f"unknown key {{key!r}} (allowed: {allowed})")
        if problems:
            key, message = problems[0]
            raise FieldError(message, key)
        return cls(**values)

    return check


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


# --- the schema -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lineage:
    """Where a site went: ``merged_into`` names the registry site of the outlet that absorbed this one's
    organisation; ``successor`` the registry site that now carries this site's content or URLs."""

    merged_into: str | None = field(default=None, metadata=checked(_name))
    successor: str | None = field(default=None, metadata=checked(_name))
    since: dt.date | None = field(default=None, metadata=checked(_date))
    note: str | None = field(default=None, metadata=checked(_string))


@dataclass(frozen=True)
class Family:
    """A ``[families.<cms>]`` table: selector defaults for the sites of one CMS family."""

    title: str | None = field(default=None, metadata=checked(_string))
    selectors: Mapping[str, str] = field(default_factory=_empty, metadata=checked(_selectors))


@dataclass(frozen=True)
class Site:
    """One registry entry. Sequences are tuples and mappings read-only: loaded sites are cached and shared.

    Each field's metadata names its checker; a field without a default is required. Fields are checked in this
    order (``start_urls`` before ``feeds``/``sitemaps``: they resolve relative paths against it)."""

    name: str = field(metadata=checked(_name))
    title: str = field(metadata=checked(_string))
    province: str = field(metadata=checked(_province))
    provinces_before_2025: tuple[str, ...] = field(metadata=checked(_old_provinces))
    current: bool = field(metadata=checked(_boolean))
    domains: tuple[str, ...] = field(metadata=checked(_domains))
    start_urls: tuple[str, ...] = field(metadata=checked(_start_urls))
    cms: str = field(metadata=checked(_cms))
    status: Status = field(metadata=checked(_one_of(STATUSES)))
    confidence: Confidence = field(metadata=checked(_one_of(CONFIDENCES)))
    verified: dt.date | None = field(metadata=checked(_verified))
    feeds: tuple[str, ...] = field(default=(), metadata=checked(_feed_urls))
    sitemaps: tuple[str, ...] = field(default=(), metadata=checked(_feed_urls))
    article_patterns: tuple[str, ...] = field(default=(), metadata=checked(_patterns))
    listing_patterns: tuple[str, ...] = field(default=(), metadata=checked(_patterns))
    skip_patterns: tuple[str, ...] = field(default=(), metadata=checked(_patterns))
    example_urls: tuple[str, ...] = field(default=(), metadata=checked(_urls))
    shape_examples: tuple[str, ...] = field(default=(), metadata=checked(_urls))
    selectors: Mapping[str, str] = field(default_factory=_empty, metadata=checked(_selectors))
    strip_www: bool = field(default=True, metadata=checked(_boolean))
    month_first: bool = field(default=False, metadata=checked(_boolean))
    wp_json: bool = field(default=False, metadata=checked(_boolean))
    lineage: Lineage = field(default_factory=Lineage, metadata=checked(_table(Lineage)))
    title_confidence: Confidence | None = field(default=None, metadata=checked(_one_of(CONFIDENCES)))
    confidence_detail: str | None = field(default=None, metadata=checked(_string))
    evidence: tuple[str, ...] = field(default=(), metadata=checked(_strings))
    inferred_fields: tuple[str, ...] = field(default=(), metadata=checked(_strings))
    politeness: Mapping[str, bool | int | float | str] = field(default_factory=_empty, metadata=checked(_politeness))
    expected_min_articles: int = field(default=0, metadata=checked(_count))
    notes: str | None = field(default=None, metadata=checked(_string))

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


def check_fields(
    cls: type[Any], raw: Mapping[str, Any], *, unknown: str = "unknown field {key!r}"
) -> tuple[dict[str, Any], list[tuple[str | None, str]]]:
    """Check the table ``raw`` against the fields of the dataclass ``cls``: the values that passed, and every
    problem as (field, or ``field.key`` inside a table field, or None for the table itself; message).
    ``unknown`` words the problem of a key that is no field (``{key!r}`` is the key)."""
    fields = dataclasses.fields(cls)
    problems: list[tuple[str | None, str]] = [
        (None, unknown.format(key=key)) for key in sorted(set(raw) - {f.name for f in fields})
    ]
    values: dict[str, Any] = {}
    for spec in fields:
        if spec.name not in raw:
            if spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
                problems.append((None, f"missing required field {spec.name!r}"))
            continue
        try:
            values[spec.name] = spec.metadata[_CHECK](raw[spec.name], values)
        except FieldError as exc:
            problems.append((f"{spec.name}.{exc.key}" if exc.key else spec.name, exc.message))
    return values, problems


# --- checks across the fields of one entry ----------------------------------------------------------------------
# Each yields (field, message) for an entry whose fields are each valid.

Problem = tuple[str, str]


def merged_provinces(site: Site) -> Iterator[Problem]:
    """Each pre-2025 province went into the site's 2025 unit."""
    for old in site.provinces_before_2025:
        if old not in MERGERS[site.province]:
            yield (
                "provinces_before_2025",
                f"{old!r} was not merged into {site.province!r} (it went into {unit_of(old) or '?'!r})",
            )


def urls_on_domains(site: Site) -> Iterator[Problem]:
    """Every URL of the entry is on one of its domains (or a subdomain)."""
    for attr in ("start_urls", "feeds", "sitemaps", "example_urls", "shape_examples"):
        for url in getattr(site, attr):
            host = (urlsplit(url).hostname or "").removeprefix("www.")
            if not any(host == d.removeprefix("www.") or host.endswith("." + d) for d in site.domains):
                yield attr, f"{url!r} is not on the site's domains {list(site.domains)}"


def patterns_fit_examples(site: Site) -> Iterator[Problem]:
    """Each article pattern matches an example URL and no start URL; each example is an article URL."""
    examples = (*site.example_urls, *site.shape_examples)
    for pattern in site.article_patterns:
        if not any(re.search(pattern, u) for u in examples):
            yield (
                "article_patterns",
                f"{pattern!r} matches none of example_urls/shape_examples (add the URL it is meant for)",
            )
        for url in site.start_urls:
            if re.search(pattern, url):
                yield "article_patterns", f"{pattern!r} also matches start URL {url!r}"
    if site.article_patterns:
        for url in examples:
            if not site.is_article_url(url):
                yield "example_urls", f"{url!r} matches no article pattern (or a skip pattern)"


def inferred_fields_exist(site: Site) -> Iterator[Problem]:
    """``inferred_fields`` names fields of an entry."""
    names = {f.name for f in dataclasses.fields(Site)}
    for name in site.inferred_fields:
        if name not in names:
            yield "inferred_fields", f"{name!r} is not a site field"


ENTRY_CHECKS: Final[tuple[Callable[[Site], Iterable[Problem]], ...]] = (
    merged_provinces,
    urls_on_domains,
    patterns_fit_examples,
    inferred_fields_exist,
)

# --- checks across entries --------------------------------------------------------------------------------------
# Each takes the valid entries as (label, site) in file order and yields (label, field, message).

Labelled = Sequence[tuple[str, Site]]


def unique_names(entries: Labelled) -> Iterator[tuple[str, str, str]]:
    """No two entries share a name (the later one is reported)."""
    seen: set[str] = set()
    for label, site in entries:
        if site.name in seen:
            yield label, "name", "duplicate site name"
        seen.add(site.name)


def unique_domains(entries: Labelled) -> Iterator[tuple[str, str, str]]:
    """No two sites share a domain (``www.`` ignored)."""
    owner: dict[str, str] = {}
    for label, site in entries:
        for domain in site.domains:
            key = domain.removeprefix("www.")
            if owner.get(key, site.name) != site.name:
                yield label, "domains", f"{domain!r} is already a domain of site {owner[key]!r}"
            owner.setdefault(key, site.name)


def lineage_targets(entries: Labelled) -> Iterator[tuple[str, str, str]]:
    """``lineage.merged_into``/``successor`` name another site of the registry."""
    names = {site.name for _, site in entries}
    for label, site in entries:
        for attr in ("merged_into", "successor"):
            target = getattr(site.lineage, attr)
            if target == site.name:
                yield label, f"lineage.{attr}", "a site cannot point at itself"
            elif target is not None and target not in names:
                yield label, f"lineage.{attr}", f"no site named {target!r} in the registry"


REGISTRY_CHECKS: Final[tuple[Callable[[Labelled], Iterable[tuple[str, str, str]]], ...]] = (
    unique_names,
    unique_domains,
    lineage_targets,
)

# --- the whole file ---------------------------------------------------------------------------------------------


def _where(label: str, name: str | None, message: str) -> str:
    return f"{label}: field {name!r}: {message}" if name else f"{label}: {message}"


def _families(raw: Any, problems: list[str]) -> dict[str, Family]:
    if not isinstance(raw, dict):
        problems.append("table 'families': must be a table of [families.<cms>] tables")
        return {}
    families: dict[str, Family] = {}
    allowed = ", ".join(f.name for f in dataclasses.fields(Family))
    for cms, table in raw.items():
        label = f"family {cms!r}"
        if cms not in CMS_FAMILIES:
            problems.append(f"{label}: unknown CMS family (known: {', '.join(sorted(CMS_FAMILIES))})")
        elif not isinstance(table, dict):
            problems.append(f"{label}: must be a table")
        else:
            values, found = check_fields(Family, table, unknown=f"unknown key {{key!r}} (allowed: {allowed})")
            problems += [_where(label, name, message) for name, message in found]
            if not found:
                families[cms] = Family(**values)
    return families


def check_entry(label: str, raw: Mapping[str, Any], families: Mapping[str, Family]) -> tuple[Site | None, list[str]]:
    """One ``[[site]]`` table as a Site (None when invalid), and its problems prefixed with ``label``."""
    values, found = check_fields(Site, raw)
    if found:
        return None, [_where(label, name, message) for name, message in found]
    family = families.get(values["cms"])
    values["selectors"] = MappingProxyType({**(family.selectors if family else {}), **values.get("selectors", {})})
    site = Site(**values)
    problems = [_where(label, name, message) for check in ENTRY_CHECKS for name, message in check(site)]
    return (None if problems else site), problems


def check_registry(data: Mapping[str, Any]) -> tuple[dict[str, Site], list[str]]:
    """A parsed registry file as its sites by name, and every problem found (each ``"<where>: <what>"``)."""
    problems: list[str] = []
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"top-level key {key!r}: unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})")
    if data.get("schema", 1) != 1:
        problems.append(f"top-level key 'schema': unsupported schema version {data.get('schema')!r} (expected 1)")
    families = _families(data.get("families", {}), problems)
    entries = data.get("site", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.append("top-level key 'site': must be an array of tables ([[site]] entries)")
        entries = []
    if not entries and not problems:
        problems.append("top-level key 'site': no [[site]] entries")
    valid: list[tuple[str, Site]] = []
    for index, entry in enumerate(entries, start=1):
        raw_name = entry.get("name")
        label = f"site {raw_name!r} (entry #{index})" if isinstance(raw_name, str) else f"site entry #{index}"
        site, found = check_entry(label, entry, families)
        problems += found
        if site is not None:
            valid.append((label, site))
    problems += [_where(label, name, message) for check in REGISTRY_CHECKS for label, name, message in check(valid)]
    sites: dict[str, Site] = {}
    for _, site in valid:
        sites.setdefault(site.name, site)
    return sites, problems


# --- province look-up ------------------------------------------------------------------------------------------


def sites_for_province(sites: Mapping[str, Site] | Iterable[Site], province: str) -> list[Site]:
    """Sites whose current province or one of whose pre-2025 provinces is ``province`` (accent-insensitive),
    current-province matches first, then by name. An unknown province gives an empty list."""
    wanted = canonical_province(province)
    if wanted is None:
        return []
    values = list(sites.values() if isinstance(sites, Mapping) else sites)
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
    sites, problems = check_registry(data)
    if problems:
        raise RegistryError([f"{path}: {problem}" for problem in problems])
    return tuple(sorted(sites.items()))
