"""Hostile pages straight into ingest.extract + ingest.normalize: no crash, nothing invented, the good text intact."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict
from datetime import UTC, datetime

import pytest

from ingest.extract import extract_article, is_article_page
from ingest.normalize import normalize_article
from tests.hostile import pages
from tests.hostile.site import cp1258 as _cp1258
from tests.work import assert_linear

URL = "http://127.0.0.1/a/bai-1.html"
CRAWLED = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)


def _run(data: bytes | str) -> dict[str, object]:
    extracted = extract_article(data, URL, fetched_at=CRAWLED)
    return normalize_article(asdict(extracted), reference=CRAWLED)


def test_the_clean_page_is_an_article() -> None:
    # The control: every hostile variant below starts from this page.
    extracted = extract_article(pages.article_html(1).encode(), URL, fetched_at=CRAWLED)
    assert is_article_page(extracted)
    article = normalize_article(asdict(extracted), reference=CRAWLED)
    assert article["published"] == datetime(2025, 5, 20, 1, 30, tzinfo=UTC)
    assert pages.PARAGRAPHS[0] in str(article["body"])


FULL_PAGE = pages.article_html(7)


@pytest.mark.parametrize("cut", pages.truncations(FULL_PAGE.encode()))
def test_truncated_html_never_raises(cut: bytes) -> None:
    article = _run(cut)
    # What survives is text from the page, never text that was not on it.
    for paragraph in str(article["body"] or "").split("\n\n"):
        assert paragraph[:30] in FULL_PAGE


def test_extraction_work_grows_linearly_with_the_page() -> None:
    # Bounded work, not time: a page twice as long takes about twice the Python steps (lxml's parsing is C and
    # not counted). benchmarks/bench_bounds times the 10 MB page.
    assert_linear(_run, pages.huge_page(512 * 1024), pages.huge_page(1024 * 1024))


@pytest.mark.slow
def test_ten_megabyte_page_is_extracted() -> None:
    page = pages.huge_page()
    assert len(page) >= 10 * 1024 * 1024
    article = _run(page)
    assert article["title"] == "Nông dân Đắk Hà được mùa cà phê, bài số 1"
    assert pages.PARAGRAPHS[0] in str(article["body"])


@pytest.mark.parametrize("data", [pages.binary_junk(), pages.gzip_bomb(1024 * 1024), b"\0" * 4096, b"\xff\xfe\x00"])
def test_binary_data_served_as_html_is_not_an_article(data: bytes) -> None:
    extracted = extract_article(data, URL, fetched_at=CRAWLED)
    assert not is_article_page(extracted)
    article = normalize_article(asdict(extracted), reference=CRAWLED)
    assert article["published"] is None


@pytest.mark.parametrize(
    ("charset", "codec"),
    [
        (None, "utf-8"),  # no charset at all
        ("iso-8859-1", "utf-8"),  # declared Latin-1, sent UTF-8
        ("utf-8", "cp1258"),  # declared UTF-8, sent Windows-1258
        (None, "cp1258"),  # Windows-1258, undeclared
        ("windows-1258", "cp1258"),
        ("no-such-charset", "utf-8"),  # a charset Python has never heard of
    ],
)
def test_wrong_or_missing_charset_still_reads_vietnamese(charset: str | None, codec: str) -> None:
    html = pages.article_html(3, charset=charset)
    data = _cp1258(html) if codec == "cp1258" else html.encode(codec)
    article = _run(data)
    assert article["title"] == "Nông dân Đắk Hà được mùa cà phê, bài số 3"
    assert unicodedata.normalize("NFC", pages.PARAGRAPHS[1]) in str(article["body"])


def test_ninety_nine_percent_junk_keeps_the_article() -> None:
    # An article page with 200 kB of control bytes and invalid UTF-8 appended (a broken CMS footer).
    data = pages.article_html(4).encode() + b"\x00\x01\xc3\x28\xa0\xa1" * 40_000
    article = _run(data)
    assert article["title"] == "Nông dân Đắk Hà được mùa cà phê, bài số 4"


@pytest.mark.parametrize(
    "raw",
    [
        "1970-01-01T00:00:00Z",  # a CMS's timestamp 0
        "1970-01-01T07:00:00+07:00",
        "0",
        "01/01/1970 07:00",
        "2099-12-31T23:59:00+07:00",  # far future
        "2025-06-03T09:00:00+07:00",  # two days after the crawl
        "4102444800",  # epoch seconds of 2100-01-01
        "0000-00-00 00:00:00",
    ],
)
def test_future_and_epoch_dates_are_never_stored(raw: str) -> None:
    article = _run(pages.article_html(5, published=raw).encode())
    assert article["published"] is None
    assert article["title"]  # the article itself is unaffected


def test_epoch_metadata_falls_back_to_the_body_dateline() -> None:
    dated = [f"KON TUM - Sáng 18/5/2025, {pages.PARAGRAPHS[0]}", *pages.PARAGRAPHS[1:]]
    article = _run(pages.article_html(6, published="1970-01-01T00:00:00Z", paragraphs=dated).encode())
    published = article["published"]
    assert isinstance(published, datetime)
    assert published.date().isoformat() == "2025-05-18"


def test_non_article_pages_are_not_articles() -> None:
    listing = (
        "<html><head><meta charset='utf-8'><title>Tin tức - Kinh tế</title></head><body><ul>"
        + "".join(f"<li><a href='/a/bai-{i}.html'>Nông dân được mùa cà phê, bài số {i}</a></li>" for i in range(40))
        + "</ul><a href='?page=2'>Trang sau</a></body></html>"
    )
    for data in (listing, "<html><body><form><input name=q></form></body></html>", "", "   "):
        assert not is_article_page(extract_article(data, URL, fetched_at=CRAWLED))
