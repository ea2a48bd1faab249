"""The site registry: the real data/sites.toml and the loader's validation (ingest.registry)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.provinces import MERGERS, PROVINCES_2025, PROVINCES_BEFORE_2025, canonical_province
from ingest.registry import (
    CONFIDENCES,
    STATUSES,
    Family,
    Lineage,
    RegistryError,
    Site,
    check_registry,
    default_sites_path,
    load_sites,
    sites_for_province,
)

ROOT = Path(__file__).resolve().parent.parent
REAL_FILE = ROOT / "data" / "sites.toml"


@pytest.fixture(scope="module")
def sites() -> dict[str, Site]:
    return load_sites(REAL_FILE)


@pytest.fixture(scope="module")
def raw_entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = tomllib.loads(REAL_FILE.read_text(encoding="utf-8"))["site"]
    return entries


# --- the province constants -------------------------------------------------------------------------------------


def test_units_are_34_and_cover_the_63_old_provinces_once() -> None:
    assert len(PROVINCES_2025) == 34
    olds = [p for group in MERGERS.values() for p in group]
    assert len(olds) == 63
    assert len(set(olds)) == 63
    assert sorted(olds) == sorted(PROVINCES_BEFORE_2025)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("kon tum", "Kon Tum"),
        ("KON TUM", "Kon Tum"),
        ("Tỉnh Kon Tum", "Kon Tum"),
        ("TP.HCM", "Hồ Chí Minh"),
        ("Thành phố Hồ Chí Minh", "Hồ Chí Minh"),
        ("thanh hoa", "Thanh Hóa"),
        ("Thanh Hoá", "Thanh Hóa"),  # old-style tone placement
        ("dak lak", "Đắk Lắk"),
        ("Ba Ria - Vung Tau", "Bà Rịa–Vũng Tàu"),
        ("Atlantis", None),
    ],
)
def test_canonical_province_folds_accents_prefixes_and_aliases(typed: str, expected: str | None) -> None:
    assert canonical_province(typed) == expected


# --- the real registry -------------------------------------------------------------------------------------------


def test_real_registry_loads_ordered_by_name(sites: dict[str, Site]) -> None:
    assert list(sites) == sorted(sites)
    assert all(name == site.name for name, site in sites.items())


def test_every_unit_has_a_current_outlet(sites: dict[str, Site]) -> None:
    for unit in PROVINCES_2025:
        current = [s for s in sites.values() if s.province == unit and s.current and s.status != "archive"]
        assert current, f"no current outlet for {unit}"
        # ... and at least one of them can tell its articles from other pages.
        assert any(s.article_patterns for s in current), f"no article patterns for {unit}"


def test_every_pre_2025_province_has_a_site(sites: dict[str, Site]) -> None:
    covered = {p for s in sites.values() for p in s.provinces_before_2025}
    assert covered == set(PROVINCES_BEFORE_2025)


def test_the_briefs_sites_are_registered(sites: dict[str, Site]) -> None:
    assert {"kontumtv", "baokontum", "baogialai", "baobinhdinh", "baophuyen", "baodaklak", "baoquangngai"} <= set(sites)
    assert "phuyen.baodaklak.vn" in sites["baophuyen"].domains
    assert "baophuyen.vn" in sites["baophuyen"].domains


def test_names_are_unique_spider_identifiers(raw_entries: list[dict[str, Any]]) -> None:
    names = [e["name"] for e in raw_entries]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z0-9_]+", name)
        assert name.isidentifier()
        assert name != "article"  # the one-off spider's name


def test_domains_are_unique(sites: dict[str, Site]) -> None:
    domains = [d.removeprefix("www.") for s in sites.values() for d in s.domains]
    assert len(domains) == len(set(domains))


def test_nothing_was_verified_live(raw_entries: list[dict[str, Any]], sites: dict[str, Site]) -> None:
    # OUTLETS.md checked nothing live; each entry must say so itself until a live run confirms it.
    assert all(entry["verified"] is False for entry in raw_entries)
    assert all(site.verified is None for site in sites.values())


def test_confidence_and_status_values(sites: dict[str, Site]) -> None:
    for site in sites.values():
        assert site.confidence in CONFIDENCES
        assert site.status in STATUSES
        assert site.title_confidence in (None, *CONFIDENCES)


def test_every_article_pattern_matches_one_of_its_examples(sites: dict[str, Site]) -> None:
    checked = 0
    for site in sites.values():
        examples = (*site.example_urls, *site.shape_examples)
        for pattern in site.article_patterns:
            assert any(re.search(pattern, url) for url in examples), (site.name, pattern)
            checked += 1
        for url in site.start_urls:
            assert not site.is_article_url(url), (site.name, url)
    assert checked >= 40


def test_real_example_urls_are_articles(sites: dict[str, Site]) -> None:
    with_examples = [s for s in sites.values() if s.example_urls and s.article_patterns]
    assert len(with_examples) >= 10
    for site in with_examples:
        for url in site.example_urls:
            assert site.is_article_url(url), (site.name, url)


def test_lineage_of_absorbed_sites_leads_to_a_current_site(sites: dict[str, Site]) -> None:
    for site in sites.values():
        if site.current:
            continue
        seen = {site.name}
        step = site
        while not step.current:
            target = step.lineage.successor or step.lineage.merged_into
            assert target is not None, f"{step.name} is not current and names no successor or merged_into"
            assert target not in seen, f"lineage loop at {target}"
            seen.add(target)
            step = sites[target]
        assert step.province == site.province


def test_feeds_resolve_to_absolute_urls(sites: dict[str, Site]) -> None:
    assert sites["baogialai"].feeds == ("https://baogialai.com.vn/rss/home.rss",)
    for site in sites.values():
        for url in (*site.feeds, *site.sitemaps, *site.start_urls):
            assert url.startswith(("http://", "https://")), (site.name, url)


def test_family_selectors_are_merged_with_site_overrides(sites: dict[str, Site]) -> None:
    nghean = sites["baonghean"]
    assert nghean.selectors["title"] == "h1.sc-longform-header-title"  # from [families.onecms]
    assert nghean.selectors["links"] == ".b-grid__title a"  # the site's own override
    assert sites["baohaiphong"].selectors["links"] == "h3 > a"


def test_profile_builds_the_extractors_site_profile(sites: dict[str, Site]) -> None:
    from ingest.extract import SiteProfile

    profile = sites["baogialai"].profile()
    assert isinstance(profile, SiteProfile)
    assert profile.name == "baogialai"
    assert profile.selectors["body"] == "div.cms-body"
    assert profile.month_first is False


# --- look-up by province -----------------------------------------------------------------------------------------


def test_sites_for_province_finds_pre_2025_province_accent_insensitively(sites: dict[str, Site]) -> None:
    for query in ("kon tum", "Kon Tum", "KON TUM", "Tỉnh Kon Tum"):
        names = [s.name for s in sites_for_province(sites, query)]
        assert names == ["baokontum", "kontumtv"], query


def test_sites_for_province_lists_current_province_first(sites: dict[str, Site]) -> None:
    names = [s.name for s in sites_for_province(sites, "quang ngai")]
    assert names[:3] == ["baokontum", "baoquangngai", "kontumtv"]
    hcm = [s.name for s in sites_for_province(sites.values(), "TP.HCM")]
    assert "sggp" in hcm
    assert "baobinhduong" in hcm


def test_sites_for_unknown_province_is_empty(sites: dict[str, Site]) -> None:
    assert sites_for_province(sites, "Atlantis") == []


# --- loading, caching, paths -------------------------------------------------------------------------------------

MINIMAL: dict[str, Any] = {
    "name": "baomau",
    "title": "Báo Mẫu",
    "province": "Gia Lai",
    "provinces_before_2025": ["Bình Định"],
    "current": True,
    "domains": ["baomau.vn"],
    "start_urls": ["https://baomau.vn/"],
    "feeds": ["/rss/home.rss"],
    "cms": "zcms",
    "article_patterns": [r"-post\d+\.html$"],
    "example_urls": ["https://baomau.vn/tin-mau-post1.html"],
    "status": "active",
    "confidence": "listed",
    "verified": False,
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, int | float | dt.date):
        return value.isoformat() if isinstance(value, dt.date) else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def _write(path: Path, entries: list[dict[str, Any]], head: str = "") -> Path:
    blocks = [head]
    for entry in entries:
        blocks.append("[[site]]\n" + "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in entry.items()))
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def test_minimal_file_loads(tmp_path: Path) -> None:
    sites = load_sites(_write(tmp_path / "sites.toml", [MINIMAL]))
    site = sites["baomau"]
    assert site.feeds == ("https://baomau.vn/rss/home.rss",)
    assert site.provinces_before_2025 == ("Bình Định",)
    assert site.verified is None
    assert site.selectors == {}


def test_load_is_cached_per_path_and_sees_edits(tmp_path: Path) -> None:
    path = _write(tmp_path / "sites.toml", [MINIMAL])
    first, second = load_sites(path), load_sites(str(path))
    assert first == second
    assert first is not second  # callers get their own dict
    assert first["baomau"] is second["baomau"]  # the parsed sites are shared
    _write(path, [{**MINIMAL, "title": "Báo Mẫu mới", "expected_min_articles": 3}])
    assert load_sites(path)["baomau"].title == "Báo Mẫu mới"


def test_default_path_reads_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "other.toml", [MINIMAL])
    monkeypatch.setenv("INGEST_SITES_FILE", str(path))
    assert default_sites_path() == path
    assert list(load_sites()) == ["baomau"]
    monkeypatch.delenv("INGEST_SITES_FILE")
    assert default_sites_path() == REAL_FILE


def test_verified_date_is_kept(tmp_path: Path) -> None:
    sites = load_sites(_write(tmp_path / "s.toml", [{**MINIMAL, "verified": dt.date(2026, 9, 1)}]))
    assert sites["baomau"].verified == dt.date(2026, 9, 1)


def test_rebase_moves_urls_onto_a_fixture_host(sites: dict[str, Site]) -> None:
    moved = sites["baogialai"].rebase("http://127.0.0.1:8123")
    assert moved.start_urls == ("http://127.0.0.1:8123/",)
    assert moved.feeds == ("http://127.0.0.1:8123/rss/home.rss",)
    assert moved.domains == ("127.0.0.1",)
    assert sites["baogialai"].domains == ("baogialai.com.vn",)  # the cached original is untouched
    with pytest.raises(ValueError, match="not an http"):
        sites["baogialai"].rebase("ftp://x")


# --- bad input: one RegistryError naming file, site and field ---------------------------------------------------


def _entry(**changes: Any) -> Callable[[], list[dict[str, Any]]]:
    def build() -> list[dict[str, Any]]:
        entry = copy.deepcopy(MINIMAL)
        for key, value in changes.items():
            if value is _DELETE:
                entry.pop(key)
            else:
                entry[key] = value
        return [entry]

    return build


_DELETE = object()

BAD_CASES: list[tuple[str, Callable[[], list[dict[str, Any]]], list[str]]] = [
    ("unknown key", _entry(colour="red"), ["'baomau'", "unknown field 'colour'"]),
    ("missing required field", _entry(province=_DELETE), ["'baomau'", "missing required field 'province'"]),
    ("wrong type: string for list", _entry(domains="baomau.vn"), ["'baomau'", "'domains'", "list of non-empty"]),
    ("wrong type: string for bool", _entry(current="yes"), ["'current'", "true or false"]),
    ("wrong type: float for count", _entry(expected_min_articles=1.5), ["'expected_min_articles'", "whole number"]),
    ("negative count", _entry(expected_min_articles=-1), ["'expected_min_articles'", ">= 0"]),
    ("bad spider name", _entry(name="Bao-Mau"), ["'name'", "not a spider name"]),
    ("bad regex", _entry(article_patterns=["(-post"]), ["'article_patterns'", "bad regular expression"]),
    ("bad skip regex", _entry(skip_patterns=["[video"]), ["'skip_patterns'", "bad regular expression"]),
    ("non-http start url", _entry(start_urls=["ftp://baomau.vn/"]), ["'start_urls'", "not an absolute http(s) URL"]),
    ("relative start url", _entry(start_urls=["/home"]), ["'start_urls'", "not an absolute http(s) URL"]),
    ("non-http feed", _entry(feeds=["file:///etc/passwd"]), ["'feeds'", "not an absolute http(s) URL"]),
    ("empty start urls", _entry(start_urls=[]), ["'start_urls'", "at least one URL"]),
    ("domain with scheme", _entry(domains=["https://baomau.vn"]), ["'domains'", "not a lowercase host name"]),
    ("url off the domains", _entry(start_urls=["https://elsewhere.vn/"]), ["'start_urls'", "not on the site's"]),
    ("unknown province", _entry(province="Atlantis"), ["'province'", "34 provincial-level units"]),
    ("unknown old province", _entry(provinces_before_2025=["Atlantis"]), ["'provinces_before_2025'", "63"]),
    (
        "old province merged elsewhere",
        _entry(provinces_before_2025=["Kon Tum"]),
        ["'provinces_before_2025'", "was not merged into 'Gia Lai'", "Quảng Ngãi"],
    ),
    ("bad status", _entry(status="alive"), ["'status'", "active, archive, redirects, unknown"]),
    ("bad confidence", _entry(confidence="sure"), ["'confidence'", "inferred, listed, seen"]),
    ("list for a choice", _entry(status=["active"]), ["'status'", "got list"]),
    ("table for a string", _entry(title={"vi": "Báo"}), ["'title'", "non-empty string, got dict"]),
    ("non-string name", _entry(name=7), ["site entry #1", "'name'", "got int 7"]),
    ("bad verified", _entry(verified="yes"), ["'verified'", "must be false"]),
    ("verified true", _entry(verified=True), ["'verified'", "must be false"]),
    ("unknown cms", _entry(cms="drupal"), ["'cms'", "unknown CMS family 'drupal'"]),
    ("pattern without example", _entry(example_urls=[]), ["'article_patterns'", "matches none of"]),
    (
        "example that is no article",
        _entry(example_urls=["https://baomau.vn/tin-mau-post1.html", "https://baomau.vn/gioi-thieu.html"]),
        ["'example_urls'", "gioi-thieu.html", "matches no article pattern"],
    ),
    (
        "pattern matching the home page",
        _entry(article_patterns=[r"baomau"], example_urls=["https://baomau.vn/x"]),
        ["'article_patterns'", "also matches start URL"],
    ),
    ("bad css", _entry(selectors={"body": "div[["}), ["'selectors'", "bad CSS"]),
    ("unknown selector field", _entry(selectors={"colour": "div"}), ["'selectors'", "unknown selector field"]),
    ("bad politeness key", _entry(politeness={"download_delay": 1}), ["'politeness'", "not a Scrapy setting"]),
    ("negative politeness", _entry(politeness={"DOWNLOAD_DELAY": -1}), ["'politeness'", "must not be negative"]),
    ("lineage to nowhere", _entry(lineage={"merged_into": "baokhong"}), ["lineage.merged_into", "no site named"]),
    ("lineage to itself", _entry(lineage={"successor": "baomau"}), ["lineage.successor", "itself"]),
    ("lineage unknown key", _entry(lineage={"parent": "x"}), ["'lineage'", "unknown key 'parent'"]),
    ("unknown inferred field", _entry(inferred_fields=["colour"]), ["'inferred_fields'", "not a site field"]),
    ("duplicate list value", _entry(domains=["baomau.vn", "baomau.vn"]), ["'domains'", "duplicate values"]),
    (
        "duplicate names",
        lambda: [
            copy.deepcopy(MINIMAL),
            {
                **copy.deepcopy(MINIMAL),
                "domains": ["khac.vn"],
                "start_urls": ["https://khac.vn/"],
                "example_urls": ["https://khac.vn/a-post2.html"],
            },
        ],
        ["'baomau' (entry #2)", "duplicate site name"],
    ),
    (
        "duplicate domains (www. ignored)",
        lambda: [copy.deepcopy(MINIMAL), {**copy.deepcopy(MINIMAL), "name": "baomau2", "domains": ["www.baomau.vn"]}],
        ["'baomau2'", "'www.baomau.vn' is already a domain of site 'baomau'"],
    ),
]


@pytest.mark.parametrize(("case", "build", "expected"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_entries_raise_a_clear_registry_error(
    tmp_path: Path, case: str, build: Callable[[], list[dict[str, Any]]], expected: list[str]
) -> None:
    path = _write(tmp_path / "sites.toml", build())
    with pytest.raises(RegistryError) as info:
        load_sites(path)
    message = str(info.value)
    assert str(path.resolve()) in message, case
    for fragment in expected:
        assert fragment in message, f"{case}: {fragment!r} not in {message!r}"


@pytest.mark.parametrize(
    ("case", "text", "expected"),
    [
        ("not toml", "[[site]\nname = ", "not valid TOML"),
        ("unknown top-level key", 'colour = "red"\n[[site]]\nname = "x"', "unknown key"),
        ("site is not an array", 'site = "x"', "array of tables"),
        ("no entries", "schema = 1\n", "no [[site]] entries"),
        ("unknown family", '[families.drupal]\ntitle = "x"\n', "unknown CMS family"),
        ("wrong schema", "schema = 2\n", "unsupported schema version"),
    ],
)
def test_bad_files_raise_a_clear_registry_error(tmp_path: Path, case: str, text: str, expected: str) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match=re.escape(expected)):
        load_sites(path)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path / "sites.toml", [{**MINIMAL, "status": "alive", "cms": "drupal", "colour": 1}])
    with pytest.raises(RegistryError) as info:
        load_sites(path)
    assert len(info.value.problems) == 3
    assert "3 problems" in str(info.value)


def test_missing_file_names_the_path_and_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(RegistryError, match=re.escape("nope.toml: cannot read the site registry")):
        load_sites(missing)
    monkeypatch.setenv("INGEST_SITES_FILE", str(missing))
    with pytest.raises(RegistryError, match="INGEST_SITES_FILE"):
        load_sites()


def test_registry_doc_documents_every_field() -> None:
    section = (ROOT / "docs" / "registry.md").read_text(encoding="utf-8")
    for field in dataclasses.fields(Site):
        assert f"`{field.name}`" in section, field.name


ODD_VALUES: list[Any] = [0, -3, 2.5, True, "", "x", [], [1, 2], ["/a", "ftp://b"], {}, {"K": [1]}, dt.date(2025, 7, 1)]


@pytest.mark.parametrize("field", sorted(f.name for f in dataclasses.fields(Site)))
def test_any_odd_value_in_any_field_is_a_registry_error_or_loads(tmp_path: Path, field: str) -> None:
    # Never a crash (TypeError, KeyError, ...): either the value is acceptable or a RegistryError names the file,
    # the entry and a field (this one, or another the value is inconsistent with).
    for number, value in enumerate(ODD_VALUES):
        path = _write(tmp_path / f"odd{number}.toml", [{**copy.deepcopy(MINIMAL), field: value}])
        try:
            load_sites(path)
        except RegistryError as exc:
            for problem in exc.problems:
                assert problem.startswith(f"{path.resolve()}: site "), problem
                assert "field '" in problem, problem


def test_every_field_names_its_checker_and_the_doc_bolds_the_required_ones() -> None:
    # The schema is declared once, in the dataclasses' fields: each has a checker, and a field without a default is
    # required (docs/registry.md shows required fields in bold).
    for cls in (Site, Lineage, Family):
        for spec in dataclasses.fields(cls):
            assert callable(spec.metadata.get("check")), (cls.__name__, spec.name)
    required = {
        f.name
        for f in dataclasses.fields(Site)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    doc = (ROOT / "docs" / "registry.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^\| \*\*`(\w+)`\*\*", doc, re.MULTILINE)) == required
    for name in required:
        entry = {k: v for k, v in copy.deepcopy(MINIMAL).items() if k != name}
        _, problems = check_registry({"site": [entry]})
        assert any(f"missing required field {name!r}" in p for p in problems), name
