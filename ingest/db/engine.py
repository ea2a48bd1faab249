"""Engines and sessions: SQLite pragmas (WAL, busy timeout, foreign keys, temp store in memory), Alembic upgrades,
session scope.

``get_engine`` is the one place that turns an URL into an engine. A SQLite database is brought to the newest
schema automatically (it is embedded and has one owner); PostgreSQL is upgraded with ``ingest db upgrade`` or when
the caller passes ``migrate=True`` (the store does, under an advisory lock so parallel workers do not race).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Milliseconds a SQLite writer waits for another's lock before failing (crawl + CLI at once).
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL is durable at every checkpoint and loses at most the last commits on power loss.
        cursor.execute("PRAGMA synchronous = NORMAL")
        # Temporary b-trees (sorting a large IN list, DISTINCT) in memory rather than in a temporary file.
        cursor.execute("PRAGMA temp_store = MEMORY")
    finally:
        cursor.close()


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's configuration in code (no alembic.ini), so migrations also run from an installed package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no Alembic migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (idempotent)."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def get_engine(url: str, *, migrate: bool | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys, and its file directory is created.

    ``migrate`` None upgrades SQLite databases to the newest schema and leaves others alone; True/False force it.
    """
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    if (migrate or (migrate is None and is_sqlite)) and current_revision(engine) != head_revision():
        logger.info("migrating %s to schema %s", parsed.render_as_string(hide_password=True), head_revision())
        upgrade(engine)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """The session factory the store and the queries use (objects stay readable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit when the block ends, roll back (and re-raise) when it raises."""
    with make_sessionmaker(engine).begin() as session:
        yield session


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """One transaction whose reads all see one snapshot of the database (a command's reads agree with each other).

    PostgreSQL runs it at REPEATABLE READ (at its default READ COMMITTED every statement sees the commits made
    since the one before). On SQLite the driver opens a transaction only before a write, so each read would see
    the newest commit: the scope begins one itself, and in WAL mode a reader keeps its snapshot while a crawl
    writes. It commits like ``session_scope``, so a read function may be given either.
    """
    with make_sessionmaker(engine).begin() as session:
        dialect = engine.dialect.name
        if dialect == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        elif dialect == "sqlite":
            session.connection().exec_driver_sql("BEGIN")
        yield session


# Schema objects the migrations create outside the models (search indexes), ignored when comparing.
_SEARCH_OBJECTS = ("articles_fts", "ix_articles_search_trgm", "ix_articles_search_tsv")


def schema_problems(engine: Engine) -> list[str]:
    """What differs between the database and the models: an old revision, or tables/columns out of step."""
    from alembic.autogenerate import compare_metadata

    from ingest.db.models import Base

    problems: list[str] = []
    current, head = current_revision(engine), head_revision()
    if current != head:
        problems.append(f"schema revision is {current or 'empty'}, the code expects {head}: run `ingest db upgrade`")
        return problems
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        for diff in compare_metadata(ctx, Base.metadata):
            text = repr(diff)
            if not any(name in text for name in _SEARCH_OBJECTS):
                problems.append(f"database differs from the models: {text}")
    return problems
