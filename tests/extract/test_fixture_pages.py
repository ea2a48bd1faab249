"""Our own fixture pages, one per CMS family (VIETNAMESE.md sections 4 and 6), and the seed page."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

import pytest

from ingest.extract import Extracted, SiteProfile, extract_article, is_article_page
from ingest.normalize import VN_TZ, normalize_article


def _run(
    html: bytes, url: str, fetched: datetime | None = None, site: SiteProfile | None = None
) -> tuple[Extracted, dict[str, Any]]:
    raw = extract_article(html, url, fetched_at=fetched, site=site)
    return raw, normalize_article(asdict(raw), reference=fetched)


FETCHED = datetime(2026, 3, 8, 9, 0, tzinfo=VN_TZ)


# --- the seed article on a kontumtv.vn-style WordPress page -----------------------------------------------------


@pytest.mark.parametrize("comment_text_in_container", [False, True])
def test_seed_page(fixture_page: Any, seed_text: str, comment_text_in_container: bool) -> None:
    html = fixture_page.kontumtv(seed_text, with_comment_text=comment_text_in_container)
    raw, norm = _run(html, "https://kontumtv.vn/tin-tuc/thoi-su/ubnd-tinh", datetime(2021, 12, 20, 9, 0, tzinfo=VN_TZ))
    assert norm["published"].date().isoformat() == "2021-12-14"  # the header clock says 20/12/2021
    assert norm["part_of_day"] == "chiều"
    assert norm["authors"] == ["Hiền Lương"]
    assert norm["author_roles"] == {"Hiền Lương": ["contributor"]}
    article = [p for p in seed_text.split("\n\n") if p.strip()]
    last_sentence = article[article.index("CTV Hiền Lương") - 1].strip().rsplit(". ", 1)[-1]
    assert raw.body is not None
    assert raw.body.endswith(last_sentence)
    for form_text in ("Trả lời", "Email của bạn", "Các trường bắt buộc", "Bình luận", "CTV Hiền Lương", "Cơ quan"):
        assert form_text not in raw.body
    assert raw.body.startswith("(kontumtv.vn) – Chiều 14/12")
    assert raw.title == "UBND tỉnh tổng kết công tác quốc phòng, quân sự năm 2021"
    assert raw.category == ["Tin tức", "Thời sự"]
    assert raw.tags == ["quốc phòng", "quân sự"]
    assert is_article_page(raw)  # no date metadata, but a dateline


# --- one page per markup family ---------------------------------------------------------------------------------


def test_vccorp_afcbc(fixture_page: Any) -> None:
    raw, norm = _run(fixture_page.read("vccorp_afcbc.html"), "https://nld.com.vn/x-196251120093012345.htm", FETCHED)
    assert raw.title == "Nông dân Kon Tum trúng mùa cà phê"  # not the double-encoded JSON-LD headline
    assert norm["published"] == datetime(2025, 11, 20, 9, 30, tzinfo=VN_TZ)  # naive meta read as +07:00
    assert norm["authors"] == ["Hoàng Thạch"]  # JSON-LD author is an empty Person, meta author the company
    assert raw.lead is not None
    assert raw.lead.startswith("(NLĐO) - Giá cà phê")
    assert raw.body is not None
    assert raw.body.startswith("Những ngày này")  # the empty "TIN MỚI" box is gone
    assert raw.body.endswith("thương hiệu trên thị trường.")  # the trailing related item and its sapo are gone
    assert "Giá cao, người trồng yên tâm" in raw.body  # subheadings stay
    for boiler in ("Tham khảo thêm", "TIN MỚI", "Xuất khẩu cà phê", "Ảnh: HOÀNG THẠCH"):
        assert boiler not in raw.body
    assert raw.images == [
        {"url": "https://nld.mediacdn.vn/2025/11/20/ca-phe-1.jpg",
         "caption": "Nông dân thu hái cà phê ở Đăk Hà - Ảnh: HOÀNG THẠCH", "credit": "HOÀNG THẠCH"}
    ]  # fmt: skip
    assert raw.category == ["Kinh tế"]


def test_vnexpress_fck_detail(fixture_page: Any) -> None:
    raw, norm = _run(fixture_page.read("vnexpress_fck.html"), "https://vnexpress.net/x-4960001.html", FETCHED)
    assert norm["published"] == datetime(2025, 10, 28, 21, 15, tzinfo=VN_TZ)
    assert norm["authors"] == ["Tuấn Anh"]  # right-aligned last p.Normal; JSON-LD author is the Organization
    assert raw.body is not None
    assert raw.body.endswith("trong những ngày mưa lũ.")
    assert "Người dân được sơ tán" in raw.body
    assert "Mong bà con" not in raw.body  # reader comments are not the body
    assert raw.category == ["Thời sự", "Dân sinh"]
    assert raw.tags == ["Kon Tum", "sạt lở", "mưa lớn"]
    assert raw.images[0]["credit"] == "Tuấn Anh"


def test_zcms_cms_body(fixture_page: Any) -> None:
    raw, norm = _run(fixture_page.read("zcms_cms_body.html"), "https://baogialai.com.vn/x-post301234.html", FETCHED)
    # JSON-LD in @graph with a space before the offset: "2025-07-01T08:52:11.000 +07:00".
    assert norm["published"] == datetime(2025, 7, 1, 8, 52, 11, tzinfo=VN_TZ)
    assert norm["authors"] == ["Minh Châu"]
    assert raw.lead is not None
    assert raw.lead.startswith("GLO- Sáng 1/7")
    assert raw.body is not None
    assert "Tin liên quan" not in raw.body
    assert "Chư Păh đẩy nhanh" not in raw.body
    assert raw.body.endswith("nhất là vào mùa mưa.")
    assert raw.images[0]["url"] == "https://image.baogialai.com.vn/2025/07/01/duong.jpg"  # data-src, not the blank gif
    assert raw.canonical_url == "https://baogialai.com.vn/gia-lai-khoi-cong-tuyen-duong-lien-xa-post301234.html"
    assert raw.category == ["Xã hội"]


def test_vnpt_portal_with_nested_html(fixture_page: Any) -> None:
    url = "https://phuyen.baodaklak.vn/suc-khoe/201403/x-1a2b3c4/"
    raw, norm = _run(fixture_page.read("vnpt_nested_html.html"), url, FETCHED)
    assert raw.title == "Hỏi đáp: Trẻ bị sốt kéo dài nên làm gì?"  # not the second <h1> "Tin liên quan"
    assert norm["published"] == datetime(2014, 3, 31, 13, 0, tzinfo=VN_TZ)  # time first; not the stale "today"
    assert norm["authors"] == ["Đoàn Văn Hải"]  # not the "Bút danh" placeholder nor the reader's signature
    assert raw.lead is not None
    assert raw.lead.startswith("Con tôi 3 tuổi")
    assert raw.body is not None
    assert raw.body.startswith("Sốt kéo dài trên 3 ngày")  # the repeated question is dropped
    assert "PHÒNG NGỪA" in raw.body
    assert raw.body.endswith("không tự ý dùng kháng sinh.")
    for boiler in ("Ý kiến của bạn", "Gửi bình luận", "Tin liên quan", "Cơ quan chủ quản", "Bút danh"):
        assert boiler not in raw.body


def test_onecms_neko(fixture_page: Any) -> None:
    raw, norm = _run(fixture_page.read("onecms_neko.html"), "https://baodanang.vn/x-3301234.html", FETCHED)
    assert raw.title == "Đà Nẵng mở rộng tuyến xe buýt đến Hội An"  # entity-decoded
    # JSON-LD +07:00, never the false-UTC WebControl time nor the US-order meta.
    assert norm["published"] == datetime(2026, 3, 7, 8, 47, tzinfo=VN_TZ)
    assert [a.casefold() for a in norm["authors"]] == ["hoàng hiệp"]
    assert raw.lead is not None
    assert raw.lead.startswith("ĐNO - Từ ngày 10/3")
    assert raw.body is not None
    assert raw.body.startswith("Sở Xây dựng thành phố")  # in-entry header dropped
    for boiler in ("Cỡ chữ", "Mặc định", "Quảng cáo", "Bài liên quan", "POWERED BY", "Xe buýt tuyến số 1 tại"):
        assert boiler not in raw.body
    assert raw.images[0]["caption"] == "Xe buýt tuyến số 1 tại điểm đầu bến xe trung tâm."
    assert raw.tags == ["xe buýt", "Hội An"]


def test_vdoc_cms(fixture_page: Any) -> None:
    raw, norm = _run(fixture_page.read("vdoc_cms.html"), "https://baoangiang.com.vn/x-a470001.html", FETCHED)
    assert norm["published"] == datetime(2025, 11, 15, 7, 20, tzinfo=VN_TZ)
    assert norm["authors"] == ["Hữu Huy"]  # p.author.ignore; the JSON-LD author is the Organization
    assert raw.body is not None
    assert raw.body.endswith("yên tâm sản xuất.")
    assert "Ủng hộ Báo An Giang" not in raw.body  # hidden box
    assert "Ảnh: HỮU HUY" not in raw.body
    # <base href> points at the static host: images resolve against it.
    assert raw.images[0]["url"] == "https://cdn.baoangiang.com.vn/uploads/2025/11/15/lua.jpg"
    assert raw.tags == ["lúa đông xuân", "An Giang"]  # the tag widget, not the site-wide Keywords meta


def test_mediatech_stray_html_end_tag(fixture_page: Any) -> None:
    raw, norm = _run(fixture_page.read("mediatech_stray_html.html"), "https://baotayninh.vn/x-125001.html", FETCHED)
    assert raw.title == "Tây Ninh: Hội nghị xúc tiến đầu tư vào khu kinh tế cửa khẩu"
    assert norm["published"] == datetime(2025, 9, 12, 14, 5, tzinfo=VN_TZ)  # not the 2026 header strip
    assert norm["authors"] == ["Minh Khoa"]
    assert raw.authors_hint == []  # the JSON-LD "author" is the CMS login "longantv"
    assert raw.lead is not None
    assert raw.lead.endswith("trong và ngoài nước.")  # the full p.sapo, not the cut div
    assert raw.body is not None
    assert raw.body.startswith("Tại hội nghị")
    assert raw.body.endswith("chế biến nông sản.")
    assert raw.canonical_url == "https://baotayninh.vn/tay-ninh-hoi-nghi-xuc-tien-dau-tu-125001.html"


def test_site_selectors_come_first(fixture_page: Any) -> None:
    site = SiteProfile(
        name="nld",
        selectors={"title": ".detail-cate a", "byline": "[data-role=publishdate]", "published": ".detail-time div"},
    )
    raw, _ = _run(fixture_page.read("vccorp_afcbc.html"), "https://nld.com.vn/x.htm", FETCHED, site)
    assert raw.title == "Kinh tế"  # the (deliberately odd) registry selector wins over every generic rule
    assert raw.published_raw == "20/11/2025 09:30 GMT+7"


def test_old_vnexpress_family_date_only_in_a_script(fixture_page: Any) -> None:
    url = "http://ngoisao.net/tin-tuc/2012/12/ca-si-tre-ra-mat-album/"
    raw, norm = _run(
        fixture_page.read("ngoisao_2012_script_date.html"), url, datetime(2012, 12, 22, 8, 0, tzinfo=VN_TZ)
    )
    assert raw.title == "Ca sĩ trẻ ra mắt album nhạc Trịnh"  # the only <h1> is the site slogan
    assert norm["published"] == datetime(2012, 12, 21, 15, 20, tzinfo=VN_TZ)  # not the header's "today"
    assert norm["authors"] == ["Mai Anh"]
    assert raw.body is not None
    assert raw.body.startswith("Buổi ra mắt diễn ra tối 20/12")
    assert raw.body.endswith("từ cuối tháng 12.")
    assert "Tôi rất thích" not in raw.body  # long reader comments are a classic false body
    assert raw.images[0]["credit"] == "Hoàng Hà"


def test_registry_remove_selector_cleans_the_body_only(fixture_page: Any) -> None:
    site = SiteProfile(
        name="danang",
        selectors={"title": "h1.sc-longform-header-title", "remove": ".sc-longform-header, .c-font-size, p em"},
    )
    raw, _ = _run(fixture_page.read("onecms_neko.html"), "https://baodanang.vn/x.html", FETCHED, site)
    assert raw.title == "Đà Nẵng mở rộng tuyến xe buýt đến Hội An"  # found before the header was removed
    assert raw.body is not None
    assert raw.body.startswith("Sở Xây dựng")
    assert "Xe buýt tuyến số 1" not in raw.body


@pytest.mark.parametrize(
    ("page", "selectors"),
    [
        ("vdoc_cms.html", {"body": "#newscontents .content-fck", "remove": "p.note.ignore, p.author.ignore"}),
        ("onecms_neko.html", {"body": ".c-news-detail .entry", "published": "span.sc-longform-header-date"}),
        ("vnpt_nested_html.html", {"body": ".content-fully .content-detail", "lead": ".content-reply p.reply"}),
    ],
)
def test_family_selectors_give_the_same_article(fixture_page: Any, page: str, selectors: dict[str, str]) -> None:
    html = fixture_page.read(page)
    generic, generic_norm = _run(html, "https://example.vn/a.html", FETCHED)
    profiled, profiled_norm = _run(html, "https://example.vn/a.html", FETCHED, SiteProfile("x", selectors))
    assert profiled.body == generic.body
    assert profiled_norm["published"] == generic_norm["published"]
    assert profiled_norm["authors"] == generic_norm["authors"]


def test_only_h1_is_the_site_slogan(fixture_page: Any) -> None:
    url = "http://ione.vnexpress.net/tin-tuc/thoi-trang/2012/12/sieu-mau/"
    raw, norm = _run(fixture_page.read("ione_2012_slogan_h1.html"), url, datetime(2012, 12, 24, 8, 0, tzinfo=VN_TZ))
    assert raw.title == "Siêu mẫu Việt - Mỹ khoe dáng ở Tuần lễ thời trang"  # <title> without " - iOne"
    assert norm["published"] == datetime(2012, 12, 21, 15, 20, tzinfo=VN_TZ)  # "15:20 PM | 21/12/2012"
    assert norm["authors"] == []
    assert raw.byline_raw == "Theo Ngoisao"  # a source line, not an author: it leaves the body
    assert norm["source"] is not None
    assert raw.body is not None
    assert raw.body.endswith("thêu tay tinh xảo.")
    assert raw.category == ["Thời trang"]
