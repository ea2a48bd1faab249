"""Feed exports of articles (``scrapy crawl SITE -O out.jsonl`` / ``-o``): Scrapy's item exporters, fed records.

Each exporter here is Scrapy's own (JSON lines, JSON, CSV, XML; registered in ``FEED_EXPORTERS``) with one change:
every item is first turned into its article record by ``ingest.records.article_record``, the function behind
``ingest query --format jsonl``. So an exported article has the same field names and values as the stored row
shows later (less ``id`` and ``duplicate_of``, which the database decides): dates in ISO 8601 with their +07:00
offset, lists and dicts as JSON. CSV and XML cells are flat, so lists and dicts go in them as JSON text, and in
XML a null field is left out (an empty element would read as an empty string).

The raw page is not exported: it is the bulk of an item (tens of KB) and not what a reader of a feed wants.
``-s INGEST_EXPORT_HTML=1`` adds it as the field ``html``, text decoded with the encoding the extractor used.
``FEED_EXPORT_FIELDS`` (or a feed's ``fields`` option) still picks and orders the fields, by record name.
"""

from __future__ import annotations

import codecs
import contextlib
import json
from collections.abc import Mapping
from typing import IO, Any, Self, cast

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exporters import (
    BaseItemExporter,
    CsvItemExporter,
    JsonItemExporter,
    JsonLinesItemExporter,
    XmlItemExporter,
)

from ingest.records import CRAWL_FIELDS, article_record

HTML_FIELD = "html"


def page_text(html: Any, encoding: Any) -> str | None:
    """The raw page as text: decoded with the encoding the extractor used (UTF-8 when unknown), never failing."""
    if isinstance(html, str):
        return html
    if not isinstance(html, (bytes, bytearray)) or not html:
        return None
    codec = "utf-8"
    if isinstance(encoding, str) and encoding:
        # A label Python does not know leaves UTF-8, with the odd byte replaced.
        with contextlib.suppress(LookupError):
            codec = codecs.lookup(encoding).name
    return bytes(html).decode(codec, errors="replace")


def crawl_record(item: Any, *, with_html: bool = False) -> dict[str, Any]:
    """The article record of a crawled item (``ingest.records.CRAWL_FIELDS``, plus ``html`` when asked)."""
    adapter = ItemAdapter(item)
    values = {name: adapter.get(name) for name in CRAWL_FIELDS}
    record = article_record(values, CRAWL_FIELDS)
    if with_html:
        record[HTML_FIELD] = page_text(adapter.get("html"), adapter.get("encoding"))
    return record


def _json_text(value: Any) -> Any:
    """A list or dict as JSON text for a flat cell (Vietnamese kept as is); other values unchanged."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


class ArticleRecords(BaseItemExporter):
    """Mixin for a Scrapy item exporter: export each item's article record instead of the item."""

    with_html: bool = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], *args: Any, **kwargs: Any) -> Self:
        # The concrete class takes Scrapy's exporter arguments (file first); this mixin's base does not.
        exporter: Self = cast(Any, cls)(file, *args, **kwargs)
        exporter.with_html = crawler.settings.getbool("INGEST_EXPORT_HTML", False)
        if exporter.fields_to_export is None:
            # The record's fields in the record's order (CSV needs them for its header line anyway).
            exporter.fields_to_export = [*CRAWL_FIELDS, *([HTML_FIELD] if exporter.with_html else [])]
        return exporter

    def record(self, item: Any) -> dict[str, Any]:
        return crawl_record(item, with_html=self.with_html)

    def export_item(self, item: Any) -> None:
        super().export_item(self.record(item))  # type: ignore[safe-super]  # the Scrapy exporter comes next in the MRO


class JsonLinesExporter(ArticleRecords, JsonLinesItemExporter):
    """``-O out.jsonl``: one article record per line, as ``ingest query --format jsonl`` prints it."""


class JsonExporter(ArticleRecords, JsonItemExporter):
    """``-O out.json``: a JSON array of article records."""


class CsvExporter(ArticleRecords, CsvItemExporter):
    """``-O out.csv``: one article per row; lists and dicts as JSON text, null as an empty cell."""

    def serialize_field(self, field: Mapping[str, Any] | Any, name: str, value: Any) -> Any:
        return _json_text(value)


class XmlExporter(ArticleRecords, XmlItemExporter):
    """``-O out.xml``: one ``<item>`` per article; lists and dicts as JSON text, null fields left out."""

    def record(self, item: Any) -> dict[str, Any]:
        return {k: _json_text(v) for k, v in super().record(item).items() if v is not None}
