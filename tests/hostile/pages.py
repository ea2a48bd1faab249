"""Our own article pages (Vietnamese prose written for these tests) and the hostile variants built from them."""

from __future__ import annotations

import gzip
import html
import random

PARAGRAPHS = [
    "Sáng nay, hàng trăm nông dân ở huyện Đắk Hà mang cà phê tươi đến điểm thu mua, giá cao hơn năm ngoái gần một "
    "phần ba nên ai cũng phấn khởi sau nhiều tháng chăm sóc vườn cây.",
    "Theo phòng nông nghiệp huyện, diện tích cà phê cho thu hoạch năm nay tăng thêm khoảng bốn trăm héc-ta, phần lớn "
    "là vườn tái canh bằng giống mới chịu hạn tốt và cho năng suất cao hơn.",
    "Nhiều hộ cho biết họ đã thuê thêm nhân công từ các xã lân cận để kịp hái quả chín trước đợt mưa cuối mùa, "
    "tránh để hạt rụng xuống đất làm giảm chất lượng.",
    "Chính quyền địa phương khuyến cáo người dân không bán cà phê non, phơi sấy đúng kỹ thuật và liên kết với doanh "
    "nghiệp để giữ giá ổn định trong những vụ tới.",
]


def article_html(
    n: int,
    *,
    title: str | None = None,
    published: str = "2025-05-20T08:30:00+07:00",
    byline: str = "Minh Châu",
    charset: str | None = "utf-8",
    paragraphs: list[str] | None = None,
    extra_body: str = "",
) -> str:
    """A plain news article page (schema.org NewsArticle + visible header), number ``n`` of a generated site."""
    title = title or f"Nông dân Đắk Hà được mùa cà phê, bài số {n}"
    paras = paragraphs if paragraphs is not None else [f"{p} (Bài {n}.)" for p in PARAGRAPHS]
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return (
        f"<!DOCTYPE html><html lang='vi'><head>{meta}<title>{html.escape(title)}</title>"
        f'<meta property="og:title" content="{html.escape(title)}">'
        f'<meta property="article:published_time" content="{published}">'
        "</head><body><article>"
        f'<h1 class="title">{html.escape(title)}</h1><div class="date">{published}</div>'
        f'<div class="entry-content">{body}{extra_body}<p class="author"><strong>{html.escape(byline)}</strong></p>'
        "</div></article></body></html>"
    )


def truncations(page: bytes, count: int = 12, seed: int = 8) -> list[bytes]:
    """``page`` cut at random byte offsets, including mid-tag and mid-UTF-8-sequence."""
    rng = random.Random(seed)
    return [page[: rng.randrange(1, len(page))] for _ in range(count)]


def huge_page(size: int = 10 * 1024 * 1024) -> bytes:
    """A ~``size`` byte article page: one real article followed by a flood of repeated paragraphs."""
    filler = "<p>" + " ".join(PARAGRAPHS) + "</p>"
    repeats = max(1, size // len(filler.encode()))
    return article_html(1, extra_body=filler * repeats).encode("utf-8")


def binary_junk(size: int = 200_000, seed: int = 8) -> bytes:
    """Random bytes with a PNG signature: what a misconfigured server sends as text/html."""
    rng = random.Random(seed)
    return b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(size))


def gzip_bomb(size: int = 64 * 1024 * 1024) -> bytes:
    """Gzip of ``size`` zero bytes (tens of kB compressed): a decompression bomb."""
    return gzip.compress(b"\0" * size, compresslevel=9)


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def xml_bomb_feed(base: str) -> str:
    """An RSS feed whose item title expands to a billion "lol"s if entities are expanded."""
    return (
        BILLION_LAUGHS + f"<rss version='2.0'><channel><title>&lol9;</title><item><title>&lol9;</title>"
        f"<link>{base}/a/bomb-feed-item.html</link></item></channel></rss>"
    )


def xxe_sitemap(base: str, secret_path: str, callback: str) -> str:
    """A sitemap with external entities: a local file and a URL that must never be fetched."""
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE urlset [\n'
        f'<!ENTITY file SYSTEM "file://{secret_path}">\n<!ENTITY remote SYSTEM "{callback}">\n]>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/a/xxe-&file;.html</loc></url><url><loc>{base}/a/xxe2-&remote;.html</loc></url></urlset>"
    )
