"""The database layer: models, engine, store and query. Knows nothing of Scrapy."""
