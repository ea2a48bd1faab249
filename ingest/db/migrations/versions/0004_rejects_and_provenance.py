"""Rejected pages, run flags, inferred years and the raw strings of merged copies.

* ``rejected_pages``: a page fetched as an article that could not be stored is kept with its raw HTML, URL, reason
  and fetch time (``ingest rejects``, ``ingest reprocess --rejected``), so nothing fetched disappears silently.
* ``crawl_runs.items_rejected`` and ``crawl_runs.flags``: a run counts its rejects, and records what it had to work
  around (generic link detection standing in for a stale registry entry).
* ``articles.published_year_inferred``: the year of the publication date was inferred, not printed.
* ``article_versions.url``, ``published_raw``, ``byline_raw``, ``reason``: a version keeps the raw strings of the copy
  it records, and says whether newer content replaced it or a duplicate copy was merged into the article.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ingest.db.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rejected_pages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False, unique=True),
        sa.Column("site", sa.String(100)),
        sa.Column("reason", sa.String(50), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("fetched_at", UTCDateTime()),
        sa.Column("http_status", sa.SmallInteger()),
        sa.Column("html_encoding", sa.String(40)),
        sa.Column("html_zlib", sa.LargeBinary()),
        sa.Column("crawl_run_id", sa.Integer(), sa.ForeignKey("crawl_runs.id")),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("resolved_at", UTCDateTime()),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="SET NULL")),
    )
    op.create_index("ix_rejected_pages_site_reason", "rejected_pages", ["site", "reason"])
    # Plain ADD/DROP COLUMN (SQLite >= 3.35 has both): a batch "move and copy" would drop the FTS triggers.
    op.add_column("crawl_runs", sa.Column("items_rejected", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("crawl_runs", sa.Column("flags", sa.JSON()))
    op.add_column(
        "articles", sa.Column("published_year_inferred", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("article_versions", sa.Column("url", sa.Text()))
    op.add_column("article_versions", sa.Column("published_raw", sa.Text()))
    op.add_column("article_versions", sa.Column("byline_raw", sa.Text()))
    op.add_column(
        "article_versions", sa.Column("reason", sa.String(30), nullable=False, server_default="content_changed")
    )


def downgrade() -> None:
    for name in ("reason", "byline_raw", "published_raw", "url"):
        op.drop_column("article_versions", name)
    op.drop_column("articles", "published_year_inferred")
    op.drop_column("crawl_runs", "flags")
    op.drop_column("crawl_runs", "items_rejected")
    op.drop_index("ix_rejected_pages_site_reason", table_name="rejected_pages")
    op.drop_table("rejected_pages")
