"""Log lines a person can read: how a crawl logs its items (``LOG_FORMATTER``).

Scrapy's own formatter logs the whole item after "Dropped:" and "Scraped from", and our items carry the raw page:
about 100 KB of log per drop, most of it HTML. Here a dropped item is one line, its reason, URL and site (the
pipeline's ``DropItem`` message names the reason first, e.g. ``short_body: URL``); a scraped item is one DEBUG line
of its fields with the page, the search key and the hashes left out and every long value cut; an item whose
pipeline raised is named by its URL (the traceback follows as usual). No line carries a newline of the item's.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure

# What a scraped line never shows: the page itself and what the pipelines derive from the text for the database.
HIDDEN_FIELDS = frozenset({"html", "search_text", "content_hash", "fingerprint", "url", "site"})
VALUE_CHARS = 120  # a value longer than this is cut, with its length said
LINE_CHARS = 1500  # a scraped item's fields are cut here, so a line stays well under 2,000 characters
DETAIL_CHARS = 300  # what a drop message says after its reason
URL_CHARS = 500  # a hostile site's URL can run to kilobytes (the validate stage drops it as url_too_long)

# A reason is a snake_case word before a colon or a parenthesis ("short_body: URL", "legacy_font (vni): URL").
_REASON = re.compile(r"([a-z][a-z0-9_]*)(?=\s*[:(])")
_DANGLING = re.compile(r"\s+(?:on|at|for|from)$")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cut(text: str, limit: int, length: int | None = None) -> str:
    """``text`` up to ``limit`` characters; a cut one says how long it was (``length``: before it was reflowed)."""
    return text if len(text) <= limit else f"{text[:limit]}… ({length or len(text):,} chars)"


def _shown(value: Any) -> str:
    """One value, on one line and short."""
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value):,} bytes>"
    if isinstance(value, datetime):
        return value.isoformat()
    nested = isinstance(value, (list, tuple, dict))
    text = json.dumps(value, ensure_ascii=False, default=str) if nested else str(value)
    return _cut(_one_line(text), VALUE_CHARS, len(text))


def _url_and_site(item: Any, spider: Spider) -> tuple[str, str]:
    try:
        adapter = ItemAdapter(item)
    except TypeError:  # not an item type itemadapter knows: nothing to read from it
        return "?", spider.name
    url, site = adapter.get("url"), adapter.get("site")
    return (_cut(str(url), URL_CHARS) if url else "?"), (str(site) if site else spider.name)


def item_summary(item: Any) -> str:
    """The item's filled fields as ``name=value`` pairs, one line, without the page and with long values cut."""
    try:
        pairs = ItemAdapter(item).items()
    except TypeError:
        return _cut(_one_line(repr(item)), LINE_CHARS)
    shown = [f"{name}={_shown(v)}" for name, v in pairs if name not in HIDDEN_FIELDS and v not in (None, "", [], {})]
    return _cut(", ".join(shown), LINE_CHARS)


class _Summary:
    """``item_summary(item)``, computed only when the line is written: Scrapy asks for a scraped line for every item,
    and at INFO (the default) it is never written."""

    __slots__ = ("item",)

    def __init__(self, item: Any) -> None:
        self.item = item

    def __str__(self) -> str:
        return item_summary(self.item)


def drop_reason(message: str, url: str) -> tuple[str | None, str]:
    """The reason a ``DropItem`` message starts with (``short_body: URL`` -> ``short_body``), or None, and what the
    message says beside it and the URL, on one line and short."""
    match = _REASON.match(message)
    reason = match.group(1) if match else None
    rest = message[match.end() :] if match else message
    if url and url != "?":
        rest = rest.replace(url, " ")
    rest = _DANGLING.sub("", _one_line(rest).strip(" :;,-")).strip(" :;,-")
    if rest.startswith("(") and rest.endswith(")") and rest.count("(") == 1:  # "legacy_font (vni): URL"
        rest = rest[1:-1]
    return reason, _cut(rest, DETAIL_CHARS)


class ReadableLogFormatter(LogFormatter):
    """``LOG_FORMATTER``: drops as one line (reason, URL, site), scraped items without the page, never a whole item."""

    def crawled(self, request: Request, response: Response, spider: Spider) -> LogFormatterResult:
        result = super().crawled(request, response, spider)
        args = result["args"]
        if isinstance(args, dict):  # Scrapy's own line, with an over-long URL (request or referer) cut
            for key in ("request", "referer"):
                args[key] = _cut(str(args[key]), URL_CHARS)
        return result

    def dropped(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        level: Any = getattr(exception, "log_level", None)
        if level is None:
            level = spider.crawler.settings["DEFAULT_DROPITEM_LOG_LEVEL"]
        if isinstance(level, str):
            level = getattr(logging, level.upper(), logging.WARNING)
        url, site = _url_and_site(item, spider)
        reason, detail = drop_reason(str(exception), url)
        return {
            "level": level,
            "msg": "Dropped %(reason)s: %(url)s (site %(site)s)%(detail)s",
            "args": {
                "reason": reason or type(exception).__name__,
                "url": url,
                "site": site,
                "detail": f": {detail}" if detail else "",
            },
        }

    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> LogFormatterResult:
        url, site = _url_and_site(item, spider)
        return {
            "level": logging.DEBUG,
            "msg": "Scraped %(url)s (site %(site)s): %(fields)s",
            "args": {"url": url, "site": site, "fields": _Summary(item)},
        }

    def item_error(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        url, site = _url_and_site(item, spider)
        return {
            "level": logging.ERROR,
            "msg": "Error processing %(url)s (site %(site)s)",
            "args": {"url": url, "site": site},
        }
