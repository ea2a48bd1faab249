"""Article extraction: HTML in, raw fields out (no Scrapy, no database).

``extract_article(html, url, fetched_at=..., site=...)`` returns an ``Extracted`` of raw fields named as in
``ingest.items.ArticleItem``; ``normalize_extracted(raw, reference=..., site=...)`` turns them into typed values
with the site's profile (the one path the crawl, ``ingest extract`` and ``ingest reprocess`` share).
"""

from __future__ import annotations

from ingest.extract.article import Extracted, SiteProfile, extract_article
from ingest.extract.listing import is_article_page
from ingest.extract.normalized import normalize_extracted

__all__ = ["Extracted", "SiteProfile", "extract_article", "is_article_page", "normalize_extracted"]
