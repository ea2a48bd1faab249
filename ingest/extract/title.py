"""The headline as the page displays it, with the metadata titles as witnesses and fallbacks.

Order: a registry selector; a headline element (``<h1>``, or any element) printing one of the metadata titles
(JSON-LD ``headline``, ``og:title``, ``twitter:title``, ``<title>``); a displayed headline that differs from them
(editors change headlines, metadata lags): a heading near the article that shares most of its words with them, or
the one long ``<h1>`` beside the article; then the metadata titles themselves.

Metadata titles lose section suffixes (" - Ảnh", " - Video", " | Trang 2") and the site's name; a value that is
only the site's name ("Báo Kon Tum") is never a title.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml.html import HtmlElement

from ingest.extract.metadata import Meta, fold
from ingest.extract.tree import ancestor, attrs_of, in_chrome, inside, select, text_of, unescape

# A section or pagination label after the headline in og:title / <title>: "Lũ quét ở Kon Tum - Ảnh".
_SECTION_SUFFIX = re.compile(
    r"\s*(?:\s[-–—|:]|\|)\s*(?:ảnh|video|clip|infographics?|photos?|e-?magazine|longform|podcasts?|multimedia|"
    r"tin ảnh|phóng sự ảnh|(?:trang|page)\s*\d+)\s*$",
    re.IGNORECASE,
)
_SECTION_PREFIX = re.compile(
    r"^\s*[\[(](?:ảnh|video|clip|infographics?|photos?|e-?magazine|longform|podcasts?)[\])]\s*[-–—:]?\s*",
    re.IGNORECASE,
)
_SITE_SEPARATOR = re.compile(r"\s+[|–—-]\s+")
_TITLE_ATTR = re.compile(r"title|headline|tieude|tieu-de|heading")
# Not "sidebar": VnExpress puts its article inside "sidebar-1".
_NOT_ARTICLE_ZONE = re.compile(
    r"comment|related|relate|lienquan|tinkhac|tin-khac|other-?news|box-news|(^|[\s_-])(list|other|widget)([\s_-]|$)"
)
_MIN_LEN, _MAX_LEN = 8, 300
_NEAR_LEVELS = 4  # levels above the article container still searched for its displayed headline
_MIN_SHARED = 0.6  # share of the shorter title's words a displayed headline must have in common with metadata


def find_title(
    root: HtmlElement, meta: Meta, url: str, selector: str | None, container: HtmlElement | None
) -> tuple[str, HtmlElement | None]:
    """The title and the element printing it (the anchor for the printed date), or ("", None)."""
    if selector:
        for el in select(root, selector):
            text = text_of(el)
            if text:
                return text, el
    names = site_names(url, meta)
    tag_title = meta.title_tag or ""
    raw_metas = [
        unescape(str(meta.ld("headline") or "")),
        meta.first("og:title") or "",
        meta.first("twitter:title") or "",
        meta.first("headline") or "",
        meta.first("title") or "",
    ]
    metas = [clean_meta_title(m, names) for m in raw_metas]
    metas += [clean_meta_title(_strip_site_suffix(tag_title), names) if tag_title else ""]
    metas = [m for m in dict.fromkeys(metas) if m and not is_site_name(m, names)]
    # The raw <title> still finds its element (a page printing "Tiêu đề - Ảnh" as its headline), never returned.
    witnesses = metas + [t for t in (tag_title, *raw_metas) if t and t not in metas and not is_site_name(t, names)]
    keys = [m.casefold() for m in witnesses]

    h1s = [(el, text_of(el)) for el in root.iter("h1") if not in_chrome(el)]
    h1s = [(el, t) for el, t in h1s if _MIN_LEN <= len(t) <= _MAX_LEN and not is_site_name(t, names)]
    if container is not None:
        # Zing 2012 prints the headline twice; the copy inside the article container is the article's.
        h1s.sort(key=lambda pair: not inside(pair[0], container))
    # A headline element that agrees with the metadata is both the title and the anchor for the printed date.
    for el, text in h1s:
        if text.casefold() in keys:
            return text, el
    for el, text in sorted(h1s, key=lambda pair: -len(pair[1])):
        if any(k.startswith(text.casefold()) for k in keys):
            return text, el
    if container is not None:
        # An edited headline in the article's <h1>; secondary copies (sticky bars, share boxes) keep the old one.
        shown = _displayed_headline(root, container, h1s, metas, h1_only=True)
        if shown is not None:
            return text_of(shown), shown
    anchor = _headline_element(root, witnesses)
    if anchor is not None:
        return text_of(anchor), anchor
    if container is not None:
        shown = _displayed_headline(root, container, h1s, metas, h1_only=False)
        if shown is not None:
            return text_of(shown), shown
        # No element prints the metadata title (an SEO og:title): the one long <h1> next to the article is it.
        region = ancestor(container, 3)
        near = [(el, text) for el, text in h1s if inside(el, region) and len(text.split()) >= 4]
        if len(near) == 1:
            return near[0][1], near[0][0]
    if metas:
        return metas[0], None
    if h1s and container is not None:
        # No metadata title at all: the <h1> printed closest above the text (a category <h1> sits higher up, a
        # "Tin liên quan" <h1> below it).
        above = _closest_before(root, container, [el for el, text in h1s if len(_words(text)) >= 3])
        if above is not None:
            return text_of(above), above
    if h1s:
        return h1s[0][1], h1s[0][0]
    if container is not None:
        # No metadata title but the site's name, no <h1> but its logo: the heading printed just above the text.
        heading = _heading_before(container, names)
        if heading is not None:
            return text_of(heading), heading
    return "", None


def meta_titles(meta: Meta, url: str) -> list[str]:
    """The page's metadata titles, cleaned (``clean_meta_title``), site names left out."""
    names = site_names(url, meta)
    raw = [unescape(str(meta.ld("headline") or "")), meta.first("og:title") or "", meta.first("twitter:title") or ""]
    if meta.title_tag:
        raw.append(_strip_site_suffix(meta.title_tag))
    cleaned = (clean_meta_title(m, names) for m in raw if m)
    return [m for m in dict.fromkeys(cleaned) if m and not is_site_name(m, names)]


def clean_meta_title(value: str, names: set[str]) -> str:
    """A metadata title without section labels ("- Ảnh", "[Video]", "| Trang 2") and without a trailing site name."""
    value = unescape(value)
    for _ in range(3):
        stripped = _SECTION_PREFIX.sub("", _SECTION_SUFFIX.sub("", value)).strip()
        parts = _SITE_SEPARATOR.split(stripped)
        if len(parts) > 1 and is_site_name(parts[-1], names):
            stripped = stripped[: stripped.rfind(parts[-1])].rstrip(" |–—-")
        if stripped == value:
            break
        value = stripped
    return value


def site_names(url: str, meta: Meta) -> set[str]:
    """Folded forms (no spaces, no punctuation) of the site's names: host, first host label, og:site_name,
    application-name."""
    host = re.sub(r"^[a-z]+://", "", (url or "").lower()).split("/")[0].split(":")[0]
    host = re.sub(r"^(?:www|m)\.", "", host)
    names = {_key(host), _key(host.split(".")[0])}
    for key in ("og:site_name", "application-name", "apple-mobile-web-app-title"):
        value = meta.first(key)
        if value:
            names.add(_key(value))
    return {n for n in names if len(n) >= 3}


def is_site_name(text: str, names: set[str]) -> bool:
    """Whether ``text`` is only the site's name ("Báo Kon Tum", "BAOKONTUM.COM.VN")."""
    return bool(names) and _key(text) in names


@lru_cache(maxsize=1024)
def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


def _strip_site_suffix(title: str) -> str:
    parts = re.split(r"\s+[|–—]\s+|\s+-\s+(?=[^-]*$)", title)
    return max(parts, key=len).strip() if len(parts) > 1 else title


def _headline_element(root: HtmlElement, metas: list[str]) -> HtmlElement | None:
    """The element printing the headline when it is not an ``<h1>`` (baodautu's title is a ``div``)."""
    if not metas:
        return None
    wanted = {m.casefold() for m in metas}
    for el in root.iter("h1", "h2", "div", "p", "span", "strong"):
        if el.tag in ("div", "span", "p") and len(el) > 2:
            continue
        text = text_of(el)
        if _MIN_LEN <= len(text) <= _MAX_LEN and text.casefold() in wanted and not in_chrome(el):
            return el
    return None


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", text.casefold()))


def _shared(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _displayed_headline(
    root: HtmlElement, container: HtmlElement, h1s: list[tuple[HtmlElement, str]], metas: list[str], *, h1_only: bool
) -> HtmlElement | None:
    """A heading near the article that differs from the metadata titles but shares most of their words: the
    headline as edited after the metadata was written ("Tiêu đề mới" over an og:title that kept the old one)."""
    if not metas:
        return None
    region = ancestor(container, _NEAR_LEVELS)
    meta_words = [_words(m) for m in metas]
    candidates: list[tuple[HtmlElement, str]] = [(el, t) for el, t in h1s if inside(el, region)]
    for el in () if h1_only else region.iter("h1", "h2", "h3", "div", "p", "span", "strong"):
        if el.tag != "h1" and (el.tag in ("h2", "h3") or _TITLE_ATTR.search(attrs_of(el))) and len(el) <= 3:
            text = text_of(el)
            if _MIN_LEN <= len(text) <= _MAX_LEN and not inside(el, container) and not in_chrome(el):
                candidates.append((el, text))
    longest = max(len(m) for m in meta_words)
    best: tuple[bool, float, HtmlElement] | None = None
    for el, text in candidates:
        words = _words(text)
        if not 3 <= len(words) <= 2 * longest + 5 or _NOT_ARTICLE_ZONE.search(_ancestry(el, region)):
            continue  # too short to tell, or as long as a sapo
        score = max(_shared(words, m) for m in meta_words)
        key = (el.tag == "h1", score)  # an <h1> that passes beats any other element
        if score >= _MIN_SHARED and (best is None or key > best[:2]):
            best = (key[0], key[1], el)
    return best[2] if best is not None else None


def _closest_before(root: HtmlElement, container: HtmlElement, wanted: list[HtmlElement]) -> HtmlElement | None:
    """Of ``wanted``, the element last before ``container`` in document order (or first inside it)."""
    if not wanted:
        return None
    pending = set(wanted)
    found: HtmlElement | None = None
    for el in root.iter():
        if el is container:
            inner = [w for w in wanted if inside(w, container)]
            return found if found is not None else (inner[0] if inner else None)
        if el in pending:
            found = el
    return found


def _heading_before(container: HtmlElement, names: set[str]) -> HtmlElement | None:
    """The last heading (``h1``-``h3`` or an element named for a title) before the container, near it."""
    region = ancestor(container, _NEAR_LEVELS)
    found: HtmlElement | None = None
    for el in region.iter():
        if el is container:
            break
        if not isinstance(el.tag, str) or len(el) > 3:
            continue
        if el.tag in ("h1", "h2", "h3") or (el.tag in ("div", "p", "span") and _TITLE_ATTR.search(attrs_of(el))):
            text = text_of(el)
            if (
                _MIN_LEN <= len(text) <= _MAX_LEN
                and len(_words(text)) >= 3
                and not is_site_name(text, names)
                and not in_chrome(el)
                and not _NOT_ARTICLE_ZONE.search(_ancestry(el, region))
            ):
                found = el
    return found


def _ancestry(el: HtmlElement, stop: HtmlElement) -> str:
    parts = []
    node = el.getparent()
    while node is not None and node is not stop:
        parts.append(attrs_of(node))
        node = node.getparent()
    return " ".join(parts)
