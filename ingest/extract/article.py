"""``extract_article``: one page's HTML in, its raw article fields out (never raises).

The steps share one parsed tree: metadata (head, JSON-LD) -> headline -> article container -> printed dates
(before the container is cleaned; only when the metadata leaves the date open, see ``dates.settled``) -> lead ->
byline -> body text and images -> category, tags, language.
Values stay raw (as printed); ``ingest.normalize.normalize_article`` turns them into typed values.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import lxml.etree
from lxml.html import HtmlElement

from ingest.extract import body as body_mod
from ingest.extract import dates as dates_mod
from ingest.extract import fallback as fallback_mod
from ingest.extract import lead as lead_mod
from ingest.extract import title as title_mod
from ingest.extract.decode import decode_page
from ingest.extract.legacy import detect_legacy_font
from ingest.extract.metadata import (
    Meta,
    clean_crumbs,
    declared_language,
    ld_person_names,
    looks_like_person,
    pick_canonical,
    read_meta,
    site_words,
    split_list,
)
from ingest.extract.tree import Haystack, attrs_of, own_text, parse, remove, select, squash, text_of
from ingest.extract.tree import ancestor as _ancestor
from ingest.extract.tree import in_chrome as _in_chrome
from ingest.extract.tree import inside as _inside
from ingest.normalize import ParsedDate, find_dateline, parse_byline, search_key
from ingest.normalize.bylines import person_shaped, split_date_tail, strip_titles

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteProfile:
    """What the registry knows about a site's markup: CSS selectors per field (title, lead, body, published,
    byline, category, tags), whether its numeric dates are month-first and whether ``www.`` is dropped from its
    canonical URLs (``ingest.extract.normalized.normalize_extracted`` applies the last two)."""

    name: str
    selectors: Mapping[str, str] = field(default_factory=dict)
    month_first: bool = False
    strip_www: bool = True


@dataclass
class Extracted:
    """Raw fields of one article page, named as in ``ingest.items.ArticleItem``."""

    url: str
    canonical_url: str | None = None
    title: str | None = None
    lead: str | None = None
    body: str | None = None
    language: str | None = None
    published_raw: str | None = None
    modified_raw: str | None = None
    page_dates: list[str] = field(default_factory=list)  # year context for a year-less dateline (see dates.py)
    byline_raw: str | None = None
    authors_hint: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    encoding: str | None = None
    legacy_encoding: str | None = None  # "vni" | "tcvn3" when the text was typed for a pre-Unicode font
    # The body came from the generic text-density extraction (``ingest.extract.fallback``): the body finder gave
    # none or too little. The crawl counts these (``ingest/extract/fallback_body``).
    fallback_body: bool = False


_AUTHOR_SELECTORS = (
    "[data-role=author]",
    ".detail-author .name",
    ".author-info .name",
    ".sc-longform-header-author",
    ".vtranslate-author-translate",
    ".article__author",
    ".cms-author",
    ".pAuthor",
    ".nguontin",
    "p.author",
    ".author-name",
    ".author",
    "[rel=author]",
    "a[href*='/tac-gia/']",
    "[itemprop=author] [itemprop=name]",
    "[itemprop=author]",
    ".byline",
    ".post-author",
    ".entry-author",
    ".tacgia",
    ".tac-gia",
)
_TAG_SELECTORS = (
    ".c-widget-tags a",
    "a.tag_item",
    ".tags a",
    ".tag a",
    ".tag_detail a",
    ".detail-tab a",
    ".box-tag a",
    ".tags-box a",
    ".article-tags a",
    "a[rel=tag]",
    ".td-tags a",
    ".article__tag a",
)
_CRUMB_SELECTORS = (
    ".breadcrumb a",
    ".breadcrumbs a",
    ".bread-crumb a",
    "[class*=breadcrumb] a",
    "[class*=breadCrumb] a",
    "[class*=Breadcrumb] a",
    "[itemtype*=BreadcrumbList] [itemprop=name]",
    ".detail-cate a",
    "a.entry-crumb",
)
_AUTHOR_REGION_LEVELS = 4
_PLACEHOLDERS = {"bút danh", "tác giả", "admin", "author", "tin tức", "biên tập viên"}
_VI_CHARS = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def extract_article(
    html: bytes | str,
    url: str,
    *,
    fetched_at: datetime | None = None,
    site: SiteProfile | None = None,
    charset: str | None = None,
) -> Extracted:
    """Extract the raw fields of one article page. Never raises: unreadable input gives empty fields.

    ``charset`` is the encoding the HTTP response declared (``Content-Type``), if known: one more candidate for
    the decoder, trusted only when the bytes decode strictly with it (see ``ingest.extract.decode``)."""
    try:
        return _extract(html, url, fetched_at=fetched_at, site=site, charset=charset)
    except Exception:  # the contract is "never raises"; the failure is logged for a bug report
        log.exception("extraction failed for %s", url)
        return Extracted(url=url)


def _extract(
    html: bytes | str, url: str, *, fetched_at: datetime | None, site: SiteProfile | None, charset: str | None = None
) -> Extracted:
    text, utf8, encoding = decode_page(html if html is not None else b"", charset)
    out = Extracted(url=url, encoding=encoding)
    root = parse(utf8)
    if root is None:
        return out
    selectors: Mapping[str, str] = site.selectors if site else {}
    meta = read_meta(root)
    # Ngôi Sao 2012 writes its only date from a script (pDateTime.innerHTML = '...'): keep such strings.
    script_dates = dates_mod.script_candidates(root)
    # Scripts and styles are read (JSON-LD) and done with; dropping them once keeps every later walk cheaper.
    lxml.etree.strip_elements(root, "script", "style", "noscript", "template", "svg", with_tail=False)
    hay = Haystack(root, text)
    base = _base_url(root, url)
    out.canonical_url = pick_canonical(meta, url, base=url)

    container = body_mod.find_container(root, selectors.get("body"), hay)
    title, title_el = title_mod.find_title(root, meta, url, selectors.get("title"), container)
    out.title = title or None

    # Dates first: the container is cleaned in place below, and its header may hold the printed date.
    month_first = site.month_first if site else False
    candidates = dates_mod.metadata_candidates(meta, month_first=month_first)
    if selectors.get("published"):
        candidates += dates_mod.selector_candidates(root, selectors["published"])
    chosen = dates_mod.choose(candidates, fetched_at, month_first=month_first)
    if not dates_mod.settled(chosen):
        # Searching the page for printed dates is the costliest step of the date; a site selector or JSON-LD
        # date with a time and an offset that is accepted would win over whatever it finds.
        anchor = title_el if title_el is not None else container
        candidates += dates_mod.visible_candidates(root, anchor)
        candidates += script_dates
        chosen = dates_mod.choose(candidates, fetched_at, month_first=month_first)
    out.modified_raw = dates_mod.modified_raw(meta)

    # The metadata titles serve the lead (a block repeating one is no lead) and the body (a repeat at its top is
    # dropped): read once, they are the same list for both (the metadata is not touched in between).
    meta_titles = title_mod.meta_titles(meta, url)
    out.lead, lead_el = lead_mod.find_lead(
        root,
        title_el=title_el,
        container=container,
        meta=meta,
        url=url,
        titles=[v for v in (title, *meta_titles) if v],
        selector=selectors.get("lead"),
        hay=hay,
        is_stamp=lambda text: dates_mod.is_date_line(text) or byline_with_date(text) is not None,
    )

    html_byline, byline_els = _byline_elements(root, selectors.get("byline"), container, hay)
    if html_byline is None and title_el is not None:
        # No author element of a known kind: a name printed beside the date under the headline is the byline
        # (kept as a last resort: a signature at the end of the body, found below, wins).
        html_byline, byline_els = _byline_by_date(title_el, container)

    # The headline (as displayed and as in the metadata) and the sapo, which a body may repeat at its top.
    repeats = [v for v in (out.lead, title, *meta_titles) if v]
    if container is not None:
        for el in (title_el, lead_el, *byline_els):
            if el is not None and _inside(el, container) and el.getparent() is not None:
                remove(el)  # headline, sapo and byline printed inside the container are not body
        if selectors.get("remove"):
            # Registry "remove": site boilerplate inside the article container (applied to the body only, so
            # a removed in-entry header can still give the title and byline above).
            for el in select(container, selectors["remove"]):
                if el is not container and el.getparent() is not None:
                    remove(el)
        out.images = body_mod.clean_container(container, base_url=base)
        blocks = body_mod.strip_boilerplate_blocks(body_mod.blocks_of(container))
        # A repeated headline (as displayed or as in the metadata), sapo or date stamp at the top of the container
        # (OneCMS, VNPT, MEDIATECH, WordPress themes) is not body text.
        stamped: list[str] = []
        blocks = body_mod.drop_top_repeats(blocks, repeats, _top_stamp(stamped))
        blocks, tail_byline = body_mod.take_trailing_byline(blocks, container, _is_signature)
        out.body = "\n\n".join(b.text for b in blocks) or None
        if tail_byline:
            html_byline = tail_byline
        elif html_byline is None and stamped:
            html_byline = stamped[0]  # the byline printed with the date above the text

    if len(out.body or "") < fallback_mod.FALLBACK_BELOW:
        # Nothing or too little from the body finder: the generic text-density extraction gets a go.
        dense, dense_byline, dense_stamped = _fallback_body(utf8, repeats)
        if dense and len(dense) > len(out.body or ""):
            out.body, out.fallback_body = dense, True
            html_byline = dense_byline or html_byline or dense_stamped

    if not out.body and out.lead and lead_el is not None:
        # The sapo is all the text there is (a video or photo page): it is the body, not a lead over nothing.
        out.body, out.lead = out.lead, None

    out.authors_hint = _structured_authors(meta, site_words(url, meta))
    out.byline_raw = _reconcile_byline(html_byline, out.authors_hint, meta, url)

    dateline = _dateline(out.body, fetched_at) if chosen is None or chosen[0].source == "script" else None
    if chosen is not None and dateline is not None:
        shown, own = chosen[1].value, dateline.value
        if (shown.month, shown.day) != (own.month, own.day):
            chosen = None  # a script-written stamp that disagrees with the article's own dateline is not its date
    if chosen is not None:
        out.published_raw = chosen[0].raw
    elif dateline is None:
        url_date = dates_mod.url_candidate(url)
        if url_date is not None and dates_mod.choose([url_date], fetched_at) is not None:
            out.published_raw = url_date.raw
    if (chosen is not None and chosen[1].year_inferred) or (dateline is not None and dateline.year_inferred):
        # Only a year-less date needs context (normalize_article places its year); a full one needs none.
        out.page_dates = dates_mod.page_dates(root)

    out.category = _category(root, meta, selectors.get("category"), hay)
    out.tags = _tags(root, meta, selectors.get("tags"), hay)
    out.language = _language(meta, out.body or out.title or "")
    # Text typed for the VNI / TCVN3 fonts decodes to mojibake: flagged here, dropped by the validate stage.
    legacy = detect_legacy_font("\n\n".join(v for v in (out.title, out.lead, out.body) if v))
    out.legacy_encoding = legacy.name if legacy is not None else None
    return out


def _fallback_body(utf8: bytes, repeats: list[str]) -> tuple[str | None, str | None, str | None]:
    """The body, its trailing byline and a byline printed with the date above it, by text density
    (``ingest.extract.fallback``), cleaned as the primary body is.

    The page is parsed again: the first tree's container was cleaned in place by the body finder, which may be
    what lost the text (rare pages only, so the second parse costs little overall).
    """
    root = parse(utf8)
    if root is None:
        return None, None, None
    lxml.etree.strip_elements(root, "script", "style", "noscript", "template", "svg", with_tail=False)
    blocks = body_mod.strip_boilerplate_blocks(fallback_mod.density_blocks(root))
    stamped: list[str] = []
    blocks = body_mod.drop_top_repeats(blocks, repeats, _top_stamp(stamped))
    blocks, byline = body_mod.take_trailing_byline(blocks, root, _is_signature)
    blocks = fallback_mod.trim_after(blocks)
    return "\n\n".join(b.text for b in blocks) or None, byline, (stamped[0] if stamped else None)


def _top_stamp(found: list[str]) -> Callable[[str], bool]:
    """What ``drop_top_repeats`` drops besides repeats: a date stamp, or a byline printed with its date on one line
    ("AN AN - VŨ LINH Thứ tư, 17/04/2024 06:23 (GMT+7)"), whose byline is appended to ``found``."""

    def is_stamp(text: str) -> bool:
        if dates_mod.is_date_line(text):
            return True
        byline = byline_with_date(text)
        if byline is None:
            return False
        found.append(byline)
        return True

    return is_stamp


def byline_with_date(text: str) -> str | None:
    """The byline of a short line that is names then a date stamp ("Ngọc Chí - 22:08, 02/09/2023"), else None.

    Every name must read as a person's (``person_shaped``): a section or an outlet beside a date is not a byline.
    """
    if len(text) > 120:
        return None
    head, tail = split_date_tail(text)
    if not head or not tail or not dates_mod.is_date_line(tail):
        return None
    try:
        names = parse_byline(head).names
    except Exception:  # a normaliser bug must not lose the page
        return None
    return head if names and all(person_shaped(n) for n in names) else None


def _base_url(root: HtmlElement, url: str) -> str:
    # vdoc sites set <base href> to a static host; images resolve against it, the article URL does not.
    base = root.find(".//base")
    href = base.get("href") if base is not None else None
    return href.strip() if href and href.strip().startswith("http") else url


# --- byline ---------------------------------------------------------------------------------------------------


def _is_byline(raw: str) -> bool:
    if squash(raw).casefold() in _PLACEHOLDERS:
        return False
    try:
        parsed = parse_byline(raw)
    except Exception:  # a normaliser bug must not lose the whole page
        return False
    return bool(parsed.names or parsed.source or parsed.is_group)


def _is_signature(raw: str) -> bool:
    """A byline, or an agency or office signing the story on its own ("TTXVN", "Trung tâm Y tế huyện")."""
    if _is_byline(raw):
        return True
    try:
        parsed = parse_byline(raw)
    except Exception:  # a normaliser bug must not lose the whole page
        return False
    return bool(parsed.organizations) and len(raw) <= 60


def _byline_elements(
    root: HtmlElement, selector: str | None, container: HtmlElement | None, hay: Haystack
) -> tuple[str | None, list[HtmlElement]]:
    """An author element near the headline or the body (not in related boxes or comments)."""
    # Author elements count only around the article (not in "most read" boxes of other stories).
    region = _ancestor(container, _AUTHOR_REGION_LEVELS) if container is not None else root
    for css in ((selector,) if selector else ()) + _AUTHOR_SELECTORS:
        for el in select(root if css == selector else region, css, hay):
            if el is container or (container is not None and _inside(container, el)):
                continue
            if _in_chrome(el) or re.search(r"comment|related|relate|list|other", _ancestry(el)):
                continue
            text = own_text(el) if el.tag == "div" and len(el) else text_of(el)
            text = text or text_of(el)
            if not text or len(text) > 150:
                continue
            if squash(text).casefold() in _PLACEHOLDERS:
                continue
            if _is_byline(text):
                return text, [el]
    return None, []


_DATE_OR_TIME = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\b\d{1,2}:\d{2}\b")
_HEADER_SPAN = 60  # elements after the headline searched for the byline beside the date
_INLINE_BYLINE_TAGS = {"a", "span", "div", "p", "strong", "b", "em", "i", "li", "address", "small", "font"}


def _byline_by_date(title_el: HtmlElement, container: HtmlElement | None) -> tuple[str | None, list[HtmlElement]]:
    """A short name beside the printed date in the block after the headline ("<a>Nguyên Minh</a> - 07/03/2026").

    Generic: no class is read. The element must hold a short line that parses as a byline with a person's name,
    and its own text, its parent's or a sibling's must hold a date or a time; the search stops where the body
    starts (the container, or a paragraph of prose).
    """
    seen = 0
    started = False
    for el in title_el.getroottree().getroot().iter():
        if el is title_el:
            started = True
            continue
        if not started or not isinstance(el.tag, str):
            continue
        seen += 1
        if seen > _HEADER_SPAN or el is container:
            break
        if el.tag not in _INLINE_BYLINE_TAGS or any(isinstance(c.tag, str) and c.tag in _BLOCKISH for c in el):
            continue
        text = text_of(el)
        if len(text) > 200:
            break  # the body (or a sapo) has started
        if not 3 <= len(text) <= 60 or not _beside_date(el, text):
            continue
        try:
            names = parse_byline(text).names
        except Exception:  # a normaliser bug must not lose the page
            names = []
        # Every name must read as a person's: a title-cased section ("Thời Sự") or outlet beside a date is not.
        if names and all(person_shaped(n) for n in names) and not _in_chrome(el):
            return text, [el]
    return None, []


_BLOCKISH = {"div", "p", "ul", "ol", "table", "section", "article", "h1", "h2", "h3", "li"}


def _beside_date(el: HtmlElement, text: str) -> bool:
    if _DATE_OR_TIME.search(text):
        return True
    parent = el.getparent()
    near = [n for n in (el.getprevious(), el.getnext()) if n is not None]
    if any(_DATE_OR_TIME.search(squash(n.text_content())[:80]) for n in near):
        return True
    return parent is not None and bool(_DATE_OR_TIME.search(squash(el.tail)))


def _ancestry(el: HtmlElement) -> str:
    parts = []
    node = el.getparent()
    depth = 0
    while node is not None and depth < 6:
        parts.append(attrs_of(node))
        node = node.getparent()
        depth += 1
    return " ".join(parts)


def _structured_authors(meta: Meta, site: set[str]) -> list[str]:
    names = ld_person_names(meta, site=site)
    if names:
        return names
    dable = meta.first("dable:author")
    if dable:
        return [n for n in (squash(p) for p in dable.split(";")) if n]
    return []


def _reconcile_byline(html_byline: str | None, structured: list[str], meta: Meta, url: str) -> str | None:
    """The printed byline, unless the structured authors name people it leaves out ("X và 1 tác giả khác").

    The structured list replaces the printed byline only when it names every printed person and more: metadata
    that names someone else (the editor, the CMS account) loses to the signature on the page.
    """
    if html_byline and structured:
        try:
            printed = {search_key(n) for n in parse_byline(html_byline).names}
        except Exception:  # a normaliser bug must not lose the byline
            printed = set()
        listed = {search_key(strip_titles(n)) for n in structured}  # "BS. Lan Anh" names the printed "Lan Anh"
        if printed and printed < listed:
            return " - ".join(structured)
        return html_byline
    if html_byline:
        return html_byline
    if structured:
        return " - ".join(structured)
    author = meta.first("author", "article:author")
    if looks_like_person(author, site_words=site_words(url, meta)) and author and _is_byline(author):
        return author
    return None


def _dateline(body: str | None, reference: datetime | None) -> ParsedDate | None:
    if not body:
        return None
    try:
        return find_dateline(body[:300], reference=reference)
    except Exception:  # a normaliser bug must not lose the page
        return None


# --- category, tags, language -----------------------------------------------------------------------------------


def _category(root: HtmlElement, meta: Meta, selector: str | None, hay: Haystack) -> list[str]:
    if selector:
        names = clean_crumbs([text_of(el) for el in select(root, selector)])
        if names:
            return names
    if meta.ld_crumbs:
        return meta.ld_crumbs
    for css in _CRUMB_SELECTORS:
        names = clean_crumbs([text_of(el) for el in select(root, css, hay)[:6]])
        if names:
            return names
    section = meta.first("article:section")
    if section and "," not in section:
        return [section]
    ld_section = meta.ld("articleSection")
    if isinstance(ld_section, str) and ld_section:
        return clean_crumbs(ld_section.split(","))
    return []


def _tags(root: HtmlElement, meta: Meta, selector: str | None, hay: Haystack) -> list[str]:
    if selector:
        tags = split_list([text_of(el) for el in select(root, selector)])
        if tags:
            return tags
    values = meta.tags.get("article:tag", [])
    if values:
        tags = []
        for value in values:
            tags += split_list(value)
        return list(dict.fromkeys(tags))
    for css in _TAG_SELECTORS:
        found = [text_of(el) for el in select(root, css, hay) if not _in_chrome(el)]
        tags = split_list([t for t in found if t and len(t) < 80])
        if tags:
            return tags
    keywords = meta.ld("keywords")
    if keywords:
        return split_list(keywords)
    return split_list(meta.first("news_keywords", "keywords") or "")


def _language(meta: Meta, sample: str) -> str | None:
    declared = declared_language(meta)
    head = sample[:1500]
    marked = len(_VI_CHARS.findall(head))
    # Vietnamese letters are letters: with 40 of them, more than 3% of all characters, the letter count (a
    # Python-level scan) cannot change the answer.
    if marked >= 40 and marked > len(head) * 0.03:
        return "vi"
    if marked:
        letters = sum(map(str.isalpha, head))
        if letters >= 40 and marked > letters * 0.03:
            return "vi"  # thanhnien 2012 declares lang="en-us" on Vietnamese text
    return declared
