"""Minimal hand-written pages for the generic extraction rules: a page frame with no known CMS container.

The frame has the chrome real pages have (a menu, a related-news list, a footer) under neutral class names, so the
rules under test are the generic ones (scored finder, text-density fallback, trailing byline), never a family's
selectors. Each test supplies only the article part that shows its one failure class.
"""

from __future__ import annotations

# Ordinary article sentences: long enough to read as body text, with the commas and full stops prose has.
PARA = [
    "Sáng 12/3, UBND tỉnh tổ chức hội nghị tổng kết công tác phòng chống thiên tai năm qua, đánh giá kết quả "
    "và đề ra nhiệm vụ trọng tâm cho mùa mưa bão sắp tới.",
    "Theo báo cáo, trong năm qua trên địa bàn tỉnh xảy ra nhiều đợt mưa lớn, gây sạt lở đất tại các huyện miền núi, "
    "làm hư hỏng hơn 40 km đường giao thông nông thôn và nhiều công trình thủy lợi.",
    "Các địa phương đã chủ động sơ tán hàng trăm hộ dân ra khỏi vùng nguy hiểm, bố trí lực lượng trực 24/24 giờ, "
    "chuẩn bị lương thực, thuốc men và phương tiện cứu hộ tại chỗ.",
    "Phát biểu kết luận hội nghị, lãnh đạo tỉnh đề nghị các sở, ngành rà soát lại phương án ứng phó, nhất là "
    "tại các khu dân cư ven sông, suối, và hoàn thành việc gia cố đê kè trước tháng 6.",
]
TITLE = "Tổng kết công tác phòng chống thiên tai năm 2025"


def paragraphs(*extra: str, count: int = 4) -> str:
    """The ordinary body paragraphs, then ``extra`` HTML (the part a test is about)."""
    return "".join(f"<p>{p}</p>" for p in PARA[:count]) + "".join(extra)


def frame(article: str, *, head: str = "", container: str = "div", cls: str = "k7x") -> bytes:
    """A whole page: ``article`` (HTML) is the article's text, inside an element of no known CMS family."""
    related = "".join(
        f'<li><a href="/tin-{i}.html">Tin khác số {i} về giao thông và đời sống trong tỉnh</a></li>' for i in range(8)
    )
    menu = "".join(f'<a href="/m{i}">Chuyên mục {i}</a> ' for i in range(10))
    return (
        "<!DOCTYPE html><html lang=vi><head><meta charset=utf-8>"
        f"<title>{TITLE} - Báo Tỉnh</title>{head}</head><body>"
        f'<div class="q1">{menu}</div>'
        f'<div class="q2"><div class="q3"><h1 class="q4">{TITLE}</h1>'
        '<div class="q5">Thứ năm, 12/03/2026 08:30</div>'
        f'<{container} class="{cls}">{article}</{container}>'
        f'</div><div class="q6"><ul>{related}</ul></div></div>'
        '<div class="q7">Cơ quan chủ quản: UBND tỉnh. Giấy phép số 12/GP-BTTTT.</div>'
        "</body></html>"
    ).encode()
