"""Article texts for the fixture sites, composed by us from phrase templates (never copied from a real site).

Every article is a pure function of its number, so a site of 20000 pages costs a list of small records and each
page's text is built only when it is served. The texts read like provincial news (an agency, an action, a topic,
a place) with Vietnamese diacritics, a dateline-free body of several paragraphs and a byline.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

VN_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")

# The fixture sites' clock: article n is published `n` steps before this (a fixed point keeps pages stable).
EPOCH: Final = datetime(2025, 6, 20, 9, 30, tzinfo=VN_TZ)

_AGENCIES: Final = (
    "UBND tỉnh",
    "Sở Nông nghiệp và Môi trường",
    "Hội Nông dân tỉnh",
    "Sở Giáo dục và Đào tạo",
    "Bộ Chỉ huy Quân sự tỉnh",
    "Sở Y tế",
    "Ban Dân tộc tỉnh",
    "Tỉnh đoàn",
    "Hội Liên hiệp Phụ nữ tỉnh",
    "Sở Văn hóa, Thể thao và Du lịch",
)
_ACTIONS: Final = (
    "tổ chức hội nghị tổng kết",
    "triển khai kế hoạch",
    "kiểm tra tiến độ",
    "sơ kết 6 tháng thực hiện",
    "phát động phong trào",
    "ra quân hưởng ứng",
    "tập huấn nâng cao năng lực về",
    "trao hỗ trợ cho các hộ tham gia",
)
_TOPICS: Final = (
    "xây dựng nông thôn mới",
    "phòng, chống thiên tai",
    "chuyển đổi số",
    "cải cách hành chính",
    "giảm nghèo bền vững",
    "trồng rừng và bảo vệ rừng",
    "phát triển cây dược liệu",
    "bảo tồn văn hóa cồng chiêng",
    "an toàn giao thông",
    "tiêm chủng mở rộng",
)
_PLACES: Final = (
    "huyện Đắk Hà",
    "huyện Sa Thầy",
    "huyện Ngọc Hồi",
    "thành phố Kon Tum",
    "thị xã An Khê",
    "huyện Chư Păh",
    "thành phố Pleiku",
    "huyện Krông Pắc",
    "xã Ia Chim",
    "huyện Kon Plông",
)
_OPENERS: Final = (
    "Theo báo cáo, trong thời gian qua {agency} đã phối hợp chặt chẽ với các địa phương, nhất là {place}, "
    "để đưa công tác {topic} đi vào chiều sâu, tạo sự chuyển biến rõ nét trong nhận thức của cán bộ và nhân dân.",
    "Tại {place}, nhiều mô hình hay về {topic} được nhân rộng; người dân tích cực hưởng ứng, hiến đất, góp "
    "công, góp sức cùng chính quyền thực hiện các tiêu chí đã đề ra.",
    "Phát biểu tại buổi làm việc, lãnh đạo {agency} đánh giá cao kết quả đạt được, đồng thời chỉ ra những hạn "
    "chế cần khắc phục như nguồn lực còn hạn hẹp, việc phối hợp giữa các ngành có lúc chưa đồng bộ.",
    "Năm {year}, toàn tỉnh phấn đấu hoàn thành {count} chỉ tiêu về {topic}; trong đó ưu tiên các xã vùng sâu, "
    "vùng xa và vùng đồng bào dân tộc thiểu số của {place}.",
    "Các đại biểu đã thảo luận, đề xuất nhiều giải pháp thiết thực nhằm tháo gỡ khó khăn, vướng mắc trong quá "
    "trình triển khai, bảo đảm tiến độ và chất lượng công trình, dự án.",
    "Dịp này, {agency} đã khen thưởng {count} tập thể và cá nhân có thành tích xuất sắc trong phong trào thi đua "
    "{topic} giai đoạn {year0}-{year}.",
    "Kết thúc chương trình, đoàn công tác đã đến thăm, tặng quà cho các gia đình chính sách, hộ nghèo tại "
    "{place}, động viên bà con vươn lên phát triển kinh tế, ổn định cuộc sống.",
)
# Fragments for composed sentences: many small pools, so two articles share few word runs (a 20000-page load
# site must not look like 20000 near-duplicates to the near-duplicate fingerprint).
_WHEN: Final = (
    "Sáng {d}/{m}",
    "Chiều {d}/{m}",
    "Trong tháng {m}",
    "Từ đầu năm đến nay",
    "Tuần qua",
    "Ngay sau Tết",
    "Trong quý vừa qua",
    "Tối {d}/{m}",
    "Đến cuối tháng {m}",
    "Mấy năm gần đây",
    "Trước mùa mưa",
    "Dịp cuối tuần",
)
_WHO: Final = (
    "bà con thôn {village}",
    "đoàn viên thanh niên xã {commune}",
    "các hợp tác xã ở {commune}",
    "lực lượng dân quân {commune}",
    "giáo viên Trường Tiểu học {commune}",
    "cán bộ y tế thôn {village}",
    "nhiều hộ đồng bào Xơ Đăng ở {village}",
    "Ban quản lý rừng phòng hộ {commune}",
    "chi hội phụ nữ làng {village}",
    "người dân vùng lòng hồ {commune}",
    "các doanh nghiệp nhỏ ở thị trấn {commune}",
    "tổ tự quản đường làng {village}",
    "nông dân trồng cà phê tại {commune}",
    "học sinh bán trú {commune}",
)
_DID: Final = (
    "đã trồng thêm {n} ha sâm dây",
    "đã sửa chữa {n} mét kênh mương nội đồng",
    "đã hỗ trợ {n} ngày công làm nhà",
    "đã tiêm bổ sung cho {n} trẻ em",
    "đã thu hoạch {n} tấn cà phê",
    "đã mở {n} lớp xóa mù chữ",
    "đã cấp {n} thẻ bảo hiểm y tế",
    "đã bê tông hóa {n} mét đường liên thôn",
    "đã tổ chức {n} buổi tuyên truyền pháp luật",
    "đã chuyển đổi {n} ha lúa kém hiệu quả",
    "đã vận động được {n} triệu đồng",
    "đã tuần tra {n} lượt trên các tiểu khu rừng",
    "đã nuôi thử nghiệm {n} lồng cá",
    "đã lắp đặt {n} bóng đèn năng lượng mặt trời",
)
_RESULT: Final = (
    "vượt kế hoạch đề ra",
    "góp phần nâng cao thu nhập cho người dân",
    "được chính quyền địa phương ghi nhận",
    "tạo thêm việc làm cho lao động nông thôn",
    "giúp bà con yên tâm sản xuất",
    "dù thời tiết không thuận lợi",
    "với sự hỗ trợ của ngành chức năng",
    "theo đúng tiến độ cam kết",
    "trong điều kiện nguồn vốn còn hạn chế",
    "nhờ cách làm sáng tạo, phù hợp phong tục",
    "và sẽ tiếp tục nhân rộng trong năm tới",
    "mà không để xảy ra sự cố nào",
)
_VILLAGES: Final = ("Kon Rờ Bàng", "Đăk Wơk", "Plei Rơ Wai", "Kon Mơ Nay", "Đăk Xú", "Tea Ro", "Măng Bút", "Ia Tơi")
_COMMUNES: Final = ("Đăk Pxi", "Ngọk Réo", "Mô Rai", "Đăk Tờ Re", "Ia Khươl", "Sa Nhơn", "Hà Mòn", "Đăk Kôi")

_WRITERS: Final = (
    "Minh Hằng",
    "Quang Vinh",
    "Thu Trang",
    "Hồng Nhung",
    "Văn Tâm",
    "Ngọc Anh",
    "Đức Thịnh",
    "Phương Thảo",
)
_BYLINE_FORMS: Final = ("{name}", "Tin, ảnh: {name}", "CTV {name}", "{name} - {name2}")

CATEGORIES: Final = (
    ("thoi-su", "Thời sự"),
    ("kinh-te", "Kinh tế"),
    ("xa-hoi", "Xã hội"),
    ("van-hoa", "Văn hóa"),
)


@dataclass(frozen=True)
class Article:
    """One fixture article: identity, dates and text (the text is built from the number on demand)."""

    number: int
    title: str
    published: datetime
    category: tuple[str, str]
    lead: str = ""
    paragraphs: tuple[str, ...] = ()
    byline: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def slug(self) -> str:
        return slugify(self.title)


def slugify(text: str) -> str:
    """ASCII URL slug of a Vietnamese title: "Hội nghị tổng kết" -> "hoi-nghi-tong-ket"."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", bare).strip("-")[:80].rstrip("-")


def make_article(number: int, *, published: datetime | None = None) -> Article:
    """Article ``number``: deterministic title, lead, body and byline; published ``number`` steps before EPOCH
    unless ``published`` is given."""
    rng = random.Random(number * 7919 + 17)
    agency = rng.choice(_AGENCIES)
    action = rng.choice(_ACTIONS)
    topic = rng.choice(_TOPICS)
    place = rng.choice(_PLACES)
    when = published if published is not None else EPOCH - timedelta(hours=5 * number + rng.randint(0, 3))
    year = when.year
    values = {
        "agency": agency,
        "topic": topic,
        "place": place,
        "year": str(year),
        "year0": str(year - 5),
        "count": str(rng.randint(12, 480)),
    }
    # The article number in the title keeps titles (and so slugs) unique across 20000 pages.
    title = f"{agency} {action} {topic} tại {place} (số {number})"
    title = title[0].upper() + title[1:]
    lead = (
        f"Ngày {when.day}/{when.month}, {agency} {action} {topic} năm {year}. "
        f"Tham dự có đại diện lãnh đạo các sở, ngành và {place}."
    )
    openers = rng.sample(_OPENERS, k=2)
    composed = [" ".join(_sentence(rng, when) for _ in range(3)) for _ in range(3)]
    paragraphs = (openers[0].format(**values), *composed, openers[1].format(**values))
    name, name2 = rng.sample(_WRITERS, k=2)
    byline = rng.choice(_BYLINE_FORMS).format(name=name, name2=name2)
    category = CATEGORIES[number % len(CATEGORIES)]
    tags = (topic, place.split(" ", 1)[1])
    return Article(number, title, when, category, lead, paragraphs, byline, tags)


def _sentence(rng: random.Random, when: datetime) -> str:
    """One composed sentence: when, who, what (with a number), and how it went."""
    who = rng.choice(_WHO).format(village=rng.choice(_VILLAGES), commune=rng.choice(_COMMUNES))
    did = rng.choice(_DID).format(n=rng.randint(3, 900))
    text = f"{rng.choice(_WHEN).format(d=rng.randint(1, 28), m=when.month)}, {who} {did}, {rng.choice(_RESULT)}."
    return text[0].upper() + text[1:]


def syndicated_copy(article: Article, number: int) -> Article:
    """The same story as republished by another paper: new number, retitled lightly, one sentence reworded,
    the last paragraph dropped (what provincial papers do when they take a story from a neighbour)."""
    paragraphs = list(article.paragraphs[:-1])
    paragraphs[0] = paragraphs[0].replace("Theo báo cáo, ", "Được biết, ", 1).replace("Tại ", "Ở ", 1)
    return replace(
        article,
        number=number,
        title=article.title.replace(f" (số {article.number})", ""),
        paragraphs=tuple(paragraphs),
        byline=f"{article.byline} (Theo Báo Kon Tum)",
    )


def seed_article(text: str, number: int) -> Article:
    """The shared seed text (a kontumtv.vn report) as a fixture article: paragraphs up to the byline, which is
    the line before the WordPress comment form ("Trả lời"). Its only date is the body's dateline, so the listing
    date is the day the dateline names."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    if "Trả lời" in blocks:
        blocks = blocks[: blocks.index("Trả lời")]
    byline = blocks.pop() if len(blocks) > 1 and len(blocks[-1]) < 40 else ""
    return Article(
        number,
        # Our own title for the report (the seed holds only the body).
        "Hội nghị tổng kết công tác quốc phòng, quân sự địa phương năm 2021",
        datetime(2021, 12, 14, 16, 0, tzinfo=VN_TZ),
        ("thoi-su", "Thời sự"),
        "",
        tuple(blocks),
        byline,
        ("quốc phòng",),
    )
