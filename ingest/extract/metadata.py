"""Page metadata: ``<meta>`` tags, JSON-LD objects, title, canonical URL, language, breadcrumbs and tags.

Everything here reads the head and structured data; the article body lives in ``ingest.extract.body``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from ingest.extract.tree import squash, text_of, unescape

_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting", "report"}
_HOME_CRUMBS = {"trang chủ", "trang chu", "home", "trang nhất", "trang nhat", "homepage"}
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


@dataclass
class Meta:
    """What the head and the structured data say about the page."""

    tags: dict[str, list[str]] = field(default_factory=dict)  # lower-cased name/property/itemprop -> values
    ld_articles: list[dict[str, Any]] = field(default_factory=list)
    ld_crumbs: list[str] = field(default_factory=list)
    canonical_links: list[str] = field(default_factory=list)
    html_lang: str | None = None
    title_tag: str = ""

    def first(self, *keys: str) -> str | None:
        """The first non-empty value of the first key present."""
        for key in keys:
            for value in self.tags.get(key, ()):
                value = unescape(value)
                if value:
                    return value
        return None

    def ld(self, key: str) -> Any:
        """A property of the first JSON-LD article object that has it."""
        for obj in self.ld_articles:
            value = obj.get(key)
            if value not in (None, "", [], {}):
                return value
        return None


def read_meta(root: HtmlElement) -> Meta:
    """Collect meta tags, JSON-LD and link elements from the whole tree (nested documents included)."""
    meta = Meta()
    # One walk for the three tags; each kind fills its own field, in document order as before.
    for el in root.iter("meta", "link", "script"):
        if el.tag == "meta":
            content = el.get("content")
            if content is None:
                continue
            for attr in ("property", "name", "itemprop", "http-equiv"):
                key = el.get(attr)
                if key:
                    meta.tags.setdefault(key.strip().lower(), []).append(content)
        elif el.tag == "link":
            rel = (el.get("rel") or "").lower().split()
            if "canonical" in rel and el.get("href"):
                meta.canonical_links.append(el.get("href", "").strip())
        elif (el.get("type") or "").strip().lower() == "application/ld+json":
            for obj in _ld_objects(el.text or ""):
                types = _types(obj)
                if types & _ARTICLE_TYPES:
                    meta.ld_articles.append(obj)
                elif "breadcrumblist" in types and not meta.ld_crumbs:
                    meta.ld_crumbs = _crumbs_from_ld(obj)
    html_el = root if root.tag == "html" else root.find(".//html")
    if html_el is not None:
        meta.html_lang = (html_el.get("lang") or html_el.get("xml:lang") or "").strip() or None
    title_el = root.find(".//title")
    if title_el is not None:
        meta.title_tag = unescape(text_of(title_el))
    return meta


def _ld_objects(text: str) -> Iterator[dict[str, Any]]:
    text = text.strip()
    if not text:
        return
    data: Any = None
    for attempt in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            data = json.loads(attempt, strict=False)
            break
        except ValueError:
            continue
    if data is None:
        return
    yield from _flatten(data)


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        if "@graph" in data:
            yield from _flatten(data["@graph"])
        if "@type" in data:
            yield data


def _types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).lower() for v in values if v}


def _crumbs_from_ld(obj: dict[str, Any]) -> list[str]:
    items: list[tuple[float, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            name = node.get("name")
            item = node.get("item")
            if not name and isinstance(item, dict):
                name = item.get("name")
            if name:
                try:
                    pos = float(node.get("position", len(items) + 1))
                except (TypeError, ValueError):
                    pos = len(items) + 1
                items.append((pos, unescape(str(name))))

    walk(obj.get("itemListElement"))
    items.sort(key=lambda pair: pair[0])
    return clean_crumbs([name for _, name in items])


def clean_crumbs(names: list[str]) -> list[str]:
    """Drop the home link, trailing slashes and repeats from a breadcrumb path."""
    out: list[str] = []
    for name in names:
        name = squash(name).strip(" /»>›|")
        if not name or name.lower() in _HOME_CRUMBS or name in out:
            continue
        out.append(name)
    return out


# --- authors in structured data --------------------------------------------------------------------------------


def ld_person_names(meta: Meta, *, site: set[str] | None = None) -> list[str]:
    """Person names from JSON-LD ``author`` (object or list).

    Organizations, empty names, the outlet typed as a Person, and CMS login names (``longantv``, ``yennhi``:
    one lower-case ASCII word) are ignored.
    """
    names: list[str] = []
    for obj in meta.ld_articles:
        author = obj.get("author")
        entries = author if isinstance(author, list) else [author]
        for entry in entries:
            if isinstance(entry, str):
                name, kind = entry, "person"
            elif isinstance(entry, dict):
                name = str(entry.get("name") or "")
                kind = " ".join(sorted(_types(entry))) or "person"
            else:
                continue
            name = unescape(name)
            if not name or "organization" in kind or name.startswith("http") or name in names:
                continue
            if re.fullmatch(r"[a-z0-9_.]+", name) or not looks_like_person(name, site_words=site or set()):
                continue
            names.append(name)
        if names:
            break
    return names


_ORG_WORDS = re.compile(
    r"\b(báo|bao|online|news|corp|công ty|cong ty|công nghệ|tạp chí|đài|truyền hình|ban biên tập|admin|"
    r"tòa soạn|toà soạn|group|media|channel|jsc|ltd|inc|vietnam|việt nam|tin tức|tin tuc|cổng thông tin)\b",
    re.IGNORECASE,
)


def looks_like_person(value: str | None, *, site_words: set[str]) -> bool:
    """Whether a meta ``author`` value can be a byline, not the company, a URL or a numeric id."""
    if not value:
        return False
    value = squash(value)
    if not value or len(value) > 120 or value.isdigit():
        return False
    if "http" in value or "www." in value or re.search(r"\.(vn|com|net|org)\b", value, re.IGNORECASE):
        return False
    if _ORG_WORDS.search(value):
        return False
    folded = fold(value).replace(" ", "")
    return not any(word and (word in folded or folded in word) for word in site_words)


def fold(text: str) -> str:
    """Lowercase ASCII folding for comparing names with host names (``Dân Trí`` ~ ``dantri``)."""
    import unicodedata

    text = text.lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def site_words(url: str, meta: Meta) -> set[str]:
    """Folded words naming the outlet: the host's first label and ``og:site_name``."""
    words: set[str] = set()
    host = (urlsplit(url).hostname or "").lower()
    labels = [p for p in host.split(".") if p not in ("www", "m", "com", "vn", "net", "org", "gov", "edu")]
    if labels:
        words.add(labels[0])
    site_name = meta.first("og:site_name")
    if site_name:
        words.add(fold(site_name).replace(" ", ""))
    return {w for w in words if len(w) >= 3}


# --- canonical URL, language, tags --------------------------------------------------------------------------------


def pick_canonical(meta: Meta, url: str, *, base: str | None = None) -> str | None:
    """rel=canonical, then meta canonical, og:url, JSON-LD mainEntityOfPage; the page URL wins a disagreement."""
    base = base or url
    candidates: list[str] = []
    for raw in [*meta.canonical_links, meta.first("canonical"), meta.first("og:url"), _ld_main_entity(meta)]:
        if raw:
            resolved = urljoin(base, raw.strip())
            resolved = re.sub(r"#(WebPage|NewsArticle|Article)$", "", resolved, flags=re.IGNORECASE)
            if resolved.startswith(("http://", "https://")):
                candidates.append(resolved)
    if not candidates:
        return url or None
    if url and len({_url_key(c) for c in candidates}) > 1:
        # dantri 2012: canonical and og:url name different article ids; trust the one that is this page.
        for candidate in candidates:
            if _url_key(candidate) == _url_key(url):
                return candidate
    first = candidates[0]
    if url and urlsplit(first).path.strip("/") == "" and urlsplit(url).path.strip("/"):
        return url  # a canonical pointing at the home page is a template default, not this article
    return first


def _url_key(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    return host + parts.path.rstrip("/")


def _ld_main_entity(meta: Meta) -> str | None:
    value = meta.ld("mainEntityOfPage")
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    if isinstance(value, str) and value.startswith("http"):
        return value
    value = meta.ld("url")
    return value if isinstance(value, str) and value.startswith("http") else None


def declared_language(meta: Meta) -> str | None:
    """The page's declared language as a BCP 47 primary tag ("vi"), if any."""
    for raw in (
        meta.html_lang,
        meta.first("content-language", "language", "inlanguage"),
        str(meta.ld("inLanguage") or "") or None,
        meta.first("og:locale"),
    ):
        if raw:
            tag = re.split(r"[-_,;\s]", raw.strip().lower())[0]
            if tag == "vn":
                tag = "vi"
            if re.fullmatch(r"[a-z]{2,3}", tag):
                return tag
    return None


def split_list(value: Any) -> list[str]:
    """Tags from a JSON-LD list or a comma/semicolon separated string."""
    if isinstance(value, list):
        items = [unescape(str(v)) for v in value]
    elif isinstance(value, str):
        items = [unescape(v) for v in re.split(r"[,;]", value)]
    else:
        return []
    out: list[str] = []
    for item in items:
        item = item.lstrip("#").strip()
        if item and item not in out:
            out.append(item)
    return out
