"""Per-field checks on the real pages of the shared dev set (read in place, never copied)."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.extract import Extracted, extract_article, is_article_page
from ingest.normalize import normalize_article


def _key(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "").replace("\u00a0", " ")).strip().casefold()


@pytest.fixture(scope="module")
def pages(dev_set: Path) -> list[tuple[dict[str, Any], Extracted, dict[str, Any]]]:
    out = []
    for line in (dev_set / "pages.jsonl").read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        if gold.get("type", "article") != "article":
            continue
        html = (dev_set / gold["file"]).read_bytes()
        reference = datetime.fromisoformat(gold.get("fetched_at") or gold["published"])
        raw = extract_article(html, gold.get("url") or "", fetched_at=reference)
        out.append((gold, raw, normalize_article(asdict(raw), reference=reference)))
    assert len(out) >= 10
    return out


def _failures(pages: list[Any], check: Any) -> list[str]:
    return [Path(gold["file"]).name for gold, raw, norm in pages if not check(gold, raw, norm)]


def test_title_is_the_printed_headline(pages: list[Any]) -> None:
    assert _failures(pages, lambda g, raw, n: _key(raw.title) == _key(g["title"])) == []


def test_published_to_the_minute_in_vietnam_time(pages: list[Any]) -> None:
    def ok(gold: dict[str, Any], raw: Extracted, norm: dict[str, Any]) -> bool:
        published = norm["published"]
        return (
            published is not None
            and published.utcoffset() is not None
            and published.replace(second=0, microsecond=0) == datetime.fromisoformat(gold["published"])
        )

    assert _failures(pages, ok) == []


def test_authors_are_the_people_not_the_outlet(pages: list[Any]) -> None:
    def ok(gold: dict[str, Any], raw: Extracted, norm: dict[str, Any]) -> bool:
        return sorted(map(_key, gold.get("authors") or [])) == sorted(map(_key, norm["authors"]))

    assert _failures(pages, ok) == []


def test_body_starts_with_the_first_paragraph(pages: list[Any]) -> None:
    def ok(gold: dict[str, Any], raw: Extracted, norm: dict[str, Any]) -> bool:
        return 0 <= _key(raw.body).find(_key(gold["body_first"])) <= 1500

    assert _failures(pages, ok) == []


def test_body_ends_with_the_last_paragraph(pages: list[Any]) -> None:
    def ok(gold: dict[str, Any], raw: Extracted, norm: dict[str, Any]) -> bool:
        body, last = _key(raw.body), _key(gold["body_last"])
        end = body.rfind(last)
        return end >= 0 and len(body) - (end + len(last)) <= 250

    assert _failures(pages, ok) == []


def test_byline_paragraph_and_captions_leave_the_body(pages: list[Any]) -> None:
    for gold, raw, _ in pages:
        body = _key(raw.body)
        for name in gold.get("authors") or []:
            # The byline may be printed at the end of the body; it must not stay in the last lines.
            assert _key(name) not in body[-120:], gold["file"]
    zing = next(raw for gold, raw, _ in pages if "zing" in gold["file"])
    assert "ảnh: lê hiếu" not in _key(zing.body)
    assert any(img["credit"] and "Lê Hiếu" in img["credit"] for img in zing.images)


def test_lead_is_its_own_field(pages: list[Any]) -> None:
    with_lead = [(g, raw) for g, raw, _ in pages if g.get("lead") and "dantri-2" not in g["file"]]
    assert len(with_lead) >= 7
    for gold, raw in with_lead:
        assert _key(raw.lead).startswith(_key(gold["lead"])), gold["file"]
        assert not _key(raw.body).startswith(_key(gold["lead"])[:60]), gold["file"]


def test_canonical_url_and_language(pages: list[Any]) -> None:
    for gold, raw, _ in pages:
        if gold.get("url"):
            # dantri 2012: rel=canonical names another article id than og:url; the fetched page wins.
            assert raw.canonical_url == gold["url"], gold["file"]
        assert raw.language == "vi", gold["file"]


def test_category_from_breadcrumbs(pages: list[Any]) -> None:
    by_name = {Path(g["file"]).name: raw for g, raw, _ in pages}
    assert by_name["vnexpress-1.html"].category == ["Kinh doanh", "Quốc tế", "Phân tích"]
    assert by_name["tuoitre-1.html"].category == ["Kinh doanh"]
    assert by_name["cafef-1.html"].category == ["Thị trường chứng khoán"]
    assert by_name["vnexpress-3.html"].category == ["Tâm sự"]  # 2012 "breadCrumb" markup


def test_every_article_page_is_recognised(pages: list[Any]) -> None:
    assert all(is_article_page(raw) for _, raw, _ in pages)


def test_listing_pages_are_not_articles(dev_set: Path) -> None:
    listings = [
        json.loads(line)
        for line in (dev_set / "pages.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line).get("type") == "listing"
    ]
    assert len(listings) >= 5
    taken = [
        gold["file"]
        for gold in listings
        if is_article_page(extract_article((dev_set / gold["file"]).read_bytes(), gold.get("url") or ""))
    ]
    assert taken == []
