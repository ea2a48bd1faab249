"""Indexes for queries over millions of articles: newest-first search and ``ingest stats`` read indexes only.

``ix_articles_published_dup_site`` (published_at, duplicate_of, site): walked newest-first by a limited search
(``ingest.db.search.newest_match_ids``); it holds what the filters test, so a candidate costs no table row.
``ix_articles_site_published_dup`` (site, published_at, duplicate_of) replaces ``ix_articles_site_published``
(its prefix): ``ingest stats`` counts articles, near-duplicates and dated articles per site from it alone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 07:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_published_dup_site", "articles", ["published_at", "duplicate_of", "site"])
    op.create_index("ix_articles_site_published_dup", "articles", ["site", "published_at", "duplicate_of"])
    op.drop_index("ix_articles_site_published", table_name="articles")


def downgrade() -> None:
    op.create_index("ix_articles_site_published", "articles", ["site", "published_at"])
    op.drop_index("ix_articles_site_published_dup", table_name="articles")
    op.drop_index("ix_articles_published_dup_site", table_name="articles")
