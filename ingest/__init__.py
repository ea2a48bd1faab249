"""vn-news-ingest: Vietnamese provincial news as clean, deduplicated, queryable data."""

__version__ = "0.1.0"
