"""Crawl harness shared by the reliability tests and ``benchmarks/reliability.py``: run real ``scrapy crawl``
processes against fixture sites, read what they stored, and compare databases.

Everything is real: subprocesses running Scrapy's engine, the project's pipelines, SQLite files or a PostgreSQL
server, redis for distributed mode. Database comparisons use stable keys (canonical URLs), never row ids, since
ids depend on the order in which workers happened to store articles.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text

ROOT = Path(__file__).resolve().parents[2]

# Against our own loopback server: no politeness delays, no telnet console, quiet logs.
FAST: dict[str, str] = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "RETRY_TIMES": "2",
    "LOG_LEVEL": "INFO",
    "TELNETCONSOLE_ENABLED": "0",
}


def crawl_command(spider: str, db_url: str, *args: str, **settings: str) -> list[str]:
    """``python -m scrapy crawl SPIDER -a ARG... -s NAME=VALUE...`` with the fast settings and the database."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for arg in args:
        command += ["-a", arg]
    for key, value in {**FAST, "INGEST_DB_URL": db_url, **settings}.items():
        command += ["-s", f"{key}={value}"]
    return command


def crawl_env(**extra: str) -> dict[str, str]:
    """The environment of a crawl process: ours without any INGEST_* the developer has set, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    env.update(extra)
    return env


@dataclass
class Crawl:
    returncode: int
    stats: dict[str, Any]
    log: str


def run_crawl(
    spider: str, db_url: str, *args: str, stats_file: Path, timeout: float = 300, env: Mapping[str, str] | None = None,
    **settings: str,
) -> Crawl:  # fmt: skip
    """Run one crawl to the end; its exit code, its stats (from ``INGEST_STATS_FILE``) and its log."""
    stats_file.unlink(missing_ok=True)
    command = crawl_command(spider, db_url, *args, INGEST_STATS_FILE=str(stats_file), **settings)
    result = subprocess.run(
        command, cwd=ROOT, env=dict(env or crawl_env()), capture_output=True, text=True, timeout=timeout, check=False
    )
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    return Crawl(result.returncode, stats, result.stderr)


def start_crawl(spider: str, db_url: str, *args: str, log: Path, env: Mapping[str, str] | None = None,
                **settings: str) -> subprocess.Popen[bytes]:  # fmt: skip
    """Start a crawl in its own process group (so kill -9 takes all of it); output goes to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            crawl_command(spider, db_url, *args, **settings),
            cwd=ROOT,
            env=dict(env or crawl_env()),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill9(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the crawl's whole process group: no shutdown code runs, as when a machine dies."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(120)


# --- reading databases ----------------------------------------------------------------------------------------

# Every column that is the article's (not the crawl's: when and by which run it was fetched): two correct crawls of
# one site store the same values, whatever the order pages and discovery dates arrived in.
_ARTICLE_COLUMNS = (
    "url", "canonical_url", "site", "title", "lead", "body", "language", "published_at", "published_raw",
    "published_precision", "published_year_inferred", "part_of_day", "modified_at", "modified_raw", "byline_raw",
    "source_id", "category", "tags", "images", "content_hash", "fingerprint",
)  # fmt: skip
_TEXT_COLUMNS = ("title", "lead", "body")
_TIME_COLUMNS = ("published_at", "modified_at")


def _utc_text(value: Any) -> str | None:
    """A stored timestamp as ISO text in UTC, the same for SQLite (text) and PostgreSQL (datetime)."""
    if value is None:
        return None
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return str(when.isoformat())


def _digest(value: Any) -> str:
    return hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:16]


def _comparable(row: dict[str, Any], sources: dict[int, str], authors: list[str]) -> dict[str, Any]:
    """One article's columns in a form equal across SQLite and PostgreSQL (text digests, UTC times, JSON)."""
    out: dict[str, Any] = {"text": _digest([row[c] for c in _TEXT_COLUMNS])}
    for column in _ARTICLE_COLUMNS:
        value = row[column]
        if column in _TEXT_COLUMNS:
            continue
        if column in _TIME_COLUMNS:
            value = _utc_text(value)
        elif column == "source_id":
            column, value = "source", sources.get(value)
        elif column == "published_year_inferred":
            value = bool(value)
        elif isinstance(value, str) and column in ("category", "tags", "images"):
            value = json.loads(value)  # SQLite returns JSON columns as text through a plain SELECT
        out[column] = value
    out["authors"] = tuple(sorted(authors))
    return out


def snapshot(db_url: str) -> dict[str, Any]:
    """What a crawl stored, keyed by canonical URL: every article's content, its authors and its duplicate link
    (as an unordered pair of canonical URLs: which copy came first depends on timing, the relation does not)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            columns = ", ".join(_ARTICLE_COLUMNS)
            rows = [r._asdict() for r in conn.execute(text(f"SELECT id, {columns}, duplicate_of FROM articles"))]
            by_id = {r["id"]: r["canonical_url"] for r in rows}
            sources = dict(conn.execute(text("SELECT id, name FROM sources")).all())
            authors: dict[int, list[str]] = {}
            for article_id, name, role in conn.execute(
                text("SELECT x.article_id, a.name, x.role FROM article_authors x JOIN authors a ON a.id = x.author_id")
            ):
                authors.setdefault(article_id, []).append(f"{name}/{role}")
    finally:
        engine.dispose()
    articles = {r["canonical_url"]: _comparable(r, sources, authors.get(r["id"], [])) for r in rows}
    pairs = sorted(
        tuple(sorted((r["canonical_url"], by_id.get(r["duplicate_of"], f"missing:{r['duplicate_of']}"))))
        for r in rows
        if r["duplicate_of"] is not None
    )
    return {"articles": articles, "duplicate_pairs": pairs, "count": len(rows)}


def integrity_problems(db_url: str) -> list[str]:
    """Half-written data: rows missing what every stored article has, dangling links, partial fingerprints."""
    engine = create_engine(db_url)
    problems: list[str] = []
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as conn:

            def count(sql: str) -> int:
                return int(conn.execute(text(sql)).scalar() or 0)

            checks = {
                "articles without title/body/hash/fingerprint/html": "SELECT count(*) FROM articles WHERE title IS "
                "NULL OR body IS NULL OR content_hash IS NULL OR fingerprint IS NULL OR html_zlib IS NULL",
                "duplicate canonical URLs": "SELECT count(*) - count(DISTINCT canonical_url) FROM articles",
                "duplicate content hashes": "SELECT count(*) - count(DISTINCT content_hash) FROM articles",
                "dangling duplicate_of": "SELECT count(*) FROM articles a WHERE duplicate_of IS NOT NULL AND NOT "
                "EXISTS (SELECT 1 FROM articles b WHERE b.id = a.duplicate_of)",
                "dangling author links": "SELECT count(*) FROM article_authors x WHERE NOT EXISTS "
                "(SELECT 1 FROM articles a WHERE a.id = x.article_id)",
                "dangling aliases": "SELECT count(*) FROM url_aliases x WHERE NOT EXISTS "
                "(SELECT 1 FROM articles a WHERE a.id = x.article_id)",
                "articles without fingerprint bands": "SELECT count(*) FROM articles a WHERE NOT EXISTS "
                "(SELECT 1 FROM fingerprint_bands f WHERE f.article_id = a.id)",
                "articles with a partial set of bands": "SELECT count(*) FROM (SELECT article_id, count(*) AS n FROM "
                "fingerprint_bands GROUP BY article_id) b WHERE b.n <> (SELECT max(n) FROM (SELECT count(*) AS n "
                "FROM fingerprint_bands GROUP BY article_id) m)",
            }
            for label, sql in checks.items():
                n = count(sql)
                if n:
                    problems.append(f"{label}: {n}")
            if "articles_fts" in tables:
                fts, articles = count("SELECT count(*) FROM articles_fts"), count("SELECT count(*) FROM articles")
                if fts != articles:
                    problems.append(f"full-text index has {fts} rows for {articles} articles")
    finally:
        engine.dispose()
    return problems


def diff(expected: Mapping[str, Any], actual: Mapping[str, Any], limit: int = 5) -> list[str]:
    """A short, readable difference between two snapshots (empty when equal)."""
    out: list[str] = []
    exp, act = expected["articles"], actual["articles"]
    missing, extra = sorted(set(exp) - set(act)), sorted(set(act) - set(exp))
    if missing:
        out.append(f"{len(missing)} missing, e.g. {missing[:limit]}")
    if extra:
        out.append(f"{len(extra)} unexpected, e.g. {extra[:limit]}")
    changed = sorted(k for k in set(exp) & set(act) if exp[k] != act[k])
    if changed:
        fields = sorted({f for k in changed for f in exp[k] if exp[k][f] != act[k].get(f)})
        examples = [{f: (exp[k][f], act[k].get(f)) for f in fields if exp[k][f] != act[k].get(f)} for k in changed[:2]]
        out.append(f"{len(changed)} differ in {fields}, e.g. {list(zip(changed[:2], examples, strict=False))}")
    out += lost_duplicate_links(expected["duplicate_pairs"], actual["duplicate_pairs"], limit)
    if expected["count"] != actual["count"]:
        out.append(f"row count {expected['count']} vs {actual['count']}")
    return out


def lost_duplicate_links(
    expected: Sequence[Sequence[str]], actual: Sequence[Sequence[str]], limit: int = 5
) -> list[str]:
    """Near-duplicate pairs one database links and the other leaves as two unrelated originals.

    Which copy of a near-duplicate cluster is the original depends on the order articles were stored (the first one
    wins, and the relation is not transitive), so the exact pairs may differ between two correct crawls. What may
    not happen is that both articles of a pair end up with no duplicate link at all: that is a lost link (two
    workers deciding "no earlier copy" at the same moment).
    """
    out = []
    for name, these, other in (("expected", expected, actual), ("unexpected", actual, expected)):
        linked = {url for pair in other for url in pair}
        lost = [tuple(pair) for pair in these if not set(pair) & linked]
        if lost:
            out.append(f"{len(lost)} {name} near-duplicate pair(s) unlinked on the other side, e.g. {lost[:limit]}")
    return out
