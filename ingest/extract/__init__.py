"""Article extraction: HTML in, raw fields out (no Scrapy, no database)."""
