"""Scrapy settings for vn-news-ingest: only what we change from Scrapy's defaults, each line with its reason.

Custom settings are prefixed ``INGEST_``; those a user sets per machine also read the environment.
"""

from __future__ import annotations

import os

BOT_NAME = "vn_news_ingest"

# Where `scrapy list` / `scrapy crawl NAME` find spiders: the top-level spiders package.
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Honest User-Agent: sites can see who we are and how to reach us.
USER_AGENT = "vn-news-ingest/0.1 (+https://github.com/vn-news-ingest/vn-news-ingest; research news archive)"

# Politeness: obey robots.txt, let AutoThrottle adapt to each server, few requests per domain at once.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5

# Provincial servers are slow and flaky: retry transient failures a few times (Scrapy backs off via AutoThrottle).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30

# A news article is never 10 MB; larger bodies (and gzip bombs) are cut off, not parsed.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# The asyncio reactor: needed for `async def start()` and the default since Scrapy 2.13.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Feed exports (`-O out.jsonl`) keep Vietnamese as UTF-8 rather than \u escapes.
FEED_EXPORT_ENCODING = "utf-8"
# Feed exports write article records (ingest/exporters.py: the fields and values of `ingest query --format jsonl`,
# dates with their +07:00 offset, no raw HTML) rather than the raw item, whose page bytes and datetimes break them.
FEED_EXPORTERS = {
    "jsonlines": "ingest.exporters.JsonLinesExporter",
    "jsonl": "ingest.exporters.JsonLinesExporter",
    "jl": "ingest.exporters.JsonLinesExporter",
    "json": "ingest.exporters.JsonExporter",
    "csv": "ingest.exporters.CsvExporter",
    "xml": "ingest.exporters.XmlExporter",
}

# Logs: INFO is readable for a cron job; DEBUG per request is too noisy for unattended runs.
LOG_LEVEL = os.environ.get("INGEST_LOG_LEVEL", "INFO")
# Items are logged without their raw page: a drop is one line (reason, URL, site), not ~100 KB of repr.
LOG_FORMATTER = "ingest.logformatter.ReadableLogFormatter"

# Development cache (`-s HTTPCACHE_ENABLED=1`): off by default so scheduled runs see fresh pages.
HTTPCACHE_ENABLED = False
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_IGNORE_HTTP_CODES = [500, 502, 503, 504, 408, 429]

# Items (and requests) from one callback are handed to the pipelines one at a time. Scrapy's default of 100 starts
# 100 asyncio worker tasks for *every* callback output (a page yields one item), which cost more CPU per page than
# our whole dedup stage; our pipelines are synchronous, so running several items of one page at once gains nothing.
CONCURRENT_ITEMS = 1

# Scrapy checks each callback it calls for a generator that returns a value (a developer's mistake), by reading the
# callback's source with inspect and ast; its cache holds the bound method weakly, and each request carries a bound
# method of its own, so the source was read again for about half of all responses (0.3 ms each, more than our dedup
# stage). The same check runs once per callback of ours in the tests (tests/test_project.py) instead.
WARN_ON_GENERATOR_RETURN_VALUE = False

# The item pipeline: one stage per module, in this order.
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedup.DedupPipeline": 300,
    "pipelines.store.StorePipeline": 400,
}

# One crawl_runs row per spider run (start, end, status, stats, drops), and the run id for the store. Pages fetched
# as articles but not stored are kept in rejected_pages; the reject recorder comes first so that, when the run ends,
# its last database error (if any) is counted before the run recorder reads the stats.
EXTENSIONS = {
    "ingest.rejects.RejectRecorder": 400,
    "ingest.runs.CrawlRunRecorder": 500,
    # Last: the stats file (INGEST_STATS_FILE) holds what the handlers above count when the spider closes.
    "ingest.statsfile.StatsFileWriter": 1000,
}

# Incremental crawls: article requests for stored pages, and next pages of listings that hold nothing new, are held
# back, one batched database query per listing page (ingest/incremental.py). Closest to the spider (highest order),
# so the requests it holds back cost the other middlewares nothing.
SPIDER_MIDDLEWARES = {
    "ingest.incremental.IncrementalMiddleware": 950,
}

# --- vn-news-ingest settings ---------------------------------------------------------------------------------

# The database (SQLAlchemy URL). SQLite file by default; PostgreSQL for many workers.
INGEST_DB_URL = os.environ.get("INGEST_DB_URL", "sqlite:///data/news.db")

# Distributed mode (scrapy-redis) is on when this is set, e.g. redis://127.0.0.1:6379/0.
INGEST_REDIS_URL = os.environ.get("INGEST_REDIS_URL", "")
# The add-on reads it (also from `-s`) and switches on scrapy-redis: ingest/distributed.py.
ADDONS = {"ingest.distributed.DistributedMode": 0}
# In distributed mode, an idle worker waits this long for the others to queue more requests before it closes.
INGEST_REDIS_MAX_IDLE = float(os.environ.get("INGEST_REDIS_MAX_IDLE", "30"))

# The site registry.
INGEST_SITES_FILE = os.environ.get("INGEST_SITES_FILE", "")

# Items are written in batches of this many, one database session per batch.
INGEST_STORE_BATCH_SIZE = int(os.environ.get("INGEST_STORE_BATCH_SIZE", "50"))

# The dedup stage drops an item that repeats one of this many recent items (same URL, same content) unseen by the
# store; older repeats reach the store, which records them as unchanged. Bounded so a long crawl's memory stays flat.
INGEST_REPEAT_WINDOW = int(os.environ.get("INGEST_REPEAT_WINDOW", "4096"))

# Articles whose body is shorter than this (characters) are dropped as non-articles.
INGEST_MIN_BODY_CHARS = int(os.environ.get("INGEST_MIN_BODY_CHARS", "200"))

# Incremental crawls (stored articles not fetched again, paging stops at known pages); 0 crawls as if the database
# were empty (the store still deduplicates).
INGEST_INCREMENTAL = True

# Write the crawl's stats there as JSON when the spider closes (empty: no file).
INGEST_STATS_FILE = ""

# Stored articles are downloaded again only when older than this many hours (0 = never re-check).
INGEST_RECHECK_AFTER_HOURS = float(os.environ.get("INGEST_RECHECK_AFTER_HOURS", "0"))
# An article page kept as a reject this many times (never stored) is not requested again by incremental crawls;
# 0 requests it every run. `ingest reprocess --rejected` retries rejects from their stored HTML.
INGEST_REJECT_RETRIES = int(os.environ.get("INGEST_REJECT_RETRIES", "3"))

# Listing (and REST API) pages followed per start page when the spider gets no max_pages (0 = no cap): an endless
# "next page" chain must end by itself.
INGEST_MAX_LISTING_PAGES = int(os.environ.get("INGEST_MAX_LISTING_PAGES", "500"))

# Feed exports (`-O out.jsonl`) leave the raw page out; `-s INGEST_EXPORT_HTML=1` adds it as the text field `html`.
INGEST_EXPORT_HTML = False
