"""Near-duplicate index: the ``fingerprint_bands`` rows of a stored SimHash and the banded lookup over them.

The store (``ingest.db.store``) calls :func:`band_rows` / :func:`delete_bands` when it writes an article and
:func:`find_near_duplicate` before it inserts one; how fingerprints are cut into bands is ``ingest.dedup``'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select
from sqlalchemy.orm import Session

from ingest.db.models import Article, FingerprintBand
from ingest.dedup import BANDS, NEAR_DISTANCE, bands, hamming, to_unsigned


def band_rows(article_id: int, fp: int) -> list[dict[str, Any]]:
    """The ``fingerprint_bands`` rows of article ``article_id`` with unsigned fingerprint ``fp``."""
    return [{"article_id": article_id, "band": b, "value": v} for b, v in bands(fp)]


def delete_bands(session: Session, article_ids: Iterable[int]) -> None:
    """Remove the band rows of these articles (before their fingerprint changes)."""
    ids = list(article_ids)
    if ids:
        session.execute(delete(FingerprintBand).where(FingerprintBand.article_id.in_(ids)))


# One statement for every lookup (compiled once): band k is always the k-th key, its value a parameter. SQLite turns
# the OR of (band, value) pairs into one index probe each; a row-value IN list would scan the table.
NEAR_CANDIDATES = (
    select(Article.id, Article.fingerprint, Article.duplicate_of)
    .join(FingerprintBand, FingerprintBand.article_id == Article.id)
    .where(or_(*(and_(FingerprintBand.band == k, FingerprintBand.value == bindparam(f"v{k}")) for k in range(BANDS))))
    .distinct()
)


def find_near_duplicate(session: Session, fp: int, *, exclude: int | None = None) -> int | None:
    """Id of the earliest original whose fingerprint is within ``NEAR_DISTANCE`` bits of ``fp`` (index lookup)."""
    candidates = session.execute(NEAR_CANDIDATES, {f"v{k}": v for k, v in bands(fp)}).all()
    roots = {
        dup_of or art_id
        for art_id, art_fp, dup_of in candidates
        if art_fp is not None and art_id != exclude and hamming(to_unsigned(art_fp), fp) <= NEAR_DISTANCE
    }
    if not roots:
        return None
    # The earliest copy: earliest publication date when known, else the first one stored.
    rows = session.execute(select(Article.id, Article.published_at).where(Article.id.in_(roots))).all()
    far_future = datetime.max.replace(tzinfo=UTC)
    return int(min(rows, key=lambda r: (r.published_at or far_future, r.id)).id)
