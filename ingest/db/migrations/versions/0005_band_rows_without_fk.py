"""Band rows without a foreign key: an ``AFTER DELETE`` trigger on ``articles`` removes them instead.

``fingerprint_bands`` holds 15 rows per fingerprinted article. Its foreign key to ``articles`` checked each of them
on insert, on PostgreSQL by a ``SELECT .. FOR KEY SHARE`` of the article row (an index probe plus a row lock, 15
times per article), about half of what writing the band rows cost (measured: ``docs/storage.md``). Only the store
writes band rows, and only for articles its own transaction inserted or updated, so the check never found anything
wrong; what the key still gave is the cascade, which the trigger ``articles_bands_ad`` keeps: deleting an article
deletes its band rows, on both databases. The rows and the indexes are unchanged (nothing to backfill); on SQLite
the table is rebuilt to drop the key (SQLite cannot drop a constraint in place). The downgrade puts the key back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PG_FUNCTION = (
    "CREATE FUNCTION articles_bands_ad() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN DELETE FROM fingerprint_bands WHERE article_id = OLD.id; RETURN NULL; END $$"
)
_PG_TRIGGER = (
    "CREATE TRIGGER articles_bands_ad AFTER DELETE ON articles FOR EACH ROW EXECUTE FUNCTION articles_bands_ad()"
)
_SQLITE_TRIGGER = (
    "CREATE TRIGGER articles_bands_ad AFTER DELETE ON articles BEGIN "
    "DELETE FROM fingerprint_bands WHERE article_id = old.id; END"
)


def _pg_foreign_keys(bind: sa.Connection) -> list[str]:
    """Names of the foreign keys of ``fingerprint_bands`` (PostgreSQL named the one of 0003 itself)."""
    return [fk["name"] for fk in sa.inspect(bind).get_foreign_keys("fingerprint_bands") if fk["name"]]


def _sqlite_rebuild(*, foreign_key: bool) -> None:
    """SQLite: copy ``fingerprint_bands`` into a new table of the same shape, with or without the foreign key."""
    columns = [
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("band_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.BigInteger(), nullable=False),
    ]
    constraints: list[sa.Constraint] = [sa.PrimaryKeyConstraint("article_id", "band_key")]
    if foreign_key:
        constraints.append(sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"))
    op.create_table("fingerprint_bands_new", *columns, *constraints, sqlite_with_rowid=False)
    op.execute(
        "INSERT INTO fingerprint_bands_new (article_id, band_key, fingerprint) "
        "SELECT article_id, band_key, fingerprint FROM fingerprint_bands"
    )
    op.drop_index("ix_fingerprint_bands_key", table_name="fingerprint_bands")
    op.drop_table("fingerprint_bands")
    op.rename_table("fingerprint_bands_new", "fingerprint_bands")
    op.create_index("ix_fingerprint_bands_key", "fingerprint_bands", ["band_key", "fingerprint", "article_id"])


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name in _pg_foreign_keys(bind):
            op.drop_constraint(name, "fingerprint_bands", type_="foreignkey")
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        _sqlite_rebuild(foreign_key=False)
        op.execute(_SQLITE_TRIGGER)


def downgrade() -> None:
    bind = op.get_bind()
    # Rows of articles deleted some other way than through ``articles`` (none the code makes) would fail the key.
    op.execute("DELETE FROM fingerprint_bands WHERE article_id NOT IN (SELECT id FROM articles)")
    op.execute("DROP TRIGGER articles_bands_ad" + (" ON articles" if bind.dialect.name == "postgresql" else ""))
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION articles_bands_ad()")
        op.create_foreign_key(
            "fingerprint_bands_article_id_fkey",
            "fingerprint_bands",
            "articles",
            ["article_id"],
            ["id"],
            ondelete="CASCADE",
        )
    else:
        _sqlite_rebuild(foreign_key=True)
