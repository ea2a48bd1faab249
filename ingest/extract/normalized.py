"""The one path from an article's raw fields to its normalised fields, with the site's profile.

The crawl's normalize stage (``pipelines.normalize``), ``ingest extract`` and ``ingest reprocess`` all call
:func:`normalize_extracted`, so the same page with the same profile gives the same fields in all three. It is
``ingest.normalize.normalize_article`` with the site's profile passed one way (``month_first`` for numeric dates,
``strip_www`` for canonical URLs; the selectors already acted in ``extract_article``), followed by the choice
between the page's own date and the date discovery listed beside its URL (``listed_published``: a feed's pubDate,
the REST API's date, a news sitemap's publication date) by the fixed rule of ``ingest.normalize.choice``: the most
precise reading that agrees on the day. The rule runs here, where the two readings are known apart; the store
applies the same rule to listed dates that reach an article after it was stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ingest.extract.article import SiteProfile
from ingest.normalize import normalize_article
from ingest.normalize.choice import DateReading, combine_published, date_fields, listed_reading

__all__ = ["normalize_extracted"]


def normalize_extracted(
    raw: Mapping[str, Any], *, reference: datetime | None, site: SiteProfile | None = None
) -> dict[str, Any]:
    """Normalise one article's raw fields (``ingest.items.ArticleItem`` names) with ``site``'s profile.

    Returns the fields of ``normalize_article`` plus ``published_raw`` (the raw string of the chosen date: the
    page's, or the listed date's ISO form when that one won), ``published_year_inferred`` and ``published_from``
    (``"page"``, ``"listed"`` or None: where the chosen date came from). Never raises (``normalize_article``
    never does).
    """
    fields = normalize_article(
        raw,
        reference=reference,
        month_first=site.month_first if site is not None else False,
        strip_www=site.strip_www if site is not None else True,
    )
    published = fields.get("published")
    own = None
    if isinstance(published, datetime):
        own = DateReading(
            published,
            fields.get("published_precision") or "day",
            bool(fields.get("published_year_inferred")),
            fields.get("part_of_day"),
            raw.get("published_raw") if isinstance(raw.get("published_raw"), str) else None,
        )
    listed = listed_reading(raw.get("listed_published"))
    chosen = combine_published(own, listed)
    fields.update(date_fields(chosen))
    if chosen is None:
        # No date was read: the raw string (if any) is kept beside the null date, never dropped.
        fields["published_raw"] = raw.get("published_raw") if isinstance(raw.get("published_raw"), str) else None
    from_page = own is not None and chosen is not None and (chosen.value, chosen.raw) == (own.value, own.raw)
    fields["published_from"] = None if chosen is None else "page" if from_page else "listed"
    return fields
