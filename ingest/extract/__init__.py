"""Article extraction: HTML in, raw fields out (no Scrapy, no database).

``extract_article(html, url, fetched_at=..., site=...)`` returns an ``Extracted`` of raw fields named as in
``ingest.items.ArticleItem``; ``ingest.normalize.normalize_article`` turns them into typed values.
"""

from __future__ import annotations

from ingest.extract.article import Extracted, SiteProfile, extract_article
from ingest.extract.listing import is_article_page

__all__ = ["Extracted", "SiteProfile", "extract_article", "is_article_page"]
