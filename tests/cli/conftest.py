"""A small real database for the CLI tests: articles written through the store from extracted HTML pages."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from ingest.db.engine import get_engine, session_scope
from ingest.db.models import Article, CrawlRun
from ingest.db.store import write_article
from ingest.extract import extract_article, normalize_extracted

FETCHED = datetime(2025, 7, 3, 9, 0, tzinfo=UTC)

# (path, site, title, printed date, byline, body sentence) - varied so no two are near-duplicates.
PAGES: list[tuple[str, str, str, str, str, str]] = [
    ("/quoc-phong-1.html", "kontumtv", "Hội nghị tổng kết công tác quốc phòng năm 2021", "14/12/2021 09:00",
     "Hiền Lương", "Sáng nay, Bộ Chỉ huy Quân sự tỉnh tổ chức hội nghị tổng kết công tác quốc phòng, quân sự địa "
     "phương năm 2021 với sự tham dự của lãnh đạo các sở, ngành và huyện."),
    ("/da-nang-2.html", "baoquangngai", "Đoàn công tác Đà Nẵng thăm vùng trồng sâm Ngọc Linh", "01/07/2025 23:30",
     "Trần Đức Anh", "Đoàn công tác của thành phố Đà Nẵng đã đến thăm các hộ dân trồng sâm dưới tán rừng, trao đổi "
     "kinh nghiệm bảo tồn giống cây dược liệu quý và tiêu thụ sản phẩm."),
    ("/lua-3.html", "baoquangngai", "Nông dân thu hoạch lúa hè thu sớm tránh bão", "02/07/2025 06:15",
     "Nguyễn Thị Hoa", "Tranh thủ những ngày nắng ráo, bà con nông dân các xã ven biển khẩn trương thu hoạch lúa hè "
     "thu trước mùa mưa bão, năng suất ước đạt sáu tấn mỗi héc-ta."),
    ("/truong-4.html", "kontumtv", "Khánh thành điểm trường mới ở xã vùng cao", "20/06/2025 15:00",
     "Y Sương", "Điểm trường mầm non mới gồm bốn phòng học kiên cố, bếp ăn bán trú và sân chơi, giúp hàng trăm "
     "cháu nhỏ người đồng bào dân tộc thiểu số có nơi học tập an toàn."),
]  # fmt: skip


def page_html(title: str, date: str, byline: str, sentence: str) -> str:
    body = "".join(f"<p>{sentence} Đoạn {i}.</p>" for i in range(1, 5))
    return (
        f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<article><h1>{title}</h1><div class='date'>Cập nhật: {date}</div>"
        f"<div class='content'>{body}<p class='author'><strong>{byline}</strong></p></div></article></body></html>"
    )


def record(url: str, site: str, html: str, *, listed: datetime | None = None) -> dict[str, Any]:
    """What the crawl's pipelines hand the store for this page (extract + normalise, as ingest extract does);
    ``listed`` stands for a date the spider found beside the URL (feed, sitemap, REST API).
    """
    raw = {**asdict(extract_article(html.encode(), url, fetched_at=FETCHED)), "listed_published": listed}
    fields = normalize_extracted(raw, reference=FETCHED)
    fields.pop("published_from")
    return {**raw, **fields, "url": url, "site": site, "html": html.encode(), "fetched_at": FETCHED}


@pytest.fixture
def news_db(tmp_path: Path) -> str:
    """A migrated SQLite file with the PAGES stored (the last one marked a near-duplicate) and two crawl runs."""
    url = f"sqlite:///{tmp_path / 'news.db'}"
    return fill(url)


def fill(url: str) -> str:
    engine = get_engine(url, migrate=True)
    with session_scope(engine) as session:
        session.add(CrawlRun(spider="kontumtv", started_at=FETCHED, finished_at=FETCHED, status="finished",
                             finish_reason="finished", stats={"downloader/response_count": 7}, drops={"too_short": 2},
                             items_stored=3))  # fmt: skip
        session.add(CrawlRun(spider="baoquangngai", started_at=FETCHED, finished_at=FETCHED, status="failed",
                             finish_reason="ingest_db_error", stats={}, drops={}, items_stored=0))  # fmt: skip
        for path, site, title, date, byline, sentence in PAGES:
            rec = record(f"https://{site}.example.vn{path}", site, page_html(title, date, byline, sentence))
            assert write_article(session, rec, run_id=None, now=FETCHED) == "stored"
    with session_scope(engine) as session:
        first = session.scalars(Article.__table__.select().with_only_columns(Article.id).order_by(Article.id)).first()
        session.execute(update(Article).where(Article.canonical_url.like("%truong-4%")).values(duplicate_of=first))
    engine.dispose()
    return url
