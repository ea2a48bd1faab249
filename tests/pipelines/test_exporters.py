"""Feed exporters (``ingest.exporters``) and the shared record (``ingest.records``): an item exported by a crawl
reads the same as its stored row shown by ``ingest query``, in every feed format, without the raw page."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from scrapy.exporters import BaseItemExporter
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from ingest import query as q
from ingest.db.engine import get_engine, read_scope
from ingest.db.store import store_batch
from ingest.exporters import CsvExporter, JsonExporter, JsonLinesExporter, XmlExporter, crawl_record, page_text
from ingest.items import ArticleItem
from ingest.records import CRAWL_FIELDS, RECORD_FIELDS, article_record
from ingest.settings import FEED_EXPORTERS
from tests.db.articles import BODY_COFFEE
from tests.hostile.site import cp1258

VN = timezone(timedelta(hours=7))


def tricky_item() -> ArticleItem:
    """A normalised item whose people, organisations and dates the store reshapes (what the record must match)."""
    body = BODY_COFFEE
    return ArticleItem(
        url="https://baogialai.com.vn/ca-phe-post1.html?utm_source=rss",
        site="baogialai",
        canonical_url="https://baogialai.com.vn/ca-phe-post1.html",
        title="Niên vụ cà phê được mùa, được giá",
        lead="Sản lượng dự kiến cao hơn năm trước.",
        body=body,
        language="vi",
        published_raw="09/07/2025 08:15",
        published=datetime(2025, 7, 9, 1, 15, tzinfo=UTC),  # stored in UTC, shown in +07:00
        published_precision="minute",
        part_of_day="sáng",
        modified=datetime(2025, 7, 9, 10, 0, tzinfo=VN),
        modified_raw="09/07/2025 10:00",
        byline_raw="Bài: Lê Thuỷ, Trần Hoà - Ảnh: Lê Thủy/TTXVN",
        # Two spellings of one person (old- and new-style tone marks), roles in printed (unsorted) order, a name
        # printed without a role.
        authors=["Lê Thuỷ", "Trần Hoà", "Lê Thủy"],
        author_roles={"Lê Thuỷ": ["writer"], "Lê Thủy": ["photographer", "editor"]},
        organizations=["TTXVN", "Báo Gia Lai"],
        source="TTXVN",
        category=["Kinh tế", "Nông nghiệp"],
        tags=["cà phê", "xuất khẩu"],
        images=[{"url": "https://baogialai.com.vn/a.jpg", "caption": "Thu hoạch cà phê", "credit": None}],
        fetched_at=datetime(2025, 7, 10, 2, 30, 15, 123456, tzinfo=UTC),
        http_status=200,
        html=cp1258(f"<html><body><h1>Niên vụ cà phê</h1><p>{body}</p></body></html>"),
        encoding="cp1258",
        discovered_by="feed",
    )


def test_record_fields_are_the_query_fields_less_what_only_the_database_knows() -> None:
    assert set(RECORD_FIELDS) - set(CRAWL_FIELDS) == {"id", "duplicate_of"}
    record = crawl_record(tricky_item())
    assert tuple(record) == CRAWL_FIELDS
    assert "html" not in record


def test_record_dates_people_and_organisations_are_canonical() -> None:
    record = crawl_record(tricky_item())
    assert record["published"] == "2025-07-09T08:15:00+07:00"
    assert record["modified"] == "2025-07-09T10:00:00+07:00"
    assert record["fetched_at"] == "2025-07-10T09:30:15.123456+07:00"
    assert record["authors"] == ["Lê Thủy", "Trần Hòa"]
    assert record["author_roles"] == {"Lê Thủy": ["editor", "photographer", "writer"]}
    assert record["organizations"] == ["Báo Gia Lai", "TTXVN"]
    assert record["images"] == [
        {"url": "https://baogialai.com.vn/a.jpg", "caption": "Thu hoạch cà phê", "credit": None}
    ]
    # JSON-ready: serialises without a default hook.
    json.dumps(record, ensure_ascii=False)


def test_a_missing_field_is_null_and_record_is_idempotent() -> None:
    record = article_record({"url": "https://x.vn/a"})
    assert record["id"] is None
    assert record["published"] is None
    assert record["authors"] == []
    full = crawl_record(tricky_item())
    assert article_record(full, CRAWL_FIELDS) == full  # a record read back (strings, lists) is its own record


def test_an_exported_item_equals_its_stored_row_as_ingest_query_shows_it(db_url: str) -> None:
    item = tricky_item()
    engine = get_engine(db_url, migrate=True)
    try:
        assert store_batch(engine, [asdict(item)]) == ["stored"]
        with read_scope(engine) as session:
            (stored,) = list(q.find_articles(session, q.Filters(include_duplicates=True)))
    finally:
        engine.dispose()
    exported = crawl_record(item)
    assert {k: stored[k] for k in exported} == exported
    assert stored["id"] is not None
    assert stored["duplicate_of"] is None


def exporter_output(name: str, items: list[ArticleItem], fields: list[str] | None = None, **settings: Any) -> bytes:
    """Run the exporter registered for ``name`` in FEED_EXPORTERS over ``items``, as the feed extension does (it
    passes a feed's ``fields``, FEED_EXPORT_FIELDS by default, as ``fields_to_export``)."""
    crawler = get_crawler(settings_dict={"FEED_EXPORT_ENCODING": "utf-8", **settings})
    classes = {"jsonl": JsonLinesExporter, "json": JsonExporter, "csv": CsvExporter, "xml": XmlExporter}
    assert FEED_EXPORTERS[name] == f"{classes[name].__module__}.{classes[name].__name__}"
    out = io.BytesIO()
    exporter: BaseItemExporter = build_from_crawler(
        classes[name], crawler, out, encoding="utf-8", fields_to_export=fields
    )
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return out.getvalue()


def _from_flat(value: str, field: str) -> Any:
    """A CSV/XML cell read back: JSON text for the record's lists and dicts, empty for null."""
    if field in ("authors", "author_roles", "organizations", "category", "tags", "images"):
        return json.loads(value)
    if field == "published_year_inferred":
        return {"True": True, "False": False}.get(value)  # a boolean cell prints as Python does
    return value or None


def read_back(fmt: str, data: bytes) -> list[dict[str, Any]]:
    text = data.decode("utf-8")
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines()]
    if fmt == "json":
        loaded: list[dict[str, Any]] = json.loads(text)
        return loaded
    if fmt == "csv":
        return [{k: _from_flat(v, k) for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]
    root = ET.fromstring(data)
    return [
        {name: _from_flat(el.find(name).text or "", name) if el.find(name) is not None else None  # type: ignore[union-attr]
         for name in (*CRAWL_FIELDS, "html")}
        for el in root.iter("item")
    ]  # fmt: skip


FORMATS = ["jsonl", "json", "csv", "xml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_reads_back_as_the_record_without_the_page(fmt: str) -> None:
    items = [tricky_item(), replace(tricky_item(), url="https://baogialai.com.vn/b.html", lead=None, source=None)]
    data = exporter_output(fmt, items)
    assert b"<h1>" not in data
    assert b"&lt;h1&gt;" not in data
    back = read_back(fmt, data)
    expected = [crawl_record(i) for i in items]
    assert [{k: r.get(k) for k in CRAWL_FIELDS} for r in back] == expected
    assert all(r.get("html") is None for r in back)


@pytest.mark.parametrize("fmt", FORMATS)
def test_ingest_export_html_adds_the_page_as_text(fmt: str) -> None:
    item = tricky_item()
    (back,) = read_back(fmt, exporter_output(fmt, [item], INGEST_EXPORT_HTML=True))
    assert back["html"] == item.html.decode("cp1258")  # type: ignore[union-attr]
    assert "Niên vụ cà phê" in unicodedata.normalize("NFC", back["html"])
    assert {k: back[k] for k in CRAWL_FIELDS} == crawl_record(item)


def test_feed_export_fields_still_pick_and_order_the_fields() -> None:
    data = exporter_output("csv", [tricky_item()], fields=["title", "published"])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows == [["title", "published"], ["Niên vụ cà phê được mùa, được giá", "2025-07-09T08:15:00+07:00"]]


def test_page_text_uses_the_extractors_encoding_and_never_fails() -> None:
    page = "<p>Thủy điện Hòa Bình</p>"
    assert unicodedata.normalize("NFC", page_text(cp1258(page), "windows-1258") or "") == page
    assert page_text(page.encode("utf-8"), None) == page
    assert page_text(page.encode("utf-8"), "no-such-charset") == page
    assert page_text(b"\xff\xfe<p>", "utf-8") == "\ufffd\ufffd<p>"
    assert page_text(None, "utf-8") is None
    assert page_text(b"", "utf-8") is None
