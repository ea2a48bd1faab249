"""Two processes' worth of writers on one SQLite file (``ingest crawl --jobs``): the same race as on PostgreSQL.

pysqlite starts a transaction only at the first INSERT/UPDATE/DELETE, so a batch's first lookups run outside it and
miss a twin that another writer holds uncommitted, unless the store takes the write lock before the lookups (it
does: a no-op ``UPDATE`` as the batch's first statement).
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.db.engine import get_engine
from ingest.db.models import Article
from ingest.db.store import Outcome, store_batch, write_batch
from tests.db.articles import BODY_COFFEE
from tests.db.test_store import record


def test_exact_duplicate_written_while_its_twin_is_uncommitted_on_sqlite_is_an_alias(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    engine_a, engine_b = get_engine(url), get_engine(url)
    try:
        first = record("https://baogialai.vn/a/1", site="baogialai", title="Cà phê", body=BODY_COFFEE)
        # Another site's copy (a copy on the same site whose URL ranks first would become the article's identity).
        copy = {
            **first,
            "url": "https://kontumtv.vn/b/2",
            "canonical_url": "https://kontumtv.vn/b/2",
            "site": "kontumtv",
        }
        outcome: list[Outcome] = []
        with Session(engine_a) as worker_a, worker_a.begin():
            assert write_batch(worker_a, [first]) == ["stored"]
            worker_b = threading.Thread(target=lambda: outcome.extend(store_batch(engine_b, [copy])))
            worker_b.start()
            worker_b.join(1.0)  # B runs (and waits for the write lock) while A's transaction is open
            assert worker_b.is_alive()
        worker_b.join(30)
        assert not worker_b.is_alive()
        with Session(engine_a) as session:
            stored = session.scalars(select(Article.url)).all()
        assert stored == [first["url"]], (outcome, stored)
        assert outcome == ["duplicate_exact"]
    finally:
        engine_a.dispose()
        engine_b.dispose()
