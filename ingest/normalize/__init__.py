"""Vietnamese normalisation: dates, bylines, text and URLs as pure functions (no Scrapy, no database).

``normalize_article`` is the one entry point the extractor CLI and the crawl's normalize stage share; the other
functions are usable on their own (see each module).
"""

from ingest.normalize.article import normalize_article
from ingest.normalize.bylines import Byline, parse_byline
from ingest.normalize.dates import VN_TZ, ParsedDate, find_dateline, parse_date
from ingest.normalize.text import clean_text, normalize_text, search_key, search_key_of_parts
from ingest.normalize.urls import canonical_url, url_rank

__all__ = [
    "VN_TZ",
    "Byline",
    "ParsedDate",
    "canonical_url",
    "clean_text",
    "find_dateline",
    "normalize_article",
    "normalize_text",
    "parse_byline",
    "parse_date",
    "search_key",
    "search_key_of_parts",
    "url_rank",
]
