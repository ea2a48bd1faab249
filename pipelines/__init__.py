"""Scrapy item pipelines: one stage per module (normalize -> validate -> dedup -> store), thin over ``ingest``."""
