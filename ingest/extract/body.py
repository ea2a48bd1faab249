"""The article body: find its container, strip boilerplate, lift out images and the byline, return text blocks.

Known containers of the Vietnamese CMS families come first (VCCorp ``afcbc``, VnExpress ``fck_detail``, Z-CMS
``cms-body``, VNPT ``content-detail``, WordPress ``entry-content``, OneCMS ``.entry``, vdoc ``content-fck``, ...);
unknown sites go through a scored finder (paragraph text per parent, minus link text, minus comment and
related-news boxes), which keeps the long reader comments of 2012 VnExpress out of the body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from urllib.parse import urljoin

from lxml.html import HtmlElement

from ingest.extract.tree import Haystack, all_text, attrs_of, is_hidden, memo, remove, select, squash, text_of

# Most specific first. Each is a family's article container (VIETNAMESE.md sections 4 and 6).
KNOWN_CONTAINERS: tuple[str, ...] = (
    "div.afcbc-body",
    "[data-role=content]",
    "article.fck_detail",
    ".fck_detail",
    ".cms-body",
    ".zce-content-body",
    ".article__body",
    "[data-slot=content]",
    ".content-fully .content-detail",
    "#content-detail",
    ".c-news-detail .entry",
    "#newscontents .content-fck-font-size",
    "#newscontents .content-fck",
    ".entry-content",
    ".td-post-content",
    "#content_detail_news",
    "[itemprop=articleBody]",
    ".detail-content",
    "#maincontent",
    ".text-conent",
    ".post-content",
    ".article-content",
    ".article-body",
    ".news-content",
    ".detail__content",
    ".single-content",
    ".detail-body",
)

_DROP_TAGS = {
    "script", "style", "noscript", "iframe", "form", "button", "input", "select", "textarea", "svg", "object",
    "embed", "video", "audio", "canvas", "template", "link", "meta", "ins", "nav", "aside", "footer", "label",
    "map",
}  # fmt: skip
_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "table", "tbody", "tr", "td",
    "th", "section", "article", "figure", "header", "pre", "dl", "dt", "dd", "center", "main", "hr", "br",
    "html", "body", "caption",
}  # fmt: skip
_BLOCKS_BUT_BR = frozenset(_BLOCK_TAGS - {"br"})
# Class/id fragments of boxes that are never article text (related news, sharing, comments, ads, tags, ...).
_BOILER_ATTR = re.compile(
    r"related|relate[ds]?\b|relation|lienquan|lien-quan|tinlienquan|tindnd|readmore|read-more|xemthem|xem-them|"
    r"comment|binhluan|binh-luan|\bykien|y-kien|(^|[\s_-])share|social|sharing|advert|quangcao|banner|breadcrumb|"
    r"newsletter|subscribe|fontsize|font-size|text-size|\bvote|rating|(^|[\s_-])ads?([\s_-]|$)|adsbygoogle|"
    r"(^|[\s_-])qc([\s_-]|$)|oneads|ads-zone|amn_res_|(^|[\s_-])tags?([\s_-]|$)|tag-list|tags-box|box-tag|"
    r"(^|[\s_-])print|toolbar|tool-bar|pagination|popup|modal|(^|\s)hidden(\s|$)|d-none|"
    r"sc-longform-header|after-author|other-news|tin-khac|tinkhac|same-cate|cung-chuyen-muc|most-view|mostview|"
    r"box-news|list-news|news-list|widget|sidebar|video-player|multimedia|(^|[\s_-])author-box|signature-box|"
    r"VCObjectBoxRelated|kbwscwl",
    re.IGNORECASE,
)
# Every alternative of _BOILER_ATTR contains one of these (lower-case) words, or is the bare token "ad": an ASCII
# string with none of them cannot match, and the regex (IGNORECASE, 70 alternatives: 30-80 µs a string) is only
# run on the rest. Non-ASCII strings always go to the regex (IGNORECASE folds a few non-ASCII letters).
_BOILER_WORDS = (
    "relat", "lienquan", "lien-quan", "tindnd", "readmore", "read-more", "xemthem", "xem-them", "comment",
    "binhluan", "binh-luan", "ykien", "y-kien", "shar", "social", "advert", "ads", "quangcao", "banner",
    "breadcrumb", "newsletter", "subscribe", "fontsize", "font-size", "text-size", "vote", "rating", "qc",
    "amn_res_", "tag", "print", "toolbar", "tool-bar", "pagination", "popup", "modal", "hidden", "d-none",
    "sc-longform-header", "after-author", "other-news", "tin-khac", "tinkhac", "same-cate", "cung-chuyen-muc",
    "most-view", "mostview", "box-news", "list-news", "news-list", "widget", "sidebar", "video-player",
    "multimedia", "author-box", "signature-box", "kbwscwl",
)  # fmt: skip
_AD_TOKEN = re.compile(r"(?:^|[\s_-])ad(?:[\s_-]|$)")
_CAPTION_ATTR = re.compile(
    r"caption|chu-thich|chuthich|image_desc|img-desc|photo-desc|expnote|desc-img|note\b", re.IGNORECASE
)
_LAZY_SRC = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-srcset", "src")
_CREDIT = re.compile(
    r"[\(\[]?\s*(?:Ảnh|Ảnh minh họa|Ảnh minh hoạ|Nguồn ảnh|Photo|Nguồn)\s*:\s*([^()\[\]]+?)\s*[\)\]]?\.?\s*$"
)

# Labels of boxes that start boilerplate; a block holding only such a label is dropped with the links after it.
_BOX_LABELS = re.compile(
    r"^(tin liên quan|bài liên quan|tin bài liên quan|bài viết liên quan|tin tức liên quan|theo dòng sự kiện|"
    r"dòng sự kiện|tin cùng chủ đề|bài cùng chủ đề|cùng chủ đề|mời xem thêm|xem tiếp|tham khảo thêm|"
    r"tin mới|tin mới nhất|xem thêm|đọc thêm|đọc tiếp|tin cùng chuyên mục|"
    r"cùng chuyên mục|tin khác|các tin khác|có thể bạn quan tâm|bạn có thể quan tâm|tin đọc nhiều|tin nổi bật|"
    r"từ khóa|từ khoá|tags?|chủ đề|về trang chủ đề|chia sẻ|in bài|cỡ chữ|mặc định|bình chọn|tin tức gần đây|"
    r"tin gần đây|tin xem nhiều|đọc nhiều|xem nhiều|tin nổi bật|tin cùng loại|video|ảnh)\s*:?$",
    re.IGNORECASE,
)
# Everything from one of these on is the comment form or the site footer.
_CUT_MARKERS = re.compile(
    r"^(trả lời|để lại bình luận|để lại một bình luận|leave a reply|email của bạn sẽ không được hiển thị|"
    r"các trường bắt buộc được đánh dấu|ý kiến của bạn|ý kiến bạn đọc|gửi bình luận|gửi ý kiến|bình luận\s*\*?|"
    r"\(\d+\) bình luận|bình luận \(\d+\)|cơ quan chủ quản|giấy phép (hoạt động|xuất bản|số)|"
    r"powered by|phát triển bởi|bản quyền thuộc|® ghi rõ nguồn|chịu trách nhiệm (xuất bản|nội dung)|tổng biên tập:|"
    r"theo dõi .{0,30}(trên|tại) google news|mời (quý )?(độc giả|bạn đọc) (theo dõi|xem|đón đọc)|"
    r"gửi phản hồi|viết bình luận)",
    re.IGNORECASE,
)
# Lower-case words that occur in bylines ("Tin và ảnh", "Theo nhóm phóng viên", "Tổng hợp").
_BYLINE_WORDS = {
    "và", "ảnh", "tin", "bài", "theo", "tổng", "hợp", "thực", "hiện", "nguồn", "nhóm", "của", "từ", "biên", "dịch",
    "lược", "trình", "bày", "đồ", "họa", "hoạ", "video", "clip", "tác", "giả", "phóng", "viên",
}  # fmt: skip
# Markup printed as text (an ad tag pasted into a text field, escaped HTML): never article text.
MARKUP_TEXT = re.compile(r"</?(?:a|img|div|span|p|script|iframe|br)\b[^<>]{0,200}>|<!--", re.IGNORECASE)
_END_PUNCT = re.compile(r"[.!?:;…\"”]$")
_INITIALS = re.compile(r"^(?:[^\W\d_]{1,2}\.\s?){1,4}(?:[^\W\d_][\w]*\.?)?$")
_BOILER_WRAPPER = re.compile(r"comment|related|(^|\s)footer")  # not "sidebar": VnExpress's article is in "sidebar-1"
_SCORE_DOWN = re.compile(r"comment|binhluan|ykien|related|sidebar|footer|menu|other|tinkhac|list")
_SCORE_UP = re.compile(r"content|article|detail|body|entry|post|text|news|main|story")


@dataclass
class Block:
    """One paragraph of text with the facts the byline and boilerplate rules need."""

    text: str
    element: HtmlElement | None
    link_chars: int = 0
    bold_chars: int = 0
    italic_chars: int = 0
    after_run: bool = False  # appended after the fallback's densest run only as a byline candidate

    @property
    def link_ratio(self) -> float:
        return self.link_chars / max(1, len(self.text.replace(" ", "")))

    @property
    def bold_ratio(self) -> float:
        return self.bold_chars / max(1, len(self.text.replace(" ", "")))


@dataclass
class Body:
    """The cleaned article text and what was lifted out of it."""

    blocks: list[Block] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    byline: str | None = None


def is_boilerplate_attrs(attrs: str) -> bool:
    """Whether class/id/role text (``attrs_of``) names a box that is never article text: ``_BOILER_ATTR``."""
    if attrs.isascii():
        lowered = attrs.lower()
        if not any(word in lowered for word in _BOILER_WORDS) and not _AD_TOKEN.search(lowered):
            return False
    return _BOILER_ATTR.search(attrs) is not None


def find_container(root: HtmlElement, selector: str | None = None, hay: Haystack | None = None) -> HtmlElement | None:
    """The element holding the article text: a site selector, a known family container, else the best scored."""
    selectors = (selector,) if selector else ()
    for css in (*selectors, *KNOWN_CONTAINERS):
        best: HtmlElement | None = None
        best_len = 0
        for el in select(root, css, None if css == selector else hay):
            if _in_boilerplate(el, root):
                continue
            size = _paragraph_chars(el)
            if size > best_len:
                best, best_len = el, size
        if best is not None and best_len >= 150:
            return best
    return scored_container(root)


def _in_boilerplate(el: HtmlElement, root: HtmlElement) -> bool:
    node: HtmlElement | None = el
    while node is not None and node is not root:
        if node.tag in ("footer", "nav", "aside") or is_hidden(node):
            return True
        # Not "sidebar": VnExpress puts its article inside "sidebar-1".
        if node is not el and _BOILER_WRAPPER.search(attrs_of(node)):
            return True
        node = node.getparent()
    return False


def _paragraph_chars(el: HtmlElement) -> int:
    total = 0
    for node in el.iter("p", "div", "td", "li", "h2", "h3", "span"):
        own = squash(node.text)
        for child in node:
            if child.tag == "br" or child.tag in ("a", "b", "strong", "em", "i", "span", "font", "u"):
                own += " " + squash(child.text if child.tag != "br" else "") + " " + squash(child.tail)
        total += len(own.strip())
    return total


def scored_container(root: HtmlElement) -> HtmlElement | None:
    """Readability-style finder: credit each text paragraph's length to its parent and half to its grandparent."""
    scores: dict[HtmlElement, float] = {}
    for node in root.iter("p", "td", "div", "pre", "font"):
        if not isinstance(node, HtmlElement):
            continue
        text = _own_block_text(node)
        if len(text) < 40:
            continue
        link = sum(len(squash(all_text(a))) for a in node.iter("a"))
        if link > 0.5 * len(text):
            continue
        value = 1.0 + len(text) / 100.0 + text.count(",") * 0.1
        parent = node.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + value
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + value / 2
    best: HtmlElement | None = None
    best_score = 0.0
    for el, score in scores.items():
        attrs = attrs_of(el)
        if _SCORE_DOWN.search(attrs):
            score *= 0.2
        if _SCORE_UP.search(attrs):
            score *= 1.25
        if score > best_score:
            best, best_score = el, score
    return best


def _own_block_text(node: HtmlElement) -> str:
    """Text directly in a block, inline children included, nested blocks excluded."""
    parts = [node.text or ""]
    for child in node:
        if isinstance(child.tag, str) and child.tag not in _BLOCKS_BUT_BR:
            parts.append(all_text(child) if child.tag != "br" else " ")
        parts.append(child.tail or "")
    return squash(" ".join(parts))


# --- cleaning -------------------------------------------------------------------------------------------------


def clean_container(container: HtmlElement, *, base_url: str) -> list[dict[str, Any]]:
    """Remove boilerplate from the container in place and return the images (with captions) it held."""
    images: list[dict[str, Any]] = []
    doomed: list[HtmlElement] = []
    boiler_attr = memo(is_boilerplate_attrs)
    caption_attr = memo(_CAPTION_ATTR.search)
    container_chars: list[int] = []  # the container's text length, measured once if a boilerplate box asks
    for el in container.iterdescendants():
        if not isinstance(el, HtmlElement) or not isinstance(el.tag, str):
            doomed.append(el)
            continue
        tag = el.tag
        if tag in _DROP_TAGS or is_hidden(el):
            doomed.append(el)
            continue
        attrs = attrs_of(el)
        boiler = bool(attrs and boiler_attr(attrs)) or (el.get("type") or "").lower() == "relatednewsbox"
        boiler = boiler or (tag in _CARD_TAGS and is_story_card(el))
        if boiler and not _holds_most_text(el, container, container_chars):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            remove(el)
    for el in list(container.iter("figure", "table")):
        if el.getparent() is None or not any(True for _ in el.iter("img")):
            continue
        if el.tag == "table" and len(text_of(el)) > 400:
            continue  # a real data table that happens to hold a picture
        images.extend(_images_with_caption(el, base_url, caption_attr))
        remove(el)
    for el in list(container.iter()):
        if el.getparent() is None or not isinstance(el.tag, str):
            continue
        if el.tag == "img":
            image = _image(el, base_url, _caption_after(el))
            if image:
                images.append(image)
            remove(el)
        elif caption_attr(attrs_of(el)) and len(text_of(el)) < 400:
            caption = text_of(el)
            if images and caption and not images[-1].get("caption"):
                images[-1]["caption"] = caption
                images[-1]["credit"] = _credit(caption)
            remove(el)
    return images


_MAX_CARD_CHARS = 800
_MAX_CARD_ELEMENTS = 40
_HEADLINE_WORDS = 5
_CARD_TAGS = frozenset({"article", "div", "section", "aside", "figure", "li", "table"})
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})


def is_story_card(el: HtmlElement) -> bool:
    """An embedded teaser of another story inside the article (its headline as a link, perhaps a picture and a
    sapo), whatever its classes. Short, and led by a headline-long link.

    An ``<article>`` needs no more. Any other box (``div``, ``section``, ...) must show the teaser's shape too:
    the link fills its own line (a heading, or a block that is only the link: not a paragraph that merely starts
    with a linked name), the box holds a picture or that line is a heading, and at most one other line follows
    (the teaser's sapo).
    """
    if el.tag != "article" and sum(1 for _ in islice(el.iter(), _MAX_CARD_ELEMENTS + 1)) > _MAX_CARD_ELEMENTS:
        return False  # a big box is no teaser (and its text would cost to measure)
    text = text_of(el)
    if len(text) > _MAX_CARD_CHARS:
        return False
    for link in el.iter("a"):
        words = text_of(link).split()
        if not words:
            continue
        if len(words) < _HEADLINE_WORDS or not (link.get("href") or "").strip("#/ "):
            return False
        return el.tag == "article" or _teaser_shape(el, link)
    return False


def _teaser_shape(box: HtmlElement, link: HtmlElement) -> bool:
    line = link
    while line is not box and line.tag not in _BLOCKS_BUT_BR:
        parent = line.getparent()
        if parent is None:
            return False
        line = parent
    if line is box or text_of(line) != text_of(link):
        return False  # the link shares its line with other words: a sentence of the text
    pictured = any(True for _ in box.iter("img", "picture"))
    if not (pictured or line.tag in _HEADINGS):
        return False
    rest = squash(text_of(box).replace(text_of(link), "", 1))
    return len(rest) <= _MAX_CARD_CHARS // 2 and not any(
        len(text_of(h)) > 0 and h is not line for h in box.iter(*_HEADINGS)
    )


def _caption_after(img: HtmlElement) -> str | None:
    """An ``<em>``-only paragraph right after an image-only paragraph is that image's caption (baohaiphong)."""
    holder = img.getparent()
    if holder is None or holder.tag != "p" or text_of(holder):
        return None
    following = holder.getnext()
    if following is None or following.tag != "p":
        return None
    text = text_of(following)
    emphasised = "".join(text_of(e) for e in following if e.tag in ("em", "i"))
    if not text or squash(emphasised) != text or len(text) > 300:
        return None
    remove(following)
    return text


def _holds_most_text(el: HtmlElement, container: HtmlElement, container_chars: list[int]) -> bool:
    # A wrapper with an unlucky class ("content-share-wrap") that holds the article itself must stay.
    inner = len(text_of(el))
    if inner < 200:
        return False
    if not container_chars:
        container_chars.append(len(text_of(container)))
    return inner > 0.5 * container_chars[0]


def _images_with_caption(box: HtmlElement, base_url: str, caption_attr: Callable[[str], bool]) -> list[dict[str, Any]]:
    caption_parts: list[str] = []
    for cap in box.iter("figcaption", "td", "p", "div", "span"):
        if (
            cap.tag == "figcaption"
            or caption_attr(attrs_of(cap))
            or (cap.tag == "td" and not any(True for _ in cap.iter("img")))
        ):
            text = text_of(cap)
            if text and text not in caption_parts:
                caption_parts.append(text)
    caption = " ".join(caption_parts) or None
    out = []
    for img in box.iter("img"):
        image = _image(img, base_url, caption)
        if image:
            out.append(image)
    return out


def _image(img: HtmlElement, base_url: str, caption: str | None) -> dict[str, Any] | None:
    src = ""
    for attr in _LAZY_SRC:
        value = (img.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            src = value.split()[0] if attr == "data-srcset" else value
            break
    if not src:
        return None
    return {"url": urljoin(base_url, src), "caption": caption, "credit": _credit(caption)}


def _credit(caption: str | None) -> str | None:
    if not caption:
        return None
    match = _CREDIT.search(caption)
    return squash(match.group(1)) if match else None


# --- text blocks ----------------------------------------------------------------------------------------------


def blocks_of(container: HtmlElement) -> list[Block]:
    """Walk the container and return its paragraphs (``<br>`` and every block element end a paragraph)."""
    blocks: list[Block] = []
    parts: list[str] = []
    flags = {"link": 0, "bold": 0, "italic": 0}
    owner: list[HtmlElement | None] = [None]
    stack: list[HtmlElement] = [container]

    def flush() -> None:
        if not parts:
            return  # nothing added since the last flush: the flags and owner are still reset
        text = squash("".join(parts))
        if text:
            blocks.append(Block(text, owner[0], flags["link"], flags["bold"], flags["italic"]))
        parts.clear()
        flags.update(link=0, bold=0, italic=0)
        owner[0] = None

    def add(text: str | None, link: bool, bold: bool, italic: bool) -> None:
        if not text:
            return
        if owner[0] is None and text.strip():
            owner[0] = stack[-1]
        parts.append(text)
        n = len(text.replace(" ", "").strip())
        flags["link"] += n if link else 0
        flags["bold"] += n if bold else 0
        flags["italic"] += n if italic else 0

    def walk(el: HtmlElement, link: bool, bold: bool, italic: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag in _BLOCK_TAGS
        if block:
            flush()
            stack.append(el)
        link = link or tag == "a"
        bold = bold or tag in ("b", "strong") or "bold" in (el.get("style") or "").replace(" ", "")
        italic = italic or tag in ("em", "i")
        if tag:
            add(el.text, link, bold, italic)
        for child in el:
            walk(child, link, bold, italic)
            add(child.tail, link, bold, italic)
        if block:
            flush()
            stack.pop()

    walk(container, False, False, False)
    flush()
    return blocks


def strip_boilerplate_blocks(blocks: list[Block]) -> list[Block]:
    """Drop box labels and the link lists after them; cut at the comment form or the footer.

    A box label never ends the body: a trailing label, with the unlinked item titles after it, goes too.
    """
    out: list[Block] = []
    in_box = False
    last_label: int | None = None  # where in ``out`` the last dropped box label stood
    for block in blocks:
        text = block.text
        if out and _CUT_MARKERS.match(text) and len(text) < 200:
            break
        label, _, rest = text.partition(":")
        if _BOX_LABELS.match(text) or (rest and _BOX_LABELS.match(label) and block.link_ratio > 0.3):
            in_box = True
            last_label = len(out)
            continue
        if block.element is not None and block.element.tag == "li" and block.link_ratio > 0.6:
            continue
        if block.link_ratio > 0.8:
            # ">> Công chức, viên chức được nghỉ 9 ngày" style inline related links, or the list after a label.
            continue
        if text.startswith((">>", "»", "> >")) and block.link_ratio > 0.3:
            continue
        if "<" in text and MARKUP_TEXT.search(text):
            continue  # an ad tag or escaped HTML printed as text
        if in_box and block.link_ratio > 0.5:
            continue
        in_box = False
        out.append(block)
    return _drop_trailing_box(out, last_label)


_MAX_BOX_ITEM = 160


def _box_item(block: Block) -> bool:
    """A related item's title left without its link: short, not a sentence, not a line of names (a byline)."""
    text = block.text
    return len(text) <= _MAX_BOX_ITEM and not _END_PUNCT.search(text) and not looks_like_name_line(text)


def _drop_trailing_box(out: list[Block], last_label: int | None) -> list[Block]:
    if last_label is not None and last_label > 0 and all(_box_item(b) for b in out[last_label:]):
        out = out[:last_label]  # "Tin liên quan" and the bare titles after it
    while out:
        label, colon, rest = out[-1].text.partition(":")
        if not (colon and _BOX_LABELS.match(label.strip()) and len(rest) <= _MAX_BOX_ITEM):
            break
        out = out[:-1]  # "Xem thêm: <a title whose link was removed>"
    return out


def _edge_key(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


_MAX_TOP_DROPS = 4


def drop_top_repeats(blocks: list[Block], repeats: list[str], is_stamp: Callable[[str], bool]) -> list[Block]:
    """Drop the headline, sapo and date stamp a container repeats above the text.

    ``repeats`` are the headline (as displayed and as in the metadata) and the sapo; a block equal to one of them
    (case and punctuation aside), or a truncated copy ("... hơn 200..."), goes, and so does a block
    ``is_stamp`` says is a date line. Only the first few blocks are looked at; the first other block stops it.
    """
    keys = {_edge_key(r) for r in repeats if r}
    keys.discard("")
    dropped = 0
    while blocks and dropped < _MAX_TOP_DROPS:
        text = blocks[0].text
        key = _edge_key(text)
        if not (key in keys or _truncated_copy(text, keys) or is_stamp(text)):
            break
        blocks = blocks[1:]
        dropped += 1
    return blocks


def _truncated_copy(text: str, keys: set[str]) -> bool:
    # MEDIATECH prints a truncated sapo ("... hơn 200...") above the full one.
    stem = text.rstrip(".… ")
    if len(stem) < 30 or stem == text:
        return False
    key = _edge_key(stem)
    return any(k.startswith(key) for k in keys)


def _aligned_right(el: HtmlElement | None, container: HtmlElement) -> bool:
    node = el
    while node is not None:
        style = (node.get("style") or "").replace(" ", "").lower()
        if "text-align:right" in style or (node.get("align") or "").lower() == "right":
            return True
        classes = (node.get("class") or "").lower()
        if re.search(r"(^|\s)(text-right|align-right|right|author|tacgia|tac-gia|byline)(\s|$)", classes):
            return True
        if node is container:
            break
        node = node.getparent()
    return False


def looks_like_name_line(text: str) -> bool:
    """A short line of capitalised words, as bylines are ("CTV Hiền Lương", "Tin, ảnh: Vũ Phương Thảo")."""
    if len(text) > 90 or (_END_PUNCT.search(text.rstrip(")")) and not text.endswith(")") and not _INITIALS.match(text)):
        return False  # a sentence ends with a full stop; initials ("H.V.", "N.T.") end with their own dot
    words = _words(text)
    if not words or len(words) > 12:
        return False
    capital = _capitalised(words)
    return capital >= len(words) - 1 and capital >= 1


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_][^\s,:;/()\-–]*", text)


def _capitalised(words: list[str]) -> int:
    return sum(1 for w in words if w[0].isupper() or w.lower() in _BYLINE_WORDS)


def take_trailing_byline(blocks: list[Block], container: HtmlElement, accept: Any) -> tuple[list[Block], str | None]:
    """Lift the byline out of the body's end: the last right-aligned and/or bold short paragraph(s).

    ``accept(raw) -> bool`` says whether a candidate parses as a byline (``parse_byline`` found names, a group or
    a source). A right-aligned paragraph that is not at the end (a reader's signature in a Q&A) stays.
    """
    taken: list[str] = []
    end = len(blocks)
    trailers = 0
    # An editor's note or promo line after the signature ("* Mời bạn đọc vào chuyên mục ...") stays in the body,
    # and the signature before it is still the byline.
    while trailers < 2 and len(blocks) - trailers > 1 and _is_trailer(blocks[len(blocks) - 1 - trailers]):
        trailers += 1
    last = len(blocks) - trailers
    for index in range(last - 1, max(-1, last - 4), -1):
        block = blocks[index]
        text = block.text
        if len(text) > 120:
            break
        if index > 0 and _attribution(text, blocks[index - 1].text):
            break
        italic_ratio = block.italic_chars / max(1, len(text.replace(" ", "")))
        styled = _aligned_right(block.element, container) or block.bold_ratio > 0.6 or italic_ratio > 0.6
        words = _words(text)
        # An italic editor's note ("Bài viết thể hiện quan điểm riêng...") is styled but not a line of names.
        styled = styled and bool(words) and _capitalised(words) * 2 >= len(words)
        plain_ok = looks_like_name_line(text)
        if not ((styled and len(text) <= 120) or plain_ok):
            break
        if not accept(text):
            break
        taken.insert(0, text)
        end = index
        if not styled and len(taken) >= 2:
            break  # at most two plain lines ("Nhóm PV" / "Theo Infonet")
    if not taken:
        return blocks, None
    return blocks[:end] + blocks[last:], "\n".join(taken)


# Lines printed after the signature: an asterisked editor's note, a reading invitation, a "see also" pointer.
# A bare web address (the outlet's own, printed under the signature) is one too.
_TRAILER = re.compile(
    r"^(?:\*|\(\*\)|mời (?:quý )?(?:bạn đọc|độc giả)\b|>>|xem thêm\b|đọc thêm\b"
    r"|(?:https?://|www\.)\S+$|[\w-]+(?:\.[\w-]+)*\.(?:vn|com|net|org|info)(?:/\S*)?$)",
    re.IGNORECASE,
)
# Forms of address that introduce the person a quote is from ("Anh Y Blơ Niê", "Cô Hoa"), never a reporter.
_ADDRESS = re.compile(r"^[\-–—(\s]*(?:anh|chị|em|cô|thầy|ông|bà|chú|bác|cụ|cháu|già|mẹ|bạn)\s", re.IGNORECASE)
_CLOSING_QUOTE = re.compile(r"[”\"»’]\s*[.!?…]?\s*$")


def _is_trailer(block: Block) -> bool:
    return len(block.text) <= 200 and (_TRAILER.match(block.text) is not None or block.link_ratio > 0.5)


def _attribution(text: str, previous: str) -> bool:
    """A line naming who spoke the quote that ends the paragraph before it ("Anh Nguyễn Văn Ba, nông dân")."""
    return _CLOSING_QUOTE.search(previous) is not None and _ADDRESS.match(text) is not None and len(text.split()) >= 3
