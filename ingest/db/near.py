"""Near-duplicate index: the ``fingerprint_bands`` rows of a stored fingerprint and the banded lookup over them.

The store (``ingest.db.store``) calls :func:`band_rows` / :func:`delete_bands` when it writes an article and
:func:`find_near_duplicate` before it inserts one; how fingerprints are cut into band keys is ``ingest.dedup``'s.

Each fingerprinted article has ``BANDS`` rows (band key, fingerprint). A lookup is one index search for the probe's
``BANDS`` keys; the index holds the fingerprint next to the key, so candidates are checked without reading
``articles``, whose rows are wide (bodies, compressed HTML). Keys of about 21 bits leave some 15 / 2**21 of the
stored fingerprints as unrelated candidates (7 in a million), so the cost stays flat as the table grows. Only a
real match (within ``NEAR_DISTANCE`` bits) reads ``articles``, for its original and publication date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, delete, func, select
from sqlalchemy.orm import Session, aliased

from ingest.db.models import Article, FingerprintBand
from ingest.dedup import BANDS, NEAR_DISTANCE, band_keys, hamming, to_signed


def band_rows(article_id: int, fp: int) -> list[dict[str, Any]]:
    """The ``fingerprint_bands`` rows of article ``article_id`` with unsigned fingerprint ``fp``."""
    signed = to_signed(fp)
    return [{"article_id": article_id, "band_key": key, "fingerprint": signed} for key in band_keys(fp)]


def delete_bands(session: Session, article_ids: Iterable[int]) -> None:
    """Remove the band rows of these articles (before their fingerprint changes)."""
    ids = list(article_ids)
    if ids:
        session.execute(delete(FingerprintBand).where(FingerprintBand.article_id.in_(ids)))


# One statement for every lookup (compiled once): the probe's keys as BANDS parameters k0..k14. Both SQLite and
# PostgreSQL answer the IN list with one seek per key in ix_fingerprint_bands_key, reading only the index.
NEAR_CANDIDATES = select(FingerprintBand.article_id, FingerprintBand.fingerprint).where(
    FingerprintBand.band_key.in_([bindparam(f"k{k}", type_=BigInteger) for k in range(BANDS)])
)


def near_params(fp: int) -> dict[str, int]:
    """The parameters of :data:`NEAR_CANDIDATES` for unsigned fingerprint ``fp``."""
    return {f"k{k}": key for k, key in enumerate(band_keys(fp))}


def near_matches(session: Session, fp: int, *, exclude: int | None = None) -> set[int]:
    """Ids of the stored articles whose fingerprint is within ``NEAR_DISTANCE`` bits of ``fp`` (index only)."""
    return {
        art_id
        for art_id, art_fp in session.execute(NEAR_CANDIDATES, near_params(fp))
        if art_id != exclude and hamming(art_fp, fp) <= NEAR_DISTANCE
    }


# The originals of a set of matches (a match that is itself a copy stands for its original), with their dates.
_ROOT = aliased(Article)
_ROOTS = (
    select(_ROOT.id, _ROOT.published_at)
    .join(Article, _ROOT.id == func.coalesce(Article.duplicate_of, Article.id))
    .where(Article.id.in_(bindparam("ids", expanding=True)))
)


def find_near_duplicate(session: Session, fp: int, *, exclude: int | None = None) -> int | None:
    """Id of the earliest original whose fingerprint is within ``NEAR_DISTANCE`` bits of ``fp`` (index lookup)."""
    matches = near_matches(session, fp, exclude=exclude)
    if not matches:
        return None
    rows = session.execute(_ROOTS, {"ids": sorted(matches)}).all()
    # The earliest copy: earliest publication date when known, else the first one stored.
    far_future = datetime.max.replace(tzinfo=UTC)
    return int(min(rows, key=lambda r: (r.published_at or far_future, r.id)).id)
