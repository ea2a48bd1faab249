"""The store's decisions as a pure function: :func:`decide` takes a batch's records and a :class:`Snapshot` of the
stored articles they can meet, and returns a :class:`Plan` of what to write (no database; ``apply`` writes it).

For each record, in order (an earlier record of the batch is seen by the later ones as if stored):

1. **Canonical URL** known: the fetched URL becomes an alias (``fetched_url``) when it differs, the row is seen
   again (``last_seen_at``), a copy with the same content hash is merged into it and its URL is the best-ranked
   one seen (outcome ``unchanged``); changed content replaces the row's, the old content kept as a version
   (``content_changed``; outcome ``updated``).
2. **An URL already known as an alias**: the article it leads to is seen again and, same hash, merged into
   (``unchanged``).
3. **Exact content hash** of a stored article (the first stored, lowest id): the record's URLs become aliases of it
   (``duplicate_exact``) and it is merged into it (``duplicate_exact``).
4. Otherwise a **new article**, with ``duplicate_of`` = the earliest original (earliest publication date, then
   first stored) of the articles whose fingerprint is within ``ingest.dedup.NEAR_DISTANCE`` bits
   (``duplicate_near``; ``stored`` when there is none); its fetched URL an alias when it is not the canonical one.

**Merging copies by quality.** A copy of an article (cases 1 to 3 with the same content hash) gives the row
whatever it holds better, by the fixed rules of ``ingest.normalize.choice.merge_copy``, and a copy of the same site
under a better-ranked canonical URL (``ingest.normalize.url_rank``) gives it its identity (the old URLs become
aliases); the row before is kept as a version (``merged``, without the body: the hash says it is the row's). A copy
on another site never takes the identity: the article stays with the site that stored it first.

The plan holds final values: a row changed twice in one batch is updated once, with a version for each change, as
the changes happened. ``decide`` updates the snapshot as it goes (it is the batch's working state, read anew for
every batch). A decision that needs a stored column the snapshot did not read (the body, for a content change's
version or for the search key after a merge changed the lead) raises :class:`NeedsRead`; the caller reads those
rows whole and decides the batch again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ingest.db.store.records import BYLINE_GROUP, MERGED_COLUMNS, URL_MAX, Person, Record, source_name
from ingest.dedup import NEAR_DISTANCE, cached_band_keys, hamming, to_unsigned
from ingest.normalize import search_key_of_parts, url_rank
from ingest.normalize.choice import merge_copy

Outcome = Literal["stored", "updated", "unchanged", "duplicate_exact", "duplicate_near"]
OUTCOMES: tuple[Outcome, ...] = ("stored", "updated", "unchanged", "duplicate_exact", "duplicate_near")

_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
# What a version keeps of the row it replaces (``article_versions``), besides the body.
VERSION_COLUMNS = (
    "title",
    "lead",
    "published_at",
    "modified_at",
    "content_hash",
    "url",
    "published_raw",
    "byline_raw",
    "fetched_at",
    "crawl_run_id",
)


class NeedsRead(Exception):
    """A decision needs the whole stored rows ``ids`` (body and mergeable fields): read them and decide again."""

    def __init__(self, ids: Iterable[int]) -> None:
        self.ids = frozenset(ids)
        super().__init__(f"stored articles {sorted(self.ids)} are needed whole")


class Row:
    """An article a batch meets: a stored row (``id`` set) or one the batch inserts (``order``: its place among the
    batch's inserts, which their ids follow; ``id`` once written).

    ``cols`` holds its column values as known (all of them for a new row; what the snapshot read for a stored one),
    always current: the plan writes them. ``view`` holds its mergeable fields in ``records.merge_view``'s form.
    """

    __slots__ = (
        "_view",
        "bands_dirty",
        "cols",
        "dirty",
        "fp",
        "id",
        "lost",
        "order",
        "people",
        "people_dirty",
        "root",
        "src",
    )

    def __init__(
        self,
        id: int | None,
        cols: dict[str, Any],
        *,
        view: dict[str, Any] | None = None,
        root: Row | None = None,
        order: int = -1,
        src: Record | None = None,
    ) -> None:
        self.id = id
        self.cols = cols
        signed = cols.get("fingerprint")
        self.fp: int | None = to_unsigned(signed) if signed is not None else None  # unsigned, as ingest.dedup has it
        self._view = view
        self.root = root  # the original this row is a near duplicate of (``duplicate_of``), None for an original
        self.order = order
        self.src = src  # the record whose fields the row holds, for a row the batch inserted (its view, lazily)
        self.people: tuple[list[Person], list[str]] | None = src.people if src is not None else None
        self.dirty: set[str] = set()  # columns of a stored row to update ("source_id": from view["source"])
        self.bands_dirty = False
        self.people_dirty = False
        self.lost = False  # set by apply: another writer stored this canonical URL with other content first

    @property
    def new(self) -> bool:
        return self.order >= 0

    @property
    def canonical_url(self) -> str:
        return str(self.cols["canonical_url"])

    @property
    def url(self) -> str:
        return str(self.cols["url"])

    @property
    def site(self) -> str | None:
        site: str | None = self.cols.get("site")
        return site

    @property
    def content_hash(self) -> str:
        return str(self.cols["content_hash"])

    @property
    def view(self) -> dict[str, Any]:
        """The mergeable fields (item names) plus ``canonical_url`` and ``site``; NeedsRead when not read."""
        if self._view is None:
            if self.src is None:
                raise NeedsRead([self.id] if self.id is not None else [])
            self._view = {**self.src.view, "canonical_url": self.canonical_url, "site": self.site}
        return self._view

    @view.setter
    def view(self, value: dict[str, Any]) -> None:
        self._view = value

    def source(self) -> str | None:
        """The ``sources`` name the row holds (a new row's without computing its whole view)."""
        if self._view is None and self.src is not None:
            return source_name(self.src.rec.get("source"))
        return self.view["source"]  # type: ignore[no-any-return]

    def set(self, column: str, value: Any) -> None:
        """Change a column (a stored row's change is written by the plan's update; a new row's by its insert)."""
        self.cols[column] = value
        if column == "fingerprint":
            self.fp = to_unsigned(value) if value is not None else None
        if not self.new:
            self.dirty.add(column)

    def earliest_key(self) -> tuple[datetime, int, int]:
        """Earliest publication date first, else the first stored (stored rows before the batch's, in id order)."""
        published = self.cols.get("published_at") or _FAR_FUTURE
        return (published, 1, self.order) if self.new else (published, 0, self.id or 0)

    def id_key(self) -> tuple[int, int]:
        """Id order: stored rows by id, then the batch's inserts in order."""
        return (1, self.order) if self.new else (0, self.id or 0)


@dataclass
class Snapshot:
    """The stored articles a batch can meet, by what its records look them up with (``snapshot.read_snapshot``
    reads it with a few set-based queries; tests build it by hand). Updated by :func:`decide` as it goes."""

    by_canon: dict[str, Row] = field(default_factory=dict)  # canonical URL -> article
    aliases: dict[str, Row] = field(default_factory=dict)  # alias URL -> article
    by_hash: dict[str, list[Row]] = field(default_factory=dict)  # content hash -> the articles holding it
    # band key -> the row, or the rows, whose fingerprint has (or had, before a content change) that key
    bands: dict[int, Row | list[Row]] = field(default_factory=dict)

    def index_hash(self, row: Row) -> None:
        self.by_hash.setdefault(row.content_hash, []).append(row)

    def index_bands(self, row: Row) -> None:
        if row.fp is None:
            return
        bands = self.bands
        for key in cached_band_keys(row.fp):
            # Most keys meet one row: a list only where two rows share one (few objects for the collector to walk).
            found = bands.get(key)
            if found is None:
                bands[key] = row
            elif isinstance(found, list):
                found.append(row)
            else:
                bands[key] = [found, row]

    def original(self, chash: str) -> Row | None:
        """The first stored article (lowest id) whose content hash is ``chash``."""
        rows = [r for r in self.by_hash.get(chash, ()) if r.content_hash == chash and not r.lost]
        return min(rows, key=Row.id_key) if rows else None

    def near_root(self, fp: int | None) -> Row | None:
        """The earliest original of the articles within ``NEAR_DISTANCE`` bits of ``fp`` (None: no such article)."""
        if fp is None:
            return None
        roots: dict[int, Row] = {}
        bands = self.bands
        for key in cached_band_keys(fp):
            found = bands.get(key)
            if found is None:
                continue
            for row in found if isinstance(found, list) else (found,):
                # The row's current fingerprint decides (a key it had before a content change may still lead here:
                # if the current one is near, the current one's keys lead here too).
                if row.fp is not None and hamming(row.fp, fp) <= NEAR_DISTANCE:
                    root = row.root or row
                    roots[id(root)] = root
        return min(roots.values(), key=Row.earliest_key) if roots else None


@dataclass(frozen=True)
class Alias:
    """``url`` is an alias of ``row`` (``INSERT .. ON CONFLICT DO NOTHING``: an alias, once stored, stays)."""

    url: str
    row: Row
    site: str | None
    reason: str


@dataclass(frozen=True)
class Unalias:
    """The aliases ``urls`` go (they became an article's own canonical URL or URL)."""

    urls: tuple[str, ...]


@dataclass(frozen=True)
class Version:
    """The row as it was before a change (``article_versions``): ``values`` are its columns then."""

    row: Row
    values: dict[str, Any]


@dataclass
class Plan:
    """What a batch writes: new articles (in record order, their ``root`` the near duplicate's original), alias
    changes (in order), the versions of rows before they changed, and the stored rows to update (their ``dirty``
    columns, bands and people, with final values)."""

    outcomes: list[Outcome] = field(default_factory=list)
    inserts: list[Row] = field(default_factory=list)
    insert_outcomes: list[int] = field(default_factory=list)  # the outcome index of each insert's record
    aliases: list[Alias | Unalias] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)
    updates: list[Row] = field(default_factory=list)
    merged: int = 0  # stored rows a copy changed (``ingest/merged``)


class _Decider:
    def __init__(self, snapshot: Snapshot, *, run_id: int | None, now: datetime, merge: bool) -> None:
        self.s = snapshot
        self.run_id = run_id
        self.now = now
        self.merge = merge
        self.plan = Plan()
        self._updated: dict[int, Row] = {}

    def decide(self, r: Record) -> Outcome:
        s = self.s
        known = s.by_canon.get(r.canon)
        if known is None:
            target = s.aliases.get(r.canon) or s.aliases.get(r.url)
            if target is not None:  # an URL already known as an alias (e.g. an exact duplicate seen before)
                self.seen(target, r.seen)
                if self.merge and target.content_hash == r.chash:
                    self.merge_into(target, r)
                return "unchanged"
            original = s.original(r.chash)
            if original is not None:
                for key in dict.fromkeys((r.canon, r.url)):
                    self.alias(key, original, r.site, "duplicate_exact")
                self.seen(original, r.seen)
                if self.merge:
                    self.merge_into(original, r)
                return "duplicate_exact"
            root = s.near_root(r.fp)
            row = self.insert(r, root)
            if r.url != r.canon:
                self.alias(r.url, row, r.site, "fetched_url")
            return "duplicate_near" if root is not None else "stored"
        if r.url != r.canon:
            self.alias(r.url, known, r.site, "fetched_url")
        self.seen(known, r.seen)
        if known.content_hash == r.chash:
            if self.merge:
                self.merge_into(known, r)
            self.prefer_url(known, r.url)
            return "unchanged"
        self.content_change(known, r)
        return "updated"

    # --- what the decisions do to a row ----------------------------------------------------------------------------

    def touched(self, row: Row) -> None:
        if not row.new and row.id is not None and row.id not in self._updated:
            self._updated[row.id] = row
            self.plan.updates.append(row)

    def seen(self, row: Row, when: datetime) -> None:
        if when > row.cols["last_seen_at"]:
            row.set("last_seen_at", when)
            self.touched(row)

    def prefer_url(self, row: Row, url: str) -> None:
        # The same article under a cleaner URL (no tracking query, shorter): keep that one as its URL, so the
        # stored row does not depend on which variant the crawl happened to fetch first.
        if url_rank(url) < url_rank(row.url):
            row.set("url", url)
            self.touched(row)

    def alias(self, url: str, row: Row, site: str | None, reason: str) -> None:
        if len(url) > URL_MAX or url in self.s.aliases:  # over-long: not stored; known: ON CONFLICT DO NOTHING
            return
        self.s.aliases[url] = row
        self.plan.aliases.append(Alias(url, row, site, reason))

    def unalias(self, urls: Sequence[str]) -> None:
        for url in urls:
            self.s.aliases.pop(url, None)
        self.plan.aliases.append(Unalias(tuple(urls)))

    def version(self, row: Row, reason: str, *, body: bool) -> None:
        cols = row.cols
        if body and "body" not in cols:
            raise NeedsRead([row.id] if row.id is not None else [])
        values = {c: cols[c] for c in VERSION_COLUMNS}
        values.update(body=cols["body"] if body else None, reason=reason, replaced_at=self.now)
        self.plan.versions.append(Version(row, values))

    def insert(self, r: Record, root: Row | None) -> Row:
        cols = dict(r.content)
        cols.update(
            url=r.url,
            canonical_url=r.canon,
            site=r.site,
            content_hash=r.chash,
            fingerprint=r.signed_fp,
            first_seen_at=r.seen,
            last_seen_at=r.seen,
            crawl_run_id=self.run_id,
        )
        row = Row(None, cols, root=root, order=len(self.plan.inserts), src=r)
        self.plan.inserts.append(row)
        self.plan.insert_outcomes.append(len(self.plan.outcomes))
        self.s.by_canon[r.canon] = row
        self.s.index_hash(row)
        self.s.index_bands(row)
        return row

    def content_change(self, row: Row, r: Record) -> None:
        self.version(row, "content_changed", body=True)
        self.prefer_url(row, r.url)
        for column, value in r.content.items():
            row.set(column, value)
        row.set("content_hash", r.chash)
        row.set("fingerprint", r.signed_fp)
        row.set("crawl_run_id", self.run_id)
        row.view = {**r.view, "canonical_url": row.canonical_url, "site": row.site}
        self.set_people(row, r)
        row.bands_dirty = True
        self.touched(row)
        self.s.index_hash(row)
        self.s.index_bands(row)

    def set_people(self, row: Row, r: Record) -> None:
        row.people = r.people
        row.people_dirty = True
        if not row.new:
            row.dirty.add("source_id")  # from the view's source name

    def merge_into(self, row: Row, r: Record) -> None:
        """Merge the copy ``r`` into ``row`` (see the module docstring)."""
        stored, incoming = row.view, r.view
        changes = merge_copy(stored, incoming)
        # A copy of the same site whose canonical URL ranks first becomes the article's identity.
        identity = (
            r.site == row.site and r.canon != row.canonical_url and url_rank(r.canon) < url_rank(row.canonical_url)
        )
        if not changes and not identity:
            return
        if "lead" in changes and "body" not in row.cols:
            raise NeedsRead([row.id] if row.id is not None else [])  # the search key is the whole text's
        self.version(row, "merged", body=False)
        if identity:
            self.switch_identity(row, r)
        for name, column in MERGED_COLUMNS.items():
            if name in changes:
                value = bool(changes[name]) if name == "published_year_inferred" else changes[name]
                row.set(column, value)
                stored[name] = value
        if any(name in changes for name in BYLINE_GROUP):
            # The byline group moves as a whole: names, roles, organisations and source read from one byline.
            row.set("byline_raw", incoming["byline_raw"])
            for name in BYLINE_GROUP:
                stored[name] = incoming[name]
            self.set_people(row, r)
        if "lead" in changes:
            row.set("search_text", search_key_of_parts(row.cols["title"], row.cols["lead"], row.cols["body"]))
        self.touched(row)
        self.plan.merged += 1

    def switch_identity(self, row: Row, r: Record) -> None:
        """Make the copy's canonical URL the article's, the old one an alias (the same row: id, links, versions)."""
        old = dict.fromkeys((row.canonical_url, row.url))
        self.unalias(list(dict.fromkeys((r.canon, r.url))))
        if self.s.by_canon.get(row.canonical_url) is row:
            del self.s.by_canon[row.canonical_url]
        row.set("canonical_url", r.canon)
        row.set("url", r.url)
        row.view["canonical_url"] = r.canon
        self.s.by_canon[r.canon] = row
        for key in old:
            self.alias(key, row, r.site, "duplicate_exact")
        if r.url != r.canon:
            self.alias(r.url, row, r.site, "fetched_url")


def decide(
    snapshot: Snapshot, records: Sequence[Record], *, run_id: int | None, now: datetime, merge: bool = True
) -> Plan:
    """The plan that stores ``records`` in order over ``snapshot`` (see the module docstring); one outcome per
    record. ``merge=False`` leaves copies unmerged (``ingest reprocess`` rewrites a row itself)."""
    decider = _Decider(snapshot, run_id=run_id, now=now, merge=merge)
    for r in records:
        decider.plan.outcomes.append(decider.decide(r))
    return decider.plan
