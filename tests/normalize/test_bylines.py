"""parse_byline: every shared dev-set row, plus our own rows for each byline rule."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from ingest.normalize import parse_byline
from tests.normalize.devset import load_row, row_ids


@pytest.mark.parametrize("row_id", row_ids("bylines.jsonl"))
def test_dev_set_bylines(dev_set: Path, row_id: str) -> None:
    row = load_row(dev_set, "bylines.jsonl", row_id)
    got = parse_byline(row["raw"])
    assert got.names == [unicodedata.normalize("NFC", n) for n in row["expected_names"]]
    assert got.roles == row["expected_roles"]
    assert got.organizations == row["expected_organizations"]
    assert got.source == row["expected_source"]
    assert got.is_group == row["is_group"]


# (raw, names, roles, organizations, source, is_group)
OWN_ROWS: list[tuple[str, list[str], dict[str, list[str]], list[str], str | None, bool]] = [
    # role prefixes
    ("Tin, ảnh: T.K", ["T.K"], {"T.K": ["writer", "photographer"]}, [], None, False),
    ("Tin và ảnh: Lê Văn Bình", ["Lê Văn Bình"], {"Lê Văn Bình": ["writer", "photographer"]}, [], None, False),
    ("Bài, ảnh: Mai Hoa", ["Mai Hoa"], {"Mai Hoa": ["writer", "photographer"]}, [], None, False),
    ("Ảnh: Quốc Tuấn", ["Quốc Tuấn"], {"Quốc Tuấn": ["photographer"]}, [], None, False),
    ("Tổng hợp: Hải Yến", ["Hải Yến"], {"Hải Yến": ["compiler"]}, [], None, False),
    ("Tác giả: Võ Thị Lan", ["Võ Thị Lan"], {"Võ Thị Lan": ["author"]}, [], None, False),
    ("CTV Hoài Nam", ["Hoài Nam"], {"Hoài Nam": ["contributor"]}, [], None, False),
    ("BTV Lan Anh", ["Lan Anh"], {"Lan Anh": ["editor"]}, [], None, False),
    ("PV Lan Anh", ["Lan Anh"], {"Lan Anh": ["reporter"]}, [], None, False),
    ("Lan Anh (tổng hợp)", ["Lan Anh"], {"Lan Anh": ["compiler"]}, [], None, False),
    ("Thu Trang (TTXVN).", ["Thu Trang"], {"Thu Trang": ["reporter"]}, ["TTXVN"], None, False),
    # titles are not part of the name; capitals are title-cased
    ("BS TRẦN VĂN LỘC", ["Trần Văn Lộc"], {}, [], None, False),
    ("ThS Nguyễn Thị Hoa", ["Nguyễn Thị Hoa"], {}, [], None, False),
    ("TS. Lê Văn Công", ["Lê Văn Công"], {}, [], None, False),
    ("PGS.TS Nguyễn Văn Hùng", ["Nguyễn Văn Hùng"], {}, [], None, False),
    ("ThS.BS CKII Trần Minh", ["Trần Minh"], {}, [], None, False),
    ("GS, TS Phạm Văn Long", ["Phạm Văn Long"], {}, [], None, False),
    ("Nhà báo Hữu Thọ", ["Hữu Thọ"], {}, [], None, False),
    ("Bác sĩ Nguyễn Trung Cấp", ["Nguyễn Trung Cấp"], {}, [], None, False),
    ("Phó giáo sư, Tiến sĩ Lê Văn Hùng", ["Lê Văn Hùng"], {}, [], None, False),
    ("BÁC SỸ CHUYÊN KHOA II TRẦN MINH", ["Trần Minh"], {}, [], None, False),
    ("Luật sư Phạm Thị Thu", ["Phạm Thị Thu"], {}, [], None, False),
    ("DS. NGUYỄN BÁ HUY CƯỜNG", ["Nguyễn Bá Huy Cường"], {}, [], None, False),
    ("KTS Ngô Thu Hà - NSƯT Thanh Hoa", ["Ngô Thu Hà", "Thanh Hoa"], {}, [], None, False),
    # a weekday before the date is the date's, not a name
    ("AN AN - VŨ LINH Thứ tư, 17/04/2024 06:23 (GMT+7)", ["An An", "Vũ Linh"], {}, [], None, False),
    # "Theo <person>[/<outlet>]": the person is the author, the outlet the source; a person is never a source
    ("Theo Minh Anh/VTC News", ["Minh Anh"], {}, [], "VTC News", False),
    ("Theo Hoàng Hà - Thanh Niên", ["Hoàng Hà"], {}, [], "Thanh Niên", False),
    ("Theo Lệ Chi", ["Lệ Chi"], {}, [], None, False),
    ("Theo H.V.", ["H.V."], {}, [], None, False),
    ("Theo Lao Động", [], {}, [], "Lao Động", False),
    ("Theo Hà Nội Mới", [], {}, [], "Hà Nội Mới", False),
    ("Theo Giáo dục và Thời đại", [], {}, [], "Giáo dục và Thời đại", False),
    ("Theo Bloomberg", [], {}, [], "Bloomberg", False),
    ("Theo VTC News", [], {}, [], "VTC News", False),
    ("Theo PV (TTXVN/Vietnam+)", [], {}, ["TTXVN", "VietnamPlus"], "TTXVN/Vietnam+", False),
    # bracketed credits lose their brackets; attributions and weekdays are not names
    ("(Ảnh: Quang Trung)", ["Quang Trung"], {"Quang Trung": ["photographer"]}, [], None, False),
    ("Lan Hương [Ảnh: Quang Trung]", ["Lan Hương", "Quang Trung"], {"Quang Trung": ["photographer"]}, [], None, False),
    ("Cô Nguyễn Thị Hoa - Trưởng phòng GD&ĐT huyện", [], {}, [], None, False),
    ("Anh Y Blơ Niê, Trưởng thôn Kon Brắp", [], {}, [], None, False),
    ("Thứ Hai, 24/12/2012, 03:04 AM (GMT+7)", [], {}, [], None, False),
    # "Theo X" is a source, not an author
    ("Theo Tiền Phong", [], {}, [], "Tiền Phong", False),
    ("Theo Lệ Chi (Vietnamnet/AFP)", ["Lệ Chi"], {}, ["AFP"], "Vietnamnet/AFP", False),
    ("Hà An (Theo Reuters)", ["Hà An"], {}, ["Reuters"], "Reuters", False),
    ("Theo báo Nhân Dân", [], {}, [], "Nhân Dân", False),
    ("Theo Vnexpress.net", [], {}, [], "VnExpress", False),
    ("Nguồn: TTXVN", [], {}, ["TTXVN"], "TTXVN", False),
    # organisations after /, -, en dash, parentheses, an end-of-story mark
    ("Thu Trang/TTXVN", ["Thu Trang"], {"Thu Trang": ["reporter"]}, ["TTXVN"], None, False),
    ("Hải Đăng/Dulich.vn", ["Hải Đăng"], {}, ["Dulich.vn"], None, False),
    ("Trần Hải ./. (TTXVN)", ["Trần Hải"], {"Trần Hải": ["reporter"]}, ["TTXVN"], None, False),
    ("Thu Trang (TTXVN/Vietnam+)", ["Thu Trang"], {"Thu Trang": ["reporter"]}, ["TTXVN", "VietnamPlus"], None, False),
    ("Lê Hùng - QĐND", ["Lê Hùng"], {}, ["QĐND"], None, False),
    ("Ngọc Trâm - Báo Kon Tum", ["Ngọc Trâm"], {}, ["Báo Kon Tum"], None, False),
    ("Lan Anh - Trung tâm VH-TT-TT huyện Đăk Hà", ["Lan Anh"], {}, ["Trung tâm VH-TT-TT huyện Đăk Hà"], None, False),
    # the end of a story before the agency is not a name
    ("Hội nghị diễn ra thành công tốt đẹp./. (TTXVN)", [], {}, ["TTXVN"], None, False),
    ("VĂN DŨNG – THANH", ["Văn Dũng", "Thanh"], {}, [], None, False),
    ("Nguyễn An (nguyenan@example.vn)", ["Nguyễn An"], {}, [], None, False),
    ("Minh Châu (t/h)", ["Minh Châu"], {"Minh Châu": ["compiler"]}, [], None, False),
    (
        "Mai Lan/VOV – Ảnh: Quốc Việt",
        ["Mai Lan", "Quốc Việt"],
        {"Mai Lan": ["reporter"], "Quốc Việt": ["photographer"]},
        ["VOV"],
        None,
        False,
    ),
    # separators between people
    ("Gia Huy; Tuệ Lâm", ["Gia Huy", "Tuệ Lâm"], {}, [], None, False),
    ("Gia Huy, Tuệ Lâm", ["Gia Huy", "Tuệ Lâm"], {}, [], None, False),
    ("Nhóm PV - Ảnh: Quốc Việt", ["Quốc Việt"], {"*": ["reporter"], "Quốc Việt": ["photographer"]}, [], None, True),
    ("An Nhiên – Bảo Ngọc", ["An Nhiên", "Bảo Ngọc"], {}, [], None, False),
    ("An Nhiên và Bảo Ngọc", ["An Nhiên", "Bảo Ngọc"], {}, [], None, False),
    ("An Nhiên / Bảo Ngọc", ["An Nhiên", "Bảo Ngọc"], {}, [], None, False),
    ("Bảo Châu-Hữu Phước", ["Bảo Châu", "Hữu Phước"], {}, [], None, False),
    (
        "Bài: Lan Anh - Ảnh: Minh Đức",
        ["Lan Anh", "Minh Đức"],
        {"Lan Anh": ["writer"], "Minh Đức": ["photographer"]},
        [],
        None,
        False,
    ),
    # initials kept as printed; glued credits; captions before the credit are not names
    ("K. Miên", ["K. Miên"], {}, [], None, False),
    ("T.Q.Bảo", ["T.Q.Bảo"], {}, [], None, False),
    ("B.NG", ["B.NG"], {}, [], None, False),
    ("T.K.Ảnh: Lumo", ["T.K.", "Lumo"], {"Lumo": ["photographer"]}, [], None, False),
    (
        "Ông Lê Văn Tám phát biểu tại lễ khánh thành (Hòa Bình).  Bài và ảnh: Trần Thu",
        ["Trần Thu"],
        {"Trần Thu": ["writer", "photographer"]},
        [],
        None,
        False,
    ),
    # byline plus time; look-alike capitals; NBSP
    ("Lê Minh - 08:15, 03/03/2026", ["Lê Minh"], {}, [], None, False),
    ("Ảɴʜ: T.L.", ["T.L."], {"T.L.": ["photographer"]}, [], None, False),
    ("Minh\u00a0Tâm", ["Minh Tâm"], {}, [], None, False),
    # group and house signatures, placeholders and logins name nobody
    ("Nhóm PV", [], {"*": ["reporter"]}, [], None, True),
    ("PV", [], {"*": ["reporter"]}, [], None, True),
    ("GLO", [], {}, ["GLO"], None, False),
    ("Bút danh", [], {}, [], None, False),
    ("BTV", [], {"*": ["editor"]}, [], None, True),
    ("VnExpress", [], {}, ["VnExpress"], None, False),
    ("TUOI TRE ONLINE", [], {}, ["Tuổi Trẻ"], None, False),
    ("baodautu.vn", [], {}, ["baodautu.vn"], None, False),
    ('"Bài và ảnh: Thu Hà"', ["Thu Hà"], {"Thu Hà": ["writer", "photographer"]}, [], None, False),
    ("yennhi", [], {}, [], None, False),
    # running text is not a byline: "Theo" opening a clause, a sentence about someone
    ("Theo kế hoạch, hội nghị sẽ diễn ra vào ngày 5/3.", [], {}, [], None, False),
    ("Theo ông Lê Văn Tám, giá lúa sẽ tăng.", [], {}, [], None, False),
    ("Ông Lê Văn Tám - Giám đốc Sở Y tế - cho biết.", [], {}, [], None, False),
    ("Đây là một câu bình thường.", [], {}, [], None, False),
    ("Ảnh:", [], {}, [], None, False),
    ("", [], {}, [], None, False),
]


@pytest.mark.parametrize(("raw", "names", "roles", "orgs", "source", "group"), OWN_ROWS)
def test_own_rows(
    raw: str, names: list[str], roles: dict[str, list[str]], orgs: list[str], source: str | None, group: bool
) -> None:
    got = parse_byline(raw)
    assert got.names == names
    assert got.roles == roles
    assert got.organizations == orgs
    assert got.source == source
    assert got.is_group == group


def test_none_and_non_string() -> None:
    assert parse_byline(None).names == []
    assert parse_byline(123).names == []  # type: ignore[arg-type]
