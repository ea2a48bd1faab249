"""A WordPress-shaped fixture site (the kontumtv registry entry's paths) whose article pages are hard to keep: pages
with no date and no byline found through every discovery route, and pages that cannot be stored as articles.

``scrapy crawl kontumtv -a start_url=BASE/`` crawls it. The undated articles are written so that nothing dates them
(no date in metadata, text or URL; no "hôm nay"-like words), and sign no byline: under the listing test they read as
listings. ``ROUTES_STORED`` must all be stored (undated); ``ROUTES_REJECTED`` must all be kept as rejects.
"""

from __future__ import annotations

import html

from tests.crawl.page_server import PageServer, Reply, html_reply
from tests.hostile import pages
from tests.hostile.legacy_text import vni

_PARAGRAPHS = [
    "Ủy ban nhân dân tỉnh vừa ban hành kế hoạch hỗ trợ đồng bào các xã vùng sâu chuyển đổi cơ cấu cây trồng, ưu "
    "tiên giống cà phê và mắc ca phù hợp với thổ nhưỡng của từng địa phương.",
    "Theo kế hoạch, mỗi hộ tham gia được cấp cây giống, phân bón và tập huấn kỹ thuật canh tác, đồng thời được kết "
    "nối với doanh nghiệp thu mua sản phẩm theo hợp đồng dài hạn.",
    "Các huyện được giao rà soát diện tích đất sản xuất kém hiệu quả, lập danh sách hộ đăng ký và báo cáo kết quả "
    "thực hiện về sở nông nghiệp trước khi triển khai trên diện rộng.",
    "Lãnh đạo tỉnh yêu cầu các đơn vị phối hợp chặt chẽ, công khai tiêu chí hỗ trợ và kiểm tra việc sử dụng kinh "
    "phí để chương trình đến đúng đối tượng, mang lại hiệu quả bền vững.",
]
# A sentence per page, so no two pages share their text (each is its own article, not a copy of another).
_TOPICS = {
    "tu-danh-sach": "Xã Đắk Ui được chọn làm điểm với ba mươi hộ tham gia đợt đầu tiên.",
    "tu-rss": "Huyện Sa Thầy đề xuất mở rộng mô hình sang các thôn dọc sông Pô Kô.",
    "tu-sitemap": "Hội nông dân tỉnh sẽ cử cán bộ theo dõi từng vườn cây trong suốt chu kỳ.",
    "tu-api": "Ngân hàng chính sách xã hội dành riêng một khoản vay ưu đãi cho các hộ nghèo.",
}

ROUTES_STORED = {f"/bai-viet/{slug}/" for slug in _TOPICS}
ROUTES_REJECTED = {
    "/bai-viet/trang-trong/": "no_body",
    "/bai-viet/qua-ngan/": "short_body",
    "/bai-viet/font-vni/": "legacy_font",
}
PDF_ROUTE = "/bai-viet/tai-lieu/"
PDF = b"%PDF-1.4\n1 0 obj\nstream\n\x00\x01\x02\x9c\x00"  # binary: Scrapy makes it a plain (non-text) Response


def undated_article(slug: str) -> str:
    """An article with a headline and four long paragraphs, and no date, byline or sapo anywhere."""
    title = f"Hỗ trợ đồng bào vùng sâu chuyển đổi cây trồng: {_TOPICS[slug].split(' ')[0]} {slug}"
    body = "".join(f"<p>{html.escape(p)}</p>" for p in [_TOPICS[slug], *_PARAGRAPHS])
    return (
        f"<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body><article><h1 class='entry-title'>{html.escape(title)}</h1>"
        f"<div class='entry-content'>{body}</div></article></body></html>"
    )


def short_page() -> str:
    return (
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Thông báo lịch tiếp dân</title></head>"
        "<body><article><h1>Thông báo lịch tiếp dân</h1><div class='entry-content'><p>Lãnh đạo huyện tiếp công dân"
        " định kỳ tại trụ sở.</p></div></article></body></html>"
    )


def legacy_page() -> bytes:
    """An article typed for the VNI font and served as windows-1252 (decoded, it is mojibake)."""
    page = pages.article_html(
        93,
        title=vni("Nông dân được mùa cà phê, bài số 93"),
        charset="windows-1252",
        paragraphs=[vni(p) for p in pages.PARAGRAPHS],
    )
    return page.encode("cp1252", errors="replace")


class LosslessSite(PageServer):
    """The routes; ``fix_short_page`` turns the short page into a whole, dated article (the site fixed it)."""

    def __init__(self) -> None:
        super().__init__()
        self.routes.update(
            {
                "/robots.txt": html_reply("User-agent: *\nAllow: /\n", "text/plain"),
                "/bai-viet/trang-trong/": html_reply(
                    "<html><head><meta charset='utf-8'><title>Trang đang cập nhật</title></head>"
                    "<body><h1>Trang đang cập nhật</h1></body></html>"
                ),
                "/bai-viet/qua-ngan/": html_reply(short_page()),
                "/bai-viet/font-vni/": html_reply(legacy_page(), "text/html"),
                PDF_ROUTE: (200, {"Content-Type": "application/pdf"}, PDF),
            }
        )
        for slug in _TOPICS:
            self.routes[f"/bai-viet/{slug}/"] = html_reply(undated_article(slug))

    def fix_short_page(self) -> None:
        self.routes["/bai-viet/qua-ngan/"] = html_reply(pages.article_html(7, title="Thông báo lịch tiếp dân"))

    def publish_discovery(self, base: str) -> None:
        """Listing, feed, sitemap and REST API, pointing at ``base`` (known once the server listens)."""
        listed = ["tu-danh-sach", "trang-trong", "qua-ngan", "font-vni", "tai-lieu"]
        links = "".join(f'<h2><a rel="bookmark" href="/bai-viet/{s}/">{s}</a></h2>' for s in listed)
        listing = f"<html><head><meta charset='utf-8'><title>Thời sự</title></head><body>{links}</body></html>"
        feed = (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Tin</title>"
            f"<item><title>Tin từ RSS</title><link>{base}/bai-viet/tu-rss/</link></item></channel></rss>"
        )
        sitemap = (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base}/bai-viet/tu-sitemap/</loc></url></urlset>"
        )
        api = f'[{{"link": "{base}/bai-viet/tu-api/"}}]'
        reply: dict[str, Reply] = {
            "/": html_reply(listing),
            "/category/video-clip/thoi-su/": html_reply(listing),
            "/feed/": html_reply(feed, "application/rss+xml"),
            "/wp-sitemap.xml": html_reply(sitemap, "application/xml"),
            "/wp-json/wp/v2/posts": (200, {"Content-Type": "application/json", "X-WP-TotalPages": "1"}, api.encode()),
        }
        self.routes.update(reply)
