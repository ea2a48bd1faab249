"""Two workers storing near-duplicates at the same moment (PostgreSQL, the distributed setup).

Worker A has written article X in its open batch transaction when worker B writes X', a near-duplicate of X.
B must not decide "no earlier copy" from a snapshot that cannot see X yet: after both commit, X' is linked to X
(or X to X'), exactly as when the two batches run one after the other.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.db.engine import get_engine
from ingest.db.models import Article
from ingest.db.store import Outcome, store_batch, write_batch

FESTIVAL = [
    "Ngày hội văn hóa các dân tộc thiểu số của huyện Kon Plông khai mạc sáng nay với hơn hai nghìn người tham dự, "
    "trong đó có nhiều nghệ nhân cồng chiêng đến từ các làng xa.",
    "Ban tổ chức cho biết năm nay có mười hai đội tham gia thi diễn tấu cồng chiêng, dệt thổ cẩm, nấu ăn truyền thống "
    "và các trò chơi dân gian như kéo co, đẩy gậy, bắn nỏ.",
    "Bên lề ngày hội, huyện tổ chức trưng bày sản phẩm nông nghiệp đặc trưng như sâm dây, cà phê, mật ong rừng và "
    "các món ăn của đồng bào Xơ Đăng, Ba Na, Gié Triêng.",
]
FLOOD = [
    "Mưa lớn kéo dài từ đêm qua khiến nhiều tuyến đường liên xã ở huyện Sa Thầy bị ngập sâu, lực lượng chức năng đã "
    "dựng biển cảnh báo và cử người trực tại các ngầm tràn nguy hiểm.",
    "Theo ban chỉ huy phòng chống thiên tai, mực nước sông Sa Thầy lên nhanh nhưng chưa vượt báo động hai; các hộ "
    "dân ven sông đã được hướng dẫn di chuyển tài sản lên chỗ cao.",
    "Ngành điện lực cắt điện cục bộ tại ba thôn để bảo đảm an toàn và sẽ cấp điện trở lại ngay khi nước rút, dự kiến "
    "trong ngày mai nếu trời ngớt mưa.",
]


def _record(url: str, body: str, title: str) -> dict[str, Any]:
    return {
        "url": url,
        "canonical_url": url,
        "site": "kontumtv",
        "title": title,
        "body": body,
        "published_raw": None,
        "fetched_at": datetime(2025, 6, 1, 3, 0, tzinfo=UTC),
        "html": b"<html></html>",
    }


def _pair(tag: str, paragraphs: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    body = "\n\n".join(paragraphs)
    first = _record(f"http://127.0.0.1/{tag}/a", body, paragraphs[0][:40])
    second = _record(f"http://127.0.0.1/{tag}/b", body.replace("huyện", "thị xã", 1), paragraphs[0][:40])
    return first, second


@pytest.mark.postgres
def test_near_duplicate_written_while_its_twin_is_uncommitted_is_still_linked(pg_url: str) -> None:
    engine = get_engine(pg_url, migrate=True)
    try:
        # The control: one after the other, the second of a pair is a near duplicate of the first.
        control_a, control_b = _pair("control", FLOOD)
        assert store_batch(engine, [control_a]) == ["stored"]
        assert store_batch(engine, [control_b]) == ["duplicate_near"]

        first, second = _pair("race", FESTIVAL)
        outcome: list[Outcome] = []
        with Session(engine) as worker_a, worker_a.begin():
            assert write_batch(worker_a, [first]) == ["stored"]
            worker_b = threading.Thread(target=lambda: outcome.extend(store_batch(engine, [second])))
            worker_b.start()
            worker_b.join(1.0)  # B runs while A's transaction is still open
        worker_b.join(30)
        assert not worker_b.is_alive()

        with Session(engine) as session:
            rows = {
                a.url: a.duplicate_of
                for a in session.scalars(select(Article).where(Article.url.in_([first["url"], second["url"]])))
            }
        assert len(rows) == 2
        # Exactly one of the pair points at the other.
        assert sum(1 for dup in rows.values() if dup is not None) == 1, (outcome, rows)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_exact_duplicate_written_while_its_twin_is_uncommitted_is_not_stored_twice(pg_url: str) -> None:
    engine = get_engine(pg_url, migrate=True)
    try:
        first, _ = _pair("exact", FESTIVAL)
        copy = {**first, "url": "http://127.0.0.1/exact/copy", "canonical_url": "http://127.0.0.1/exact/copy"}
        outcome: list[Outcome] = []
        with Session(engine) as worker_a, worker_a.begin():
            assert write_batch(worker_a, [first]) == ["stored"]
            worker_b = threading.Thread(target=lambda: outcome.extend(store_batch(engine, [copy])))
            worker_b.start()
            worker_b.join(1.0)
        worker_b.join(30)
        assert not worker_b.is_alive()
        with Session(engine) as session:
            stored = session.scalars(select(Article.url).where(Article.url.in_([first["url"], copy["url"]]))).all()
        # The same text under two URLs is one article (the second URL becomes an alias), as in a single process.
        assert stored == [first["url"]], (outcome, stored)
    finally:
        engine.dispose()
