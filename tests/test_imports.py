"""Reads never import the writer (DESIGN.md's import rules; the full set is import-linter's contracts in
pyproject.toml, run by `make lint`): ``ingest.query`` and the spiders' read API ``ingest.db.known`` reach no module
of the store, neither in the import graph (imports inside functions included) nor when the reads run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from ingest.db.engine import get_engine, session_scope
from ingest.db.store import write_article
from ingest.dedup import content_hash, fingerprint
from ingest.normalize import search_key_of_parts
from tests.db.articles import BODY_DEFENCE, FETCHED

ROOT = Path(__file__).resolve().parent.parent
READERS = ("ingest.query", "ingest.db.known")
WRITERS = ("ingest.db.store", "ingest.db.rejects", "ingest.reprocess")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("ingest", "spiders", "pipelines")


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("writer", WRITERS)
def test_no_import_chain_leads_from_a_read_module_to_the_writer(
    graph: grimp.ImportGraph, reader: str, writer: str
) -> None:
    assert reader in graph.modules
    assert writer in graph.modules
    chain = graph.find_shortest_chain(importer=reader, imported=writer, as_packages=True)
    assert chain is None, " -> ".join(chain or ())


def test_the_graph_sees_the_writer_where_it_is_imported(graph: grimp.ImportGraph) -> None:
    # The check above can fail: the writer side does import the store, and the graph shows it.
    assert graph.find_shortest_chain(importer="ingest.reprocess", imported="ingest.db.store", as_packages=True)
    assert graph.find_shortest_chain(importer="pipelines", imported="ingest.db.store", as_packages=True)


def test_running_every_read_loads_no_module_of_the_writer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'news.db'}"
    engine = get_engine(url)
    title = "Tổng kết công tác quốc phòng"
    rec = {
        "url": "https://kontumtv.vn/a.html",
        "site": "kontumtv",
        "title": title,
        "body": BODY_DEFENCE,
        "authors": ["Hoài Nam"],
        "fetched_at": FETCHED,
        "html": b"<html></html>",
        "content_hash": content_hash(title, BODY_DEFENCE),
        "fingerprint": fingerprint(title, BODY_DEFENCE),
        "search_text": search_key_of_parts(title, None, BODY_DEFENCE),
    }
    with session_scope(engine) as session:
        write_article(session, rec, run_id=None, now=FETCHED)
    engine.dispose()
    probe = (
        "import sys\n"
        "import ingest.db.known\n"
        "from ingest import query as q\n"
        "from ingest.db.engine import get_engine, read_scope\n"
        "engine = get_engine(sys.argv[1])\n"
        "with read_scope(engine) as s:\n"
        "    found = list(q.find_articles(s, q.Filters(search='quoc phong', site=['kontumtv'], author='hoai nam')))\n"
        "    found += list(q.find_articles(s, q.Filters(province='Kon Tum', limit=None, order='oldest')))\n"
        "    assert q.get_article(s, found[0]['id'])['title'] == found[0]['title']\n"
        "    assert q.get_article(s, 'https://kontumtv.vn/a.html?utm_source=x') is not None\n"
        "    q.article_ids(s, q.Filters()); q.stats(s); q.runs(s); q.site_health(s, ['kontumtv']); q.stored_sites(s)\n"
        "    r = q.RejectFilters()\n"
        "    q.find_rejects(s, r); q.reject_ids(s, r); q.count_rejects(s, r); q.reject_reasons(s); q.reject_sites(s)\n"
        "    q.reject_html(s, '1')\n"
        "writers = " + repr(WRITERS) + "\n"
        "print(len(found), sorted(m for m in sys.modules if m.startswith(writers)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, url], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "[]"]  # both selections found the article; no writer module was loaded
