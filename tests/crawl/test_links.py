"""ingest.links: URL shapes per family (real shapes from the dev-set listings, OUTLETS.md and VIETNAMESE.md), the
page-level template rule, chrome links, pagination forms and announced feeds."""

from __future__ import annotations

import re

import pytest

from ingest.links import classify_links, feed_links, next_page, page_form, pattern_for_template, url_shape
from ingest.registry import load_sites

# Article URLs, one family a group, copied from the dev-set listings and the outlet notes.
ARTICLES = {
    "z-cms -post<id>": [
        "https://baogialai.com.vn/tin-post565021.html",
        "https://baolaocai.vn/song-dep-tu-nhung-dieu-gian-di-post404649.html",
    ],
    "vdoc -a<id>": [
        "https://baocantho.com.vn/tap-trung-trien-khai-cac-dot-thanh-tra-kiem-tra-a196670.html",
        "https://baobinhduong.vn/hiem-nguy-chuc-cho--a230569.html",
    ],
    "-d<id> (baodautu)": ["https://baodautu.vn/chung-khoan-phien-63-rung-lac-manh-vn-index-ve-1767-diem-d538930.html"],
    "vnpt dated slug-hex": ["https://baoquangngai.vn/chinh-tri/202306/ky-uc-mot-thoi-a9f5bad"],
    "vccorp 18-digit .htm/.chn": [
        "https://tuoitre.vn/chien-su-day-gia-hoa-nhap-khau-dip-8-3-tang-manh-20260307075519174.htm",
        "https://cafef.vn/vinacapital-bat-ky-nhip-sut-giam-dang-ke-nao-cua-vn-index-188260305232650721.chn",
        "http://genk.vn/dien-thoai/5-tinh-nang-duoc-trong-cho-tren-smartphone-android-2012122712160137.chn",
    ],
    "slug-<id>.html (onecms, vietnamnet, vnexpress)": [
        "https://vietnamnet.vn/co-phieu-flc-duoc-giao-dich-tro-lai-2495349.html",
        "https://vnexpress.net/cach-cac-nuoc-doi-pho-cu-soc-nang-luong-tu-trung-dong-5047363.html",
    ],
    "dated path (wordpress, vnexpress 2012)": [
        "https://kontumtv.vn/2025/06/01/bai-viet-moi/",
        "http://vnexpress.net/gl/xa-hoi/2012/12/lao-dong-nu-nghi-sinh-6-thang-tu-thang-1-2013/",
    ],
    "numeric id segment (baophuyen legacy)": ["https://phuyen.baodaklak.vn/82/58118/thu-tuong-lam-viec-voi-tinh.html"],
    ".bbg -postid": ["https://baobacninhtv.vn/hoi-nghi-tong-ket-postid412345.bbg"],
    "15-digit id (baoninhbinh)": ["https://baoninhbinh.org.vn/ninh-binh-don-bang-khen-020250701101530123.html"],
    "baomoi .epi": ["https://baomoi.net.vn/sap-nhap-bao-quang-ngai-voi-dai-phat-thanh-c52294837.epi"],
}
# Never articles, whatever their shape: sections, taxonomies, topics, pagination, services, files.
NOT_ARTICLES = [
    ("https://vnexpress.net/kinh-doanh", "listing"),
    ("https://dantri.com.vn/kinh-doanh.htm", "listing"),
    ("https://cafef.vn/thi-truong-chung-khoan.chn", "listing"),
    ("https://baodautu.vn/tai-chinh-chung-khoan-d6/", "listing"),
    ("https://baodanang.vn/quang-nam-ptag.html", "listing"),
    ("https://vnexpress.net/chu-de/gia-vang-1403", "listing"),
    ("https://baochinhphu.vn/chu-de/51-luat-duoc-quoc-hoi-thong-qua-tai-ky-hop-thu-10-274.htm", "listing"),
    ("https://dantri.com.vn/event/viet-nam-vo-dich-billiards-the-gioi-8376.htm", "listing"),
    ("https://kontumtv.vn/category/video-clip/thoi-su/page/2/", "listing"),
    ("https://kontumtv.vn/tag/kon-tum/", "listing"),
    ("https://baogialai.com.vn/tim-kiem/?q=lua", "listing"),
    ("https://vnexpress.net/kinh-doanh-p2", "listing"),
    ("https://vietnamnet.vn/kinh-doanh-page2", "listing"),
    ("https://baocantho.com.vn/thoi-su?p=2", "listing"),
    ("https://kontumtv.vn/2025/06/", "listing"),
    ("https://baogialai.com.vn/lien-he.html", "other"),
    ("https://baogialai.com.vn/bao-in/", "other"),
    ("https://baogialai.com.vn/rss/home.rss", "other"),
    ("https://baogialai.com.vn/uploads/2025/06/anh-1.jpg", "other"),
    ("https://baogialai.com.vn/", "other"),
    ("https://baogialai.com.vn/trang-chu.html", "other"),
]


@pytest.mark.parametrize(("family", "url"), [(f, u) for f, urls in ARTICLES.items() for u in urls])
def test_article_shapes_decide_alone(family: str, url: str) -> None:
    shape = url_shape(url)
    assert (shape.kind, shape.strength) == ("article", 2), (family, shape)
    # The template's pattern matches the URL it was learned from.
    assert re.search(pattern_for_template(shape.template), url)


@pytest.mark.parametrize(("url", "kind"), NOT_ARTICLES)
def test_non_article_shapes(url: str, kind: str) -> None:
    assert url_shape(url).kind == kind


@pytest.mark.parametrize(
    "url",
    [
        "https://huengaynay.vn/amp.aspx?newid=149647",
        "https://baobinhdinh.vn/viewer.aspx?mabb=123456",
        "https://portal.example.vn/thoi-su/58123/",
        "https://kontumtv.vn/hoi-nghi-tong-ket-cong-tac-quoc-phong-nam-2021/",
    ],
)
def test_weaker_shapes_need_the_page(url: str) -> None:
    shape = url_shape(url)
    assert (shape.kind, shape.strength) == ("article", 1)


def test_registry_examples_are_article_shaped() -> None:
    """Every real example URL of the registry looks like an article (strong or page-confirmed shape)."""
    for site in load_sites().values():
        for url in site.example_urls:
            assert url_shape(url).kind == "article", (site.name, url)


def _page(items: str, nav: str = "", footer: str = "") -> str:
    return f"<html><body><nav>{nav}</nav><div class='list'>{items}</div><footer>{footer}</footer></body></html>"


def test_page_confirms_a_template_only_from_the_content_area() -> None:
    slugs = [f"cuoc-thi-sang-tao-tre-lan-thu-{w}-thu-hut-hang-tram-hoc-sinh" for w in ("nhat", "hai", "ba", "tu")]
    items = "".join(f'<h3><a href="/{s}/">Cuộc thi sáng tạo trẻ lần thứ {s} thu hút học sinh</a></h3>' for s in slugs)
    footer = '<a href="/chinh-sach-bao-ve-du-lieu-ca-nhan-cua-toa-soan/">Chính sách bảo vệ dữ liệu cá nhân</a>'
    nav = '<a href="/thoi-su/">Thời sự</a><a href="/van-hoa-the-thao/">Văn hóa - Thể thao</a>'
    page = classify_links(_page(items, nav, footer), "https://x.example.vn/chuyen-muc/tin/")
    assert sorted(page.articles) == sorted(f"https://x.example.vn/{s}/" for s in slugs)
    # The same links in the menu alone are not enough: no content area shows the template.
    only_nav = classify_links(_page("", items + nav, footer), "https://x.example.vn/chuyen-muc/tin/")
    assert only_nav.articles == []


def test_section_boxes_are_not_articles() -> None:
    boxes = "".join(
        f'<h2><a href="/{s}/">{t}</a></h2>'
        for s, t in [
            ("van-hoa-the-thao-du-lich", "Văn hóa - Thể thao - Du lịch"),
            ("quoc-phong-an-ninh", "Quốc phòng - An ninh"),
            ("khoa-hoc-cong-nghe", "Khoa học - Công nghệ"),
            ("giao-duc-dao-tao", "Giáo dục - Đào tạo"),
        ]
    )
    page = classify_links(_page(boxes), "https://x.example.vn/")
    assert page.articles == []
    assert len(page.links) == 4
    # Sections of up to four words are listings; a longer one is left unclassified (its template is unconfirmed).
    assert len(page.listings) == 3


def test_links_to_other_sites_and_javascript_are_left_out() -> None:
    html = _page(
        '<a href="https://other.vn/tin-post123456.html">x</a><a href="javascript:void(0)">y</a>'
        '<a href="https://m.x.example.vn/tin-moi-nhat-hom-nay-post123456.html">Tin mới nhất hôm nay</a>'
    )
    page = classify_links(html, "https://www.x.example.vn/")
    assert page.articles == ["https://m.x.example.vn/tin-moi-nhat-hom-nay-post123456.html"]


@pytest.mark.parametrize(
    ("current", "links", "expected"),
    [
        ("https://x.vn/thoi-su/", ["/thoi-su/trang-2.html", "/thoi-su/trang-3.html"], "/thoi-su/trang-2.html"),
        ("https://x.vn/thoi-su-c7.html", ["?p=2", "?p=3", "?p=5"], "/thoi-su-c7.html?p=2"),
        ("https://x.vn/thoi-su-c7.html?p=2", ["?p=1", "?p=3"], "/thoi-su-c7.html?p=3"),
        ("https://x.vn/cat/thoi-su/", ["/cat/thoi-su/page/2/"], "/cat/thoi-su/page/2/"),
        ("https://x.vn/kinh-doanh", ["/kinh-doanh-p2", "/kinh-doanh-p3"], "/kinh-doanh-p2"),
        ("https://x.vn/thoi-su/p3", ["/thoi-su/p2", "/thoi-su/p4"], "/thoi-su/p4"),
        ("https://x.vn/tin/?paged=1", ["?paged=2"], "/tin/?paged=2"),
        (
            "https://x.vn/kinh-doanh",
            ["/kinh-doanh-page0", "/kinh-doanh-page1", "/kinh-doanh-page2"],
            "/kinh-doanh-page1",
        ),
        # Only a "last page" link: page 2 is built in the same form, pages are never skipped.
        ("https://x.vn/thoi-su/", ["/thoi-su/trang-40.html"], "/thoi-su/trang-2.html"),
    ],
)
def test_numbered_pagination(current: str, links: list[str], expected: str) -> None:
    from urllib.parse import urljoin

    nxt, pages = next_page(current, [urljoin(current, u) for u in links])
    assert nxt == urljoin(current, expected)
    assert pages


def test_pagination_never_goes_back_or_to_another_listing() -> None:
    assert next_page("https://x.vn/thoi-su/trang-3.html", ["https://x.vn/thoi-su/trang-2.html"]) == (None, [])
    assert next_page("https://x.vn/thoi-su/", ["https://x.vn/kinh-te/trang-2.html"]) == (None, [])
    assert page_form("https://x.vn/tin-post123456.html") is None


def test_announced_feeds_without_comment_feeds() -> None:
    head = (
        '<html><head><link rel="alternate" type="application/rss+xml" href="/feed/">'
        '<link rel="alternate" type="application/rss+xml" title="X &raquo; Comments Feed" href="/comments/feed/">'
        '<link rel="alternate" type="application/atom+xml" href="/atom.xml">'
        '<link rel="alternate" hreflang="en" href="/en/"></head><body></body></html>'
    )
    assert feed_links(head, "https://x.vn/") == ["https://x.vn/feed/", "https://x.vn/atom.xml"]


def test_broken_input_gives_nothing_not_an_error() -> None:
    assert classify_links(b"", "https://x.vn/").links == []
    assert classify_links(b"\x00\xff<<<", "https://x.vn/").articles == []
    deep = "<div>" * 5000 + '<a href="/tin-moi-nhat-hom-nay-post123456.html">Tin</a>' + "</div>" * 5000
    assert len(classify_links(deep, "https://x.vn/").links) <= 1
    assert url_shape("http://[::1/broken").kind == "other"
