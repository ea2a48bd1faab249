"""Near-duplicate index: the ``fingerprint_bands`` rows of a stored fingerprint and the banded lookup over them.

The store (``ingest.db.store``) writes :func:`band_rows` with an article and reads the band index for a whole
batch at once (``ingest.db.store.snapshot``); :func:`find_near_duplicate` answers one fingerprint. How fingerprints
are cut into band keys is ``ingest.dedup``'s.

Each fingerprinted article has ``BANDS`` rows (band key, fingerprint). A lookup is one index search for the probe's
``BANDS`` keys; the index holds the fingerprint next to the key, so candidates are checked without reading
``articles``, whose rows are wide (bodies, compressed HTML). Keys of about 21 bits leave some 15 / 2**21 of the
stored fingerprints as unrelated candidates (7 in a million), so the cost stays flat as the table grows. Only a
real match (within ``NEAR_DISTANCE`` bits) reads ``articles``, for its original and publication date.
:func:`find_near_duplicates` answers many fingerprints with a few statements (for batch writers).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, delete, func, select
from sqlalchemy.orm import Session, aliased

from ingest.db.models import Article, FingerprintBand
from ingest.dedup import BANDS, NEAR_DISTANCE, band_keys, cached_band_keys, hamming, to_signed


def band_rows(article_id: int, fp: int) -> list[dict[str, Any]]:
    """The ``fingerprint_bands`` rows of article ``article_id`` with unsigned fingerprint ``fp``."""
    signed = to_signed(fp)
    return [{"article_id": article_id, "band_key": key, "fingerprint": signed} for key in cached_band_keys(fp)]


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


_ROOT = aliased(Article)
# Each match with its original (a match that is itself a copy stands for its original) and the original's date.
_ROOTS = (
    select(Article.id.label("match"), _ROOT.id, _ROOT.published_at)
    .join(_ROOT, _ROOT.id == func.coalesce(Article.duplicate_of, Article.id))
    .where(Article.id.in_(bindparam("ids", expanding=True)))
)
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def _earliest(rows: Iterable[Any]) -> int:
    """The earliest original: earliest publication date when known, else the first one stored."""
    return int(min(rows, key=lambda r: (r.published_at or _FAR_FUTURE, r.id)).id)


def find_near_duplicate(session: Session, fp: int, *, exclude: int | None = None) -> int | None:
    """Id of the earliest original whose fingerprint is within ``NEAR_DISTANCE`` bits of ``fp`` (index lookup)."""
    matches = near_matches(session, fp, exclude=exclude)
    if not matches:
        return None
    return _earliest(session.execute(_ROOTS, {"ids": sorted(matches)}))


# The batch form: every probe's keys in one expanding IN list, each row tagged with the key that found it.
_NEAR_CANDIDATES_MANY = select(FingerprintBand.band_key, FingerprintBand.article_id, FingerprintBand.fingerprint).where(
    FingerprintBand.band_key.in_(bindparam("keys", expanding=True))
)
# Probes per statement: BANDS parameters each, well under SQLite's 32,766 bound variables.
BATCH = 1_000


def find_near_duplicates(session: Session, fps: Sequence[int]) -> list[int | None]:
    """:func:`find_near_duplicate` for many fingerprints at once (a few statements instead of one or two each).

    Each answer is what :func:`find_near_duplicate` returns for that fingerprint against the stored articles; the
    fingerprints are not compared with each other (a batch's own near duplicates are the caller's to find, e.g.
    with ``ingest.dedup.band_keys`` in memory).
    """
    matches: list[set[int]] = [set() for _ in fps]
    for lo in range(0, len(fps), BATCH):
        probes: dict[int, list[int]] = {}
        for n in range(lo, min(lo + BATCH, len(fps))):
            for key in band_keys(fps[n]):
                probes.setdefault(key, []).append(n)
        for key, art_id, art_fp in session.execute(_NEAR_CANDIDATES_MANY, {"keys": sorted(probes)}):
            for n in probes[key]:
                if hamming(art_fp, fps[n]) <= NEAR_DISTANCE:
                    matches[n].add(art_id)
    matched = sorted(set().union(*matches))
    roots: dict[int, list[Any]] = {}
    for lo in range(0, len(matched), BATCH * BANDS):
        for row in session.execute(_ROOTS, {"ids": matched[lo : lo + BATCH * BANDS]}):
            roots.setdefault(row.match, []).append(row)
    return [_earliest(r for m in found for r in roots[m]) if found else None for found in matches]
