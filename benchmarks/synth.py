"""Synthetic Vietnamese-looking news articles for the benchmarks, built from our own phrase templates.

Nothing here is copied from a real page: titles, leads and bodies are slot-filled sentences written for this
module (an agency does something about a topic in a place), authors are combinations of common family, middle and
given names, sites are provincial-paper-like names on ``.example.vn`` hosts. Article ``i`` of seed ``s`` is always
the same record (each article has its own ``random.Random``), so any range can be rebuilt on its own.

Records use ``ingest.items.ArticleItem`` field names (what ``ingest.db.store.write_batch`` takes) plus
``search_text``: the folded search key of title, lead and body. Computing ``search_key`` over a million bodies
would cost minutes, so every template and slot value is folded once and the folded pieces are joined exactly like
the display pieces; ``tests/test_benchmarks.py`` checks that the result equals ``search_key`` of the full text.
"""

from __future__ import annotations

import random
import string
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Final
from zoneinfo import ZoneInfo

from ingest.normalize import search_key

VN: Final = ZoneInfo("Asia/Ho_Chi_Minh")
# Article i is published i * STEP before the epoch, so a million articles span several years of a busy outlet.
EPOCH: Final = datetime(2026, 3, 1, 18, 0, tzinfo=VN)
STEP: Final = timedelta(minutes=3, seconds=7)

SITES: Final = (
    ("baokontum_s", "Báo Kon Tum (mẫu)", "Kon Tum"),
    ("baogialai_s", "Báo Gia Lai (mẫu)", "Gia Lai"),
    ("baodaklak_s", "Báo Đắk Lắk (mẫu)", "Đắk Lắk"),
    ("baoquangngai_s", "Báo Quảng Ngãi (mẫu)", "Quảng Ngãi"),
    ("baophuyen_s", "Báo Phú Yên (mẫu)", "Phú Yên"),
    ("baobinhdinh_s", "Báo Bình Định (mẫu)", "Bình Định"),
    ("baolamdong_s", "Báo Lâm Đồng (mẫu)", "Lâm Đồng"),
    ("baodaknong_s", "Báo Đắk Nông (mẫu)", "Đắk Nông"),
    ("baoninhthuan_s", "Báo Ninh Thuận (mẫu)", "Ninh Thuận"),
    ("baokhanhhoa_s", "Báo Khánh Hòa (mẫu)", "Khánh Hòa"),
    ("ptthkontum_s", "Đài PT-TH Kon Tum (mẫu)", "Kon Tum"),
    ("ptthgialai_s", "Đài PT-TH Gia Lai (mẫu)", "Gia Lai"),
)

FAMILY: Final = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương",
    "Lý", "Đinh", "Y", "Rơ Châm", "Ksor",
)  # fmt: skip
MIDDLE: Final = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Xuân", "Thu", "Kim", "Công")
GIVEN: Final = (
    "An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hiền", "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai",
    "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến", "Thủy", "Hòa", "Lương",
    "Nhung", "Đạt", "Khoa", "Thắng",
)  # fmt: skip
ROLES: Final = (("", "writer"), ("CTV ", "contributor"), ("PV ", "reporter"), ("BTV ", "editor"))

# Slot values; every one is a plain phrase (no leading/trailing space) so folded pieces join like display pieces.
SLOTS: Final[dict[str, tuple[str, ...]]] = {
    "org": (
        "Ủy ban nhân dân tỉnh", "Sở Tài chính", "Sở Xây dựng", "Công an tỉnh", "Bộ đội Biên phòng tỉnh",
        "Liên đoàn Lao động tỉnh", "Hội Cựu chiến binh tỉnh", "Trung tâm Y tế huyện", "Ngân hàng Chính sách xã hội",
        "Sở Khoa học và Công nghệ", "Ban Quản lý rừng phòng hộ", "Đoàn Thanh niên xã", "Hợp tác xã nông nghiệp",
        "Trường Phổ thông Dân tộc nội trú", "Bệnh viện Đa khoa tỉnh", "Chi cục Thủy lợi",
    ),
    "act": (
        "khai mạc lớp bồi dưỡng", "ký kết chương trình phối hợp", "tổng kết năm học", "bàn giao nhà đại đoàn kết",
        "khởi công công trình", "giám sát việc thực hiện", "đối thoại với nông dân về", "trao học bổng gắn với",
        "diễn tập ứng phó", "hướng dẫn người dân về", "kiểm tra công tác", "phát động tháng hành động vì",
    ),
    "topic": (
        "quốc phòng toàn dân", "nông thôn mới kiểu mẫu", "cà phê bền vững", "sâm Ngọc Linh",
        "phòng chống sốt xuất huyết",
        "an ninh trật tự", "chuyển đổi số cấp xã", "bảo vệ rừng đầu nguồn", "nước sạch nông thôn", "an toàn thực phẩm",
        "lễ hội cồng chiêng", "xóa nhà tạm, nhà dột nát", "phòng cháy chữa cháy", "khuyến học, khuyến tài",
        "kinh tế tập thể", "sắp xếp đơn vị hành chính", "du lịch cộng đồng", "hồ tiêu hữu cơ", "giảm nghèo đa chiều",
        "bình đẳng giới", "bảo hiểm y tế học sinh", "mùa khô an toàn", "tái đàn heo", "mắc ca và sầu riêng",
    ),
    "place": (
        "xã Đăk Pék", "xã Ia Grai", "phường Thắng Lợi", "huyện Kbang", "xã Ea Kly", "thị trấn Plei Kần",
        "xã Mô Rai", "huyện Đăk Glei", "phường Hội Phú", "xã Ia Dom", "huyện Tu Mơ Rông", "xã Sơn Hà",
        "huyện Krông Búk", "xã Đắk Ơ", "thành phố Buôn Ma Thuột", "xã Chư Pưh", "làng Kon Klor", "buôn Đôn",
    ),
    "num": ("3", "5", "7", "12", "15", "20", "26", "34", "45", "60", "85", "120", "150", "230", "500", "1.200"),
    "money": ("1,5 tỷ đồng", "320 triệu đồng", "12 tỷ đồng", "850 triệu đồng", "2,7 tỷ đồng", "45 triệu đồng"),
    "person": (
        "Bí thư Tỉnh ủy", "Chủ tịch UBND huyện", "Giám đốc Sở", "Phó Chủ tịch HĐND tỉnh", "Trưởng thôn", "già làng",
        "Chủ nhiệm hợp tác xã", "Hiệu trưởng nhà trường",
    ),
}  # fmt: skip

TITLES: Final = (
    "{place}: {act} {topic}",
    "{org} {act} {topic}",
    "Hơn {num} hộ dân {place} hưởng lợi từ {topic}",
    "Dành {money} cho {topic} tại {place}",
    "{person} làm việc với {place} về {topic}",
    "Đẩy mạnh {topic} ở vùng đồng bào dân tộc thiểu số",
    "Nhiều cách làm hay trong {topic} tại {place}",
)
LEADS: Final = (
    "Sáng nay, {org} đã {act} {topic} cho {num} đại biểu đến từ {place}.",
    "Với tổng kinh phí {money}, dự án về {topic} tại {place} được kỳ vọng sẽ thay đổi đời sống của bà con.",
    "Chiều qua, đoàn công tác của {org} do {person} dẫn đầu đã đến {place} kiểm tra {topic}.",
    "Sau {num} tháng triển khai, phong trào {topic} ở {place} đã có những kết quả bước đầu đáng khích lệ.",
)
SENTENCES: Final = (
    "Theo {person}, việc {act} {topic} giúp người dân {place} nắm vững chủ trương, chính sách của Đảng và Nhà nước.",
    "Năm nay, {org} bố trí {money} để hỗ trợ {num} hộ gia đình khó khăn ở {place}.",
    "Đến nay, {place} đã hoàn thành {num} tiêu chí, vượt kế hoạch đề ra trước hai tháng.",
    "Nhiều hộ dân chủ động hiến đất, góp ngày công để làm đường bê tông, kênh mương nội đồng.",
    "Bà con phấn khởi vì mùa vụ năm nay được giá, thu nhập bình quân tăng rõ rệt so với cùng kỳ.",
    "Tuy vậy, nguồn vốn còn hạn chế, địa bàn rộng, giao thông đi lại khó khăn nhất là vào mùa mưa.",
    "{org} đề nghị các xã tiếp tục rà soát, lập danh sách các trường hợp cần hỗ trợ về {topic}.",
    "{name}, người dân {place}, chia sẻ: “Nhờ được hướng dẫn, gia đình tôi đã biết cách làm ăn hiệu quả hơn”.",
    "Trong {num} ngày, lực lượng chức năng đã tuyên truyền tới hơn {num} lượt người về {topic}.",
    "Dịp này, {person} trao {num} suất quà, mỗi suất trị giá 500 nghìn đồng, cho các em học sinh nghèo vượt khó.",
    "Thời gian tới, {place} sẽ nhân rộng mô hình {topic}, gắn với phát triển kinh tế - xã hội của địa phương.",
    "Được biết, công trình có tổng mức đầu tư {money}, dự kiến hoàn thành trong quý IV.",
    "Kết thúc buổi làm việc, {person} ghi nhận những nỗ lực của cán bộ, chiến sĩ và nhân dân {place}.",
    "Cũng theo {org}, tỷ lệ hộ nghèo trên địa bàn giảm còn {num}%, hộ cận nghèo giảm mạnh.",
)
TAGS: Final = ("Thời sự", "Kinh tế", "Xã hội", "Văn hóa", "Giáo dục", "Y tế", "Quốc phòng - An ninh", "Nông nghiệp")


@cache
def _folded(text: str) -> str:
    """search_key of a template or slot value, with ``{slot}`` placeholders left as they are."""
    return search_key(text)


_Pair = tuple[str, str]  # (display text, folded text)


@cache
def _slot_pairs() -> dict[str, tuple[_Pair, ...]]:
    return {key: tuple((v, _folded(v)) for v in options) for key, options in SLOTS.items()}


@cache
def _template_pairs(templates: tuple[str, ...]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(template, folded template, slot names used) for each template."""
    return tuple(
        (t, _folded(t), tuple(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(t) if name)))
        for t in templates
    )


def _fill(rng: random.Random, templates: tuple[str, ...], slots: dict[str, _Pair]) -> _Pair:
    """One template filled from ``slots``: the display text and its folded form, from pre-folded pieces."""
    options = _template_pairs(templates)
    template, folded, names = options[int(rng.random() * len(options))]
    shown = {n: slots[n][0] for n in names}
    keys = {n: slots[n][1] for n in names}
    return template.format_map(shown), folded.format_map(keys)


def _choose(rng: random.Random, options: tuple[_Pair, ...]) -> _Pair:
    return options[int(rng.random() * len(options))]


def person_name(rng: random.Random) -> str:
    """A Vietnamese personal name: family, middle and given name (two given names now and then)."""
    given = rng.choice(GIVEN)
    if rng.random() < 0.15:
        given = f"{given} {rng.choice(GIVEN)}"
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {given}"


def article(i: int, *, seed: int = 0) -> dict[str, Any]:
    """Synthetic article number ``i`` (0-based) of stream ``seed``: always the same record for the same pair."""
    rng = random.Random(seed << 40 | i)
    site, _site_title, province = SITES[i % len(SITES)]
    pairs = _slot_pairs()
    slots = {key: _choose(rng, options) for key, options in pairs.items()}
    name = person_name(rng)
    slots["name"] = (name, _folded(name))
    title, title_key = _fill(rng, TITLES, slots)
    title = title[:1].upper() + title[1:]
    lead, lead_key = _fill(rng, LEADS, slots)
    paragraphs: list[str] = []
    keys: list[str] = [title_key, lead_key]
    for _ in range(2 + int(rng.random() * 4)):
        sentences = []
        # A paragraph moves on to another place and topic, as reports do.
        slots["place"], slots["topic"] = _choose(rng, pairs["place"]), _choose(rng, pairs["topic"])
        for _ in range(2 + int(rng.random() * 3)):
            slots["num"] = _choose(rng, pairs["num"])
            text, key = _fill(rng, SENTENCES, slots)
            sentences.append(text)
            keys.append(key)
        paragraphs.append(" ".join(sentences))
    prefix, role = rng.choice(ROLES)
    published = EPOCH - STEP * i
    slug = "-".join(title_key.translate(_SLUG).split())[:80]
    url = f"https://{site.replace('_', '-')}.example.vn/{published:%Y/%m}/{slug}-{seed}{i}.html"
    return {
        "url": url,
        "canonical_url": url,
        "site": site,
        "province": province,
        "title": title,
        "lead": lead,
        "body": "\n\n".join(paragraphs),
        "language": "vi",
        "published": published,
        "published_raw": f"{published:%d/%m/%Y %H:%M}",
        "published_precision": "minute",
        "part_of_day": None,
        "byline_raw": f"{prefix}{name}",
        "authors": [name],
        "author_roles": {name: [role]},
        "organizations": [],
        "category": [rng.choice(TAGS)],
        "tags": [slots["topic"][0], slots["place"][0]],
        "images": [],
        "fetched_at": published + timedelta(hours=1 + int(rng.random() * 48)),
        "http_status": 200,
        "search_text": " ".join(keys),
    }


_SLUG = str.maketrans(dict.fromkeys(string.punctuation, " "))


def articles(n: int, *, seed: int = 0, start: int = 0) -> Iterator[dict[str, Any]]:
    """Articles ``start`` .. ``start + n - 1`` of stream ``seed``."""
    for i in range(start, start + n):
        yield article(i, seed=seed)


def is_nfc(text: str) -> bool:
    """True when ``text`` is already in Unicode NFC (what every stored string must be)."""
    return unicodedata.is_normalized("NFC", text)
