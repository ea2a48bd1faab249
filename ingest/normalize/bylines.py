"""Bylines: who wrote, photographed or compiled a story, which organisation they belong to, and where it came from.

Owns :func:`parse_byline`, which reads a printed byline ("Tin, ảnh: CTV Hoài Nam", "Thu Trang/TTXVN",
"Theo Tiền Phong | 05/03/2026 10:25") into a :class:`Byline`: person names (NFC, capitals title-cased, initials kept
as printed), their roles, organisations, the upstream source of a republished story, and whether the signature is a
group or house one that names no person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.normalize.text import clean_text, normalize_text, search_key

__all__ = ["Byline", "parse_byline", "person_shaped", "split_date_tail", "strip_titles"]


@dataclass(slots=True)
class Byline:
    """A parsed byline. ``roles`` maps a name (or ``"*"`` for a group signature) to roles in printed order."""

    names: list[str] = field(default_factory=list)
    roles: dict[str, list[str]] = field(default_factory=dict)
    organizations: list[str] = field(default_factory=list)
    source: str | None = None
    is_group: bool = False


# Organisations (news agencies, broadcasters) by search key -> printed form.
_ORGS = {
    "ttxvn": "TTXVN",
    "vna": "VNA",
    "vov": "VOV",
    "vov.vn": "VOV",
    "vtv": "VTV",
    "vnews": "VNews",
    "ttxvn/vna": "TTXVN",
    "qdnd": "QĐND",
    "cand": "CAND",
    "glo": "GLO",
    "vietnamplus": "VietnamPlus",
    "vietnam+": "VietnamPlus",
    "reuters": "Reuters",
    "afp": "AFP",
    "ap": "AP",
    "xinhua": "Tân Hoa Xã",
    "tan hoa xa": "Tân Hoa Xã",
}
# Upstream outlets by search key (domain, short name or full name) -> printed name.
_SOURCES = {
    "ngoisao": "Ngôi Sao",
    "ngoi sao": "Ngôi Sao",
    "ngoisao.net": "Ngôi Sao",
    "ngoisao.vn": "Ngôi Sao",
    "k14": "Kênh 14",
    "kenh14": "Kênh 14",
    "kenh 14": "Kênh 14",
    "kenh14.vn": "Kênh 14",
    "suckhoedoisong.vn": "Sức khỏe & Đời sống",
    "suc khoe & doi song": "Sức khỏe & Đời sống",
    "suc khoe va doi song": "Sức khỏe & Đời sống",
    "nguoi lao dong": "Người Lao Động",
    "nld": "Người Lao Động",
    "nld.com.vn": "Người Lao Động",
    "vnexpress": "VnExpress",
    "vnexpress.net": "VnExpress",
    "dan tri": "Dân trí",
    "dantri": "Dân trí",
    "dantri.com.vn": "Dân trí",
    "tuoi tre": "Tuổi Trẻ",
    "tuoitre.vn": "Tuổi Trẻ",
    "thanh nien": "Thanh Niên",
    "thanhnien.vn": "Thanh Niên",
    "vietnamnet": "VietNamNet",
    "vietnamnet.vn": "VietNamNet",
    "infonet": "Infonet",
    "zing": "Zing News",
    "zing.vn": "Zing News",
    "zingnews": "Zing News",
    "tuoi tre online": "Tuổi Trẻ",
    "dan tri online": "Dân trí",
    "nhan dan": "Nhân Dân",
    "nhandan.vn": "Nhân Dân",
    "tien phong": "Tiền Phong",
    "tienphong.vn": "Tiền Phong",
    "vietnamplus": "VietnamPlus",
    "vietnamplus.vn": "VietnamPlus",
    "bao gia lai": "Báo Gia Lai",
    "baogialai.com.vn": "Báo Gia Lai",
}
_SOURCES.update(_ORGS)

# Role prefixes, longest first; the value is the list of roles they give.
_PREFIX_ROLES: list[tuple[str, list[str]]] = [
    (r"tin\s*(?:,|và|&)\s*ảnh", ["writer", "photographer"]),
    (r"bài\s*(?:,|và|&)\s*ảnh", ["writer", "photographer"]),
    (r"bài\s*(?:,|và|&)\s*clip", ["writer", "videographer"]),
    (r"ảnh\s*(?:,|và|&)\s*clip", ["photographer", "videographer"]),
    (r"bài", ["writer"]),
    (r"tin", ["writer"]),
    (r"thực hiện", ["writer"]),
    (r"ghi chép", ["writer"]),
    (r"ảnh", ["photographer"]),
    (r"video|clip", ["videographer"]),
    (r"đồ họa|đồ hoạ|thiết kế", ["designer"]),
    (r"tổng hợp", ["compiler"]),
    (r"biên tập|btv", ["editor"]),
    (r"tác giả", ["author"]),
    (r"tơplôu", ["writer"]),
]
_ROLE_MARK = re.compile(
    r"(?:(?<=^)|(?<=[\s.,;:)(\[\]|–—-]))(" + "|".join(f"(?:{p})" for p, _ in _PREFIX_ROLES) + r")\s*:\s*",
    re.IGNORECASE,
)
_ROLE_LOOKUP = [(re.compile(rf"(?:{p})", re.IGNORECASE), roles) for p, roles in _PREFIX_ROLES]

# Person prefixes: a short role word or an academic/professional title before a name.
_PERSON_ROLE = {"ctv": "contributor", "pv": "reporter", "btv": "editor", "phóng viên": "reporter"}
# Titles printed before a name: academic, professional, honorary and military (VIETNAMESE.md). They are never part
# of the name. One lexicon serves every place a name is read (bylines, structured authors, "Theo <person>", the
# byline beside the date, the signature at the end of the body): see :func:`strip_titles`.
# Abbreviations, longest first where one is the start of another; any case, with or without a dot, chained with
# dots, commas, hyphens or spaces ("PGS.TS.BS", "ThS.BSCKII", "GS, TS", "PGS-TS"). None of them is a Vietnamese
# syllable (no vowel), so a name is never read as one.
_TITLE_ABBREVIATIONS = (
    r"pgs|gs|tskh|ts|ths|bsck(?:ii|i|1|2)?|bsnt|bs|ck(?:ii|i|1|2)|dsck(?:ii|i|1|2)?|ds|kts|ks|ls|ncs|cn|nsưt|nsnd|ns"
    r"|ttưt|ttnd|ngưt|ngnd|nb|ys"
)
# The same titles written out, any case ("Bác sĩ", "BÁC SỸ CHUYÊN KHOA II", "Phó giáo sư", "Nghệ sĩ nhân dân").
_TITLE_WORDS = (
    r"phó giáo sư|giáo sư|tiến s[ĩỹ](?: khoa học)?|thạc s[ĩỹ]"
    r"|(?:bác|dược) s[ĩỹ](?: (?:chuyên khoa|ck)\.? ?(?:cấp )?(?:ii|i|1|2)\b)?(?: nội trú)?|y s[ĩỹ]"
    r"|kỹ sư|kĩ sư|kiến trúc sư|luật sư|cử nhân|nghiên cứu sinh"
    r"|nhà báo|nhà thơ|nhà văn|nhà nghiên cứu|nhà sử học|nhà giáo(?: nhân dân| ưu tú)?|nhiếp ảnh gia"
    r"|nhạc s[ĩỹ]|họa s[ĩỹ]|hoạ s[ĩỹ]|nghệ s[ĩỹ](?: nhân dân| ưu tú)?|thầy thuốc (?:nhân dân|ưu tú)|lương y"
    r"|(?:đại|thượng|trung|thiếu) (?:tướng|tá|úy|uý)|đại tướng"
)
_TITLES = re.compile(
    rf"^(?:(?:{_TITLE_ABBREVIATIONS})(?:\s*[.,:/\-–]\s*|\s+)|(?:{_TITLE_WORDS})(?:\s*[.,:]\s*|\s+))+",
    re.IGNORECASE,
)
_PERSON_PREFIX = re.compile(r"^(ctv|pv|btv|phóng viên)\.?\s+(?=\S)", re.IGNORECASE)
_GROUP = re.compile(r"^(?:nhóm\s+(?:pv|phóng viên|ctv)|pv\s+nhóm\b|pv$|ctv$|btv$|nhóm\b|ban\s+\w+|phóng viên$)", re.I)

_SOURCE_LEAD = re.compile(r"(?:^|(?<=[\s|\-–(/]))(theo|nguồn|source)\s*:?\s+", re.IGNORECASE)
# A time or date glued to the byline, and everything after it (the separators before it are trimmed separately).
# A weekday printed before the date goes with it ("AN AN - VŨ LINH Thứ tư, 17/04/2024 06:23"): it is not a name.
_DATE_TAIL = re.compile(
    r"(?:(?<![^\W\d_])(?:thứ\s*(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s*nhật|cn|t[2-7])\s*[,\-–|]?\s*(?=\d))?"
    r"(?<!\d)(?:\d{1,2}\s*[:h]\s*\d{2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}).*$",
    re.S | re.IGNORECASE,
)
_SPLIT = re.compile(r"\s+[-–—/]\s+|\s*[,;]\s*|\s+(?:và|&)\s+|\s*\|\s*|\s+[–—]|[–—]\s+")
# Separator characters trimmed from the ends (str.strip, not a regex: "[...]+$" is quadratic on long runs).
_LINE_TAIL = " \t\n|/,;-–—•"
# Honorifics and determiners start a sentence about someone ("Ông Trần Văn Bình cho biết"), never a byline.
# "Cô", "Thầy", "Chị" ... introduce the person a quote is from ("Cô Lan - Trưởng phòng ..."), never a byline.
_HONORIFIC = re.compile(r"^(?:ông|bà|cô|thầy|chị|chú|bác|cụ|cháu|các|những|tại|trong)\s", re.IGNORECASE)
# A job title after a name makes the line an attribution ("Nguyễn Văn A - Giám đốc Sở Y tế"), not a credit.
_POSITION = re.compile(
    r"^(?:phó\s+|nguyên\s+|quyền\s+)?(?:trưởng|giám đốc|tổng giám đốc|chủ tịch|bí thư|hiệu trưởng|hiệu phó|giáo viên|"
    r"cô giáo|thầy giáo|chủ nhiệm|thứ trưởng|bộ trưởng|chánh|cán bộ|nhân viên|chuyên viên|điều dưỡng|"
    r"người dân|nông dân|học sinh|sinh viên|chiến sĩ|đội trưởng|tổ trưởng|già làng|chuyên gia|nghệ nhân|"
    r"đại diện|đại biểu|ủy viên|uỷ viên|chỉ huy|giảng viên|phụ huynh|chủ hộ|chủ cơ sở|công nhân)\b",
    re.IGNORECASE,
)
# Words that are never a person's name on their own: role words, placeholders, CMS defaults.
_NOT_NAMES = frozenset(
    {
        "theo",
        "nguon",
        "anh",
        "bai",
        "tin",
        "tac gia",
        "but danh",
        "admin",
        "administrator",
        "bbt",
        "gs",
        "pgs",
        "ts",
        "ths",
        "bs",
    }
)
_WEEKDAY = re.compile(r"^(?:thu (?:hai|ba|tu|nam|sau|bay|[2-7])|chu nhat)$")
_PAREN = re.compile(r"\s*\(([^()]{1,60})\)[\s.]*$")
_INITIALS = re.compile(r"^(?:[^\W\d_]{1,2}\.\s?)+(?:[^\W\d_]{1,2}\.?|[^\W\d_]\w*)?$")
_TRAILING_JUNK = " \t\n|/:,;-–—\"'”’"
_LEADING_JUNK = re.compile(r"^[\s|./:,;\-–—•*\"'“‘]+")
_END_MARK = re.compile(r"\./\.")
_ORG_STARTER = re.compile(r"(?:báo|đài|trung tâm|phòng|sở|ban|ubnd|hội|công an|bộ|cổng|tạp chí)\s+", re.I)
_OUTLET_WORD = re.compile(r"^(?:báo|trang|tạp chí|đài)\s+(?=\S)", re.IGNORECASE)
# One Vietnamese syllable, accents folded: optional onset, a vowel nucleus, optional coda.
_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?")
_XODANG = re.compile(r"\s+tơplôu\b.*$", re.IGNORECASE)


# Words of newspaper titles ("Lao Động", "Giáo dục & Thời đại", "Hà Nội Mới", "Pháp luật Việt Nam") and of site
# sections, with their accents: a capitalised pair of syllables reads like a pen name ("Lệ Chi") unless it is one
# of these. Accents keep people apart from them ("Tiến Phong" is a name, "Tiền Phong" a paper).
_OUTLET_WORDS = frozenset(
    normalize_text(w).lower()
    for w in (
        "lao động", "tiền phong", "thanh niên", "tuổi trẻ", "nhân dân", "dân trí", "dân việt", "pháp luật", "đời sống",
        "giáo dục", "thời đại", "công lý", "kinh tế", "đô thị", "an ninh", "thủ đô", "văn hóa", "phụ nữ", "gia đình",
        "xã hội", "công thương", "đầu tư", "sức khỏe", "nông nghiệp", "nông thôn", "môi trường", "quân đội",
        "biên phòng", "hải quan", "tài chính", "doanh nghiệp", "doanh nhân", "thương hiệu", "giao thông", "xây dựng",
        "tri thức", "khoa học", "đoàn kết", "chiến binh", "thể thao", "tiếp thị", "kiến thức", "đất việt",
        "giải phóng", "công an", "thời báo", "tuần báo", "nhật báo", "tin tức", "thông tấn", "truyền hình",
        "phát thanh", "điện tử", "người đưa tin", "hà nội mới", "đại biểu", "chứng khoán", "thị trường", "công nghệ",
        "ngân hàng", "du lịch", "người cao tuổi", "dân sinh", "dân tộc", "miền núi", "thiếu niên", "nhi đồng",
        "hoa học trò", "mực tím", "điện ảnh", "ngôi sao", "việt nam", "thời nay", "bạn đọc", "cựu chiến binh",
        "vietnam", "online", "news", "times", "post", "plus", "daily", "press", "media", "tv", "radio", "magazine",
        # section names, printed title-cased beside dates ("Thời Sự - 12/03/2026"): never a person either
        "thời sự", "thế giới", "chính trị", "quốc tế", "giải trí", "trong nước", "y tế", "quân sự", "địa phương",
        "xe", "nhịp sống", "tiêu điểm", "bất động sản", "tài chính", "video", "podcast", "infographic",
    )
)  # fmt: skip
_OUTLET_STARTS = re.compile(r"^(?:báo|tờ|trang|tạp chí|đài|cổng|kênh|tuần báo|nhật báo|thời báo|hãng)\s", re.I)


def _outlet_words(text: str) -> bool:
    words = normalize_text(text).lower().split()
    for size in (1, 2, 3):
        for i in range(len(words) - size + 1):
            if " ".join(words[i : i + size]) in _OUTLET_WORDS:
                return True
    return False


def person_shaped(text: str) -> bool:
    """Whether ``text`` reads as a Vietnamese personal name or pen name rather than an outlet.

    A name is 2 to 5 capitalised words that are each one Vietnamese syllable ("Lệ Chi", "Sầm Hoa", "NGUYỄN VĂN A"),
    or initials ("H.V.", "K. Miên"). An outlet is anything else: a known outlet or agency, a domain, a title that
    starts with "Báo"/"Tạp chí"/..., holds a lower-case word ("Giáo dục và Thời đại") or a newspaper word ("Lao
    Động", "Hà Nội Mới"), an acronym ("VTC", "CNN") or a foreign word ("Reuters", "Ngoisao").
    """
    text = strip_titles(squash_spaces(text))
    if not text or search_key(text) in _SOURCES or _OUTLET_STARTS.match(text) or _outlet_words(text):
        return False
    words = text.split()
    if all(_is_initials(w) or (len(w) == 1 and w.isupper()) for w in words):
        return any(_is_initials(w) for w in words)  # "H.V.", "N.H.K"
    if not 2 <= len(words) <= 5:
        return False
    for w in words:
        if _is_initials(w):
            continue  # "K. Miên"
        if not w[:1].isupper() or _SYLLABLE.fullmatch(search_key(w)) is None:
            return False
    return True


def strip_titles(name: str) -> str:
    """``name`` without the titles printed before it: "DS. NGUYỄN BÁ HUY CƯỜNG" -> "NGUYỄN BÁ HUY CƯỜNG",
    "ThS.BSCKII Trần Minh" -> "Trần Minh", "Nhà báo Hữu Thọ" -> "Hữu Thọ". A title alone gives ""."""
    return _TITLES.sub("", name.strip()).strip()


def split_date_tail(line: str) -> tuple[str, str]:
    """``line`` cut where a date or time (with its weekday) starts: ("AN AN - VŨ LINH", "Thứ tư, 17/04/2024 06:23")."""
    m = _DATE_TAIL.search(line)
    if m is None:
        return line, ""
    return line[: m.start()].rstrip(_LINE_TAIL).strip(), line[m.start() :].strip()


def squash_spaces(text: str) -> str:
    return " ".join(text.split())


def _canon_org(text: str) -> str | None:
    key = search_key(text)
    if key in _ORGS:
        return _ORGS[key]
    return None


def _is_initials(tok: str) -> bool:
    return "." in tok and _INITIALS.match(tok) is not None


def _org_like(part: str, *, first: bool) -> str | None:
    """The organisation ``part`` names, or None when it looks like a person."""
    known = _canon_org(part)
    if known is not None:
        return known
    key = search_key(part)
    if key in _SOURCES:  # an outlet signing as itself: "VnExpress", "Dân Trí"
        return _SOURCES[key]
    if re.search(r"\s(?:online|news|tv|radio|media|group|jsc)$", key):  # "TUOI TRE ONLINE", "VCCorp Media"
        return part
    if " " not in part and re.search(r"\.(?:vn|com|net|org)\b", part, re.I):  # "Dulich.vn"
        return part
    starter = _ORG_STARTER.match(part)
    if starter is not None and len(part.split()) <= 8 and part[starter.end() :][:1].isupper():
        return part  # "Báo Gia Lai", "Trung tâm Y tế huyện", "Hội Nông dân tỉnh"
    if not first and " " not in part and not _is_initials(part) and part.upper() == part:
        letters = sum(c.isalpha() for c in part)
        # An unknown capitalised word after a name is an agency abbreviation ("P.KHTC-VP", "QĐND") unless it reads
        # as one Vietnamese syllable, i.e. a name printed in capitals ("BẢO AN – MINH").
        if letters >= 2 and _SYLLABLE.fullmatch(search_key(part)) is None:
            return part
    return None


def _is_prose(part: str) -> bool:
    """A piece of running text: it starts with a lower-case word that is not an organisation ("cho biết ...")."""
    first = part.lstrip("([\"'“‘")[:1]
    return first.islower() and _org_like(part, first=False) is None


def _title_case(name: str) -> str:
    """TRẦN THỊ BÌNH -> Trần Thị Bình; initials (with dots) are kept exactly as printed."""
    letters = [c for c in name if c.isalpha()]
    if not letters or not all(c.isupper() for c in letters):
        return name
    words = []
    for w in name.split(" "):
        words.append(w if "." in w else w[:1].upper() + w[1:].lower())
    return " ".join(words)


def _unbracket(part: str) -> str:
    """Drop a bracket whose partner lies outside ``part``: "(Ảnh: Quang Trung)" splits into "(" and "Quang Trung)"."""
    part = part.strip().rstrip("([ ").lstrip(")] ")
    while part.endswith((")", "]")) and part.count(part[-1]) > part.count("(" if part[-1] == ")" else "["):
        part = part[:-1].rstrip()
    while part.startswith(("(", "[")) and part.count(part[0]) > part.count(")" if part[0] == "(" else "]"):
        part = part[1:].lstrip()
    return part


def _clean_name(part: str) -> str | None:
    part = _unbracket(part)
    part = _LEADING_JUNK.sub("", part.rstrip(_TRAILING_JUNK)).strip()
    if part.endswith(".") and not _is_initials(part):
        part = part.rstrip(".")
    part = re.sub(r"\s*\((?:tổng hợp|th)\)\s*$", "", part, flags=re.I)
    part = strip_titles(part)
    if not part or any(c.isdigit() for c in part) or len(part) > 40 or len(part.split()) > 5:
        return None
    if _WEEKDAY.match(search_key(part)):
        return None  # "Thứ Hai, 24/12/2012": the date line beside a byline, not a person
    if any(not w[0].isupper() for w in part.split()) or search_key(part) in _NOT_NAMES or _HONORIFIC.match(part):
        # Every word of a Vietnamese name is capitalised; anything else is a CMS login ("yennhi"), a sentence
        # fragment ("Hội nghị diễn ra thành công") or a placeholder ("Bút danh").
        return None
    if sum(c.isalpha() for c in part) < 1:
        return None
    return _title_case(part)


def _add_role(out: Byline, key: str, roles: list[str]) -> None:
    have = out.roles.setdefault(key, [])
    for r in roles:
        if r not in have:
            have.append(r)


def _add_org(out: Byline, org: str) -> None:
    if org not in out.organizations:
        out.organizations.append(org)


def _source_name(text: str) -> str:
    key = search_key(text)
    return _SOURCES.get(key, text)


def _people(segment: str, roles: list[str], out: Byline) -> None:
    """Read names (and attached organisations) from one run of text that shares the same roles."""
    segment = _END_MARK.sub(" ", segment).strip()
    m = _XODANG.search(segment)
    if m is not None:
        roles = [*roles, "writer"] + (["presenter"] if "tơbleăng" in m.group(0).lower() else [])
        segment = segment[: m.start()]
    parts = [p for p in _SPLIT.split(segment) if p and p.strip()]
    if any(_is_prose(p.strip()) or _POSITION.match(p.strip()) for p in parts):
        return  # a sentence ("Ông A - Giám đốc Sở - cho biết.") or a quote's attribution, not a byline
    for i, raw_part in enumerate(parts):
        part = raw_part.strip()
        part_roles = list(roles)
        org: str | None = None
        extra_orgs: list[str] = []
        pm = _PAREN.search(part)
        if pm is not None:
            inner = pm.group(1)
            if search_key(inner) in ("tong hop", "th", "t/h", "t.h"):
                part_roles.append("compiler")
            elif "@" in inner:
                pass  # an e-mail address is contact detail, not an affiliation
            else:  # "(TTXVN)", "(TTXVN/Vietnam+)"
                found = [_org_like(p.strip(), first=False) or p.strip() for p in inner.split("/") if p.strip()]
                org, extra_orgs = (found[0], found[1:]) if found else (None, [])
            part = part[: pm.start()]
        whole_org = _org_like(part.strip(), first=i == 0 and not out.names)
        if whole_org is not None:  # "Trung tâm Y tế huyện", "Báo Gia Lai": not to be split at "-" or "/"
            for o in [whole_org, *([org] if org is not None else []), *extra_orgs]:
                _add_org(out, o)
            continue
        if "/" in part:
            left, _, right = part.partition("/")
            right_org = _org_like(right.strip(), first=False)
            if right_org is not None or right.strip()[:1].isupper():
                org = right_org or right.strip()
                part = left
        dash = re.match(r"^(.*\S)-(\S.*)$", part.strip())
        if dash is not None and " " in dash.group(1):
            right_org = _org_like(dash.group(2), first=False)
            if right_org is not None:  # "Thu Trang-TTXVN"
                org, part = right_org, dash.group(1)
            elif " " in dash.group(2) and dash.group(2)[:1].isupper():  # "Bảo Châu-Hữu Phước": two people
                _people(dash.group(1), part_roles, out)
                _people(dash.group(2), part_roles, out)
                continue
        part = part.strip()
        group = _GROUP.match(part)
        if group is not None:
            out.is_group = True
            word = group.group(0).split()[0].lower()
            _add_role(out, "*", part_roles or [_PERSON_ROLE.get(word, "reporter")])
            continue
        pp = _PERSON_PREFIX.match(part)
        if pp is not None:
            part_roles.append(_PERSON_ROLE[pp.group(1).lower()])
            part = part[pp.end() :]
        name = _clean_name(part)
        for o in ([org] if org is not None else []) + extra_orgs:
            _add_org(out, o)
        if name is None:
            continue
        if org is not None and not part_roles and org in _ORGS.values():
            part_roles.append("reporter")
        if name not in out.names:
            out.names.append(name)
        if part_roles:
            _add_role(out, name, part_roles)


def _roles_of(marker: str) -> list[str]:
    for rx, roles in _ROLE_LOOKUP:
        if rx.fullmatch(marker.strip()):
            return roles
    return []


def _looks_like_source(text: str) -> bool:
    """An outlet name: short, capitalised or a domain, no clause after a comma ("Theo kế hoạch, ..." is not)."""
    text = _OUTLET_WORD.sub("", text.strip().rstrip(_TRAILING_JUNK + ")."))
    if not text or search_key(text) in _SOURCES:
        return bool(text)
    if ", " in text or len(text.split()) > 6:
        return False
    return text[0].isupper() or (" " not in text and "." in text)


def _theo_parts(src: str) -> tuple[str | None, str | None]:
    """Split what follows "Theo" into a person and an outlet: "Minh Anh/VTC News", "Hoàng Hà - Thanh Niên"."""
    text = src.rstrip(_TRAILING_JUNK).strip()
    if person_shaped(text):
        return text, None
    m = re.search(r"\s*/\s*|\s+[-–—]\s+", text)
    if m is not None:
        left, right = text[: m.start()].strip(), text[m.end() :].strip()
        if right and person_shaped(left) and not person_shaped(right):
            return left, right
    return None, src


def _line(line: str, out: Byline) -> None:
    line = _DATE_TAIL.sub("", line).strip().strip("\"'“”‘’").strip()
    line = line.rstrip(_LINE_TAIL).strip()
    if not line:
        return
    # "Theo X", "Nguồn: X": X is where the story comes from, not its author.
    sm = _SOURCE_LEAD.search(line)
    if sm is not None and not _looks_like_source(line[sm.end() :]):
        sm = None  # "Theo kế hoạch, ...", "Theo ông A, ...": a sentence, not a credit
    if sm is not None:
        before, src = line[: sm.start()], line[sm.end() :]
        if before.rstrip().endswith("(") and ")" in src:  # "Hà An (Theo Reuters)"
            before, src = before.rstrip()[:-1], src[: src.rindex(")")] + src[src.rindex(")") + 1 :]
        if sm.group(1).lower() == "theo":
            pm = _PAREN.search(src)
            if pm is not None and len(src[: pm.start()].split()) >= 2:  # "Theo Lệ Chi (Vietnamnet/AFP)"
                _people(src[: pm.start()], [], out)
                src = pm.group(1)
            elif pm is not None and _GROUP.match(src[: pm.start()].strip()):  # "Theo PV (TTXVN/Vietnam+)"
                src = pm.group(1)
            else:
                # "Theo Minh Anh/VTC News", "Theo Lệ Chi": a person is the author, never the source.
                person, outlet = _theo_parts(src)
                if person is not None:
                    _people(person, [], out)
                    src = outlet or ""
        src = src.rstrip(_TRAILING_JUNK).strip()
        src = _OUTLET_WORD.sub("", src)
        if src:
            out.source = out.source or _source_name(src)
            for piece in src.split("/"):
                org = _canon_org(piece)
                if org is not None:
                    _add_org(out, org)
        line = before.strip()
        line = line.rstrip(_TRAILING_JUNK).strip()
        if not line:
            return
    marks = list(_ROLE_MARK.finditer(line))
    if not marks:
        _people(line, [], out)
        return
    head = line[: marks[0].start()].strip()
    if head:
        # Text before the first credit is either names ("T.K.Ảnh: Lumo") or a photo caption ("... Gia Lai. Ảnh:").
        is_caption = len(head.split()) > 4 or (head.endswith((".", ")")) and not _is_initials(head.split()[-1]))
        if not is_caption:
            _people(head, [], out)
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(line)
        _people(line[m.end() : end], _roles_of(m.group(1)), out)


def parse_byline(raw: str | None) -> Byline:
    """Parse a printed byline into names, roles, organisations and source. Never raises.

    >>> b = parse_byline("Tin, ảnh: MINH KHANG")
    >>> b.names, b.roles
    (['Minh Khang'], {'Minh Khang': ['writer', 'photographer']})
    >>> b = parse_byline("Ảnh: Thu Trang-TTXVN")
    >>> b.names, b.organizations
    (['Thu Trang'], ['TTXVN'])
    >>> parse_byline("Theo Kenh14 | 05/03/2026 10:25").source
    'Kênh 14'
    >>> parse_byline("Nhóm PV").is_group
    True
    """
    if not raw or not isinstance(raw, str):
        return Byline()
    parsed = _parse(raw)
    # A copy for each caller: the lists and the dict are theirs to change.
    return Byline(
        list(parsed.names),
        {name: list(roles) for name, roles in parsed.roles.items()},
        list(parsed.organizations),
        parsed.source,
        parsed.is_group,
    )


# The bylines parsed last, by raw text: a page's byline is parsed by extraction (beside the date, at the body's end,
# often twice there) and again by the normalize stage, the same string each time. Bounded: a few pages' worth.
@lru_cache(maxsize=64)
def _parse(raw: str) -> Byline:
    out = Byline()
    try:
        text = clean_text(raw[:1000])  # names as printed (Thuỷ stays Thuỷ); author keys unify tone marks
        for line in re.split(r"\n+", text):
            _line(line, out)
    except (ValueError, IndexError, KeyError, re.error):
        return Byline()
    return out
