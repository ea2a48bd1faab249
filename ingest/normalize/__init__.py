"""Vietnamese normalisation: dates, bylines, text and URLs as pure functions (no Scrapy, no database)."""
