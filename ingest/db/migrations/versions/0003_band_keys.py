"""Near-duplicate index: one-permutation MinHash fingerprints and 15 band keys per article, fingerprint in the index.

Revision 0002 stored a 64-bit SimHash per article and 28 ``fingerprint_bands`` rows of (band, 16-bit value),
searched through an index on (band, value) and checked against ``articles``. This revision recomputes every
article's fingerprint with ``ingest.dedup.fingerprint`` (the 1-bit MinHash, from the stored title and body) and
rebuilds ``fingerprint_bands`` as (article_id, band_key, fingerprint) rows, ``ingest.dedup.band_keys``, indexed on
(band_key, fingerprint, article_id); on SQLite the table is WITHOUT ROWID. The downgrade puts back the SimHash and
the old rows, with the 0002 algorithm frozen below (the live ``ingest.dedup`` no longer has it).

A later change of the fingerprint comes with its own migration that recomputes again: this one uses the fingerprint
of the code that runs it, as the store does.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 07:00:00
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Articles read, fingerprinted and written back per round trip (bodies are large: bounded memory).
CHUNK = 2_000
_MASK = (1 << 64) - 1


def _signed(fp: int) -> int:
    fp &= _MASK
    return fp - (1 << 64) if fp >> 63 else fp


def _articles(conn: sa.Connection) -> Iterator[list[sa.Row[Any]]]:
    """Every article's (id, title, body), in id order, a chunk at a time."""
    last = 0
    query = sa.text("SELECT id, title, body FROM articles WHERE id > :last ORDER BY id LIMIT :n")
    while True:
        rows = list(conn.execute(query, {"last": last, "n": CHUNK}))
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _refingerprint(
    conn: sa.Connection,
    fingerprint: Callable[[str | None, str | None], int | None],
    rows_of: Callable[[int, int], list[dict[str, Any]]],
    insert: sa.TextClause,
) -> None:
    """Set every article's fingerprint with ``fingerprint`` and insert its band rows (``rows_of(id, fp)``)."""
    update = sa.text("UPDATE articles SET fingerprint = :fp WHERE id = :id")
    for chunk in _articles(conn):
        fps = [(row.id, fingerprint(row.title, row.body)) for row in chunk]
        conn.execute(update, [{"id": art_id, "fp": None if fp is None else _signed(fp)} for art_id, fp in fps])
        bands = [band for art_id, fp in fps if fp is not None for band in rows_of(art_id, fp)]
        if bands:
            conn.execute(insert, bands)


def upgrade() -> None:
    from ingest.dedup import band_keys, fingerprint

    op.drop_index("ix_fingerprint_bands_band_value", table_name="fingerprint_bands")
    op.drop_table("fingerprint_bands")
    op.create_table(
        "fingerprint_bands",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("band_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "band_key"),
        sqlite_with_rowid=False,
    )

    def rows_of(art_id: int, fp: int) -> list[dict[str, Any]]:
        return [{"a": art_id, "k": key, "f": _signed(fp)} for key in band_keys(fp)]

    insert = sa.text("INSERT INTO fingerprint_bands (article_id, band_key, fingerprint) VALUES (:a, :k, :f)")
    _refingerprint(op.get_bind(), fingerprint, rows_of, insert)
    # After the load: one sorted build instead of an index grown row by row.
    op.create_index("ix_fingerprint_bands_key", "fingerprint_bands", ["band_key", "fingerprint", "article_id"])


def downgrade() -> None:
    op.drop_index("ix_fingerprint_bands_key", table_name="fingerprint_bands")
    op.drop_table("fingerprint_bands")
    op.create_table(
        "fingerprint_bands",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "band"),
    )
    insert = sa.text("INSERT INTO fingerprint_bands (article_id, band, value) VALUES (:a, :b, :v)")
    _refingerprint(op.get_bind(), simhash_0002, _bands_0002, insert)
    op.create_index("ix_fingerprint_bands_band_value", "fingerprint_bands", ["band", "value"])


# --- Revision 0002's fingerprint and bands, frozen for the downgrade ---------------------------------------------
# A SimHash over word bigrams of the folded content text; 8 blocks of 8 bits, each pair of blocks one band.

_WORD = re.compile(r"\w+")
_PAIRS = tuple((i, j) for i in range(8) for j in range(i + 1, 8))


def simhash_0002(title: str | None, body: str | None) -> int | None:
    from ingest.dedup import content_text
    from ingest.normalize import search_key

    text = content_text(title, body)
    if len(_WORD.findall(text)) < 40:
        return None
    words = _WORD.findall(search_key(text))
    shingles = [" ".join(words[i : i + 2]) for i in range(len(words) - 1)] if len(words) > 1 else words
    # Per-bit votes counted column-wise over the shingle hashes written as bit strings, as revision 0002 did.
    rows = [
        format(int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big"), "064b")
        for s in shingles
    ]
    half = len(rows) / 2
    return int("".join("1" if column.count("1") > half else "0" for column in map("".join, zip(*rows, strict=True))), 2)


def _bands_0002(art_id: int, fp: int) -> list[dict[str, Any]]:
    blocks = [(fp >> (i * 8)) & 0xFF for i in range(8)]
    return [{"a": art_id, "b": k, "v": blocks[i] << 8 | blocks[j]} for k, (i, j) in enumerate(_PAIRS)]
