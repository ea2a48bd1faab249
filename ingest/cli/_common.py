"""Helpers every ``ingest`` subcommand shares: the ``--db`` option, dates given on the command line (read in
Vietnam's time), passwords hidden in shown URLs, and turning expected failures into one-line errors.

A user who mistypes a URL or a date gets ``Error: ...`` on one line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import difflib
import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any, ParamSpec, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from ingest.normalize import VN_TZ

DEFAULT_DB_URL = "sqlite:///data/news.db"

P = ParamSpec("P")
R = TypeVar("R")


class BadInput(click.ClickException):
    """A one-line error about what the user typed (exit code 2, like click's usage errors, without the usage)."""

    exit_code = 2


def close_matches(word: str, known: Iterable[str], *, listed_by: str | None = "ingest sites") -> str:
    """``unknown X 'kontum'`` help: the known names closest to ``word``, else how many there are and the command
    that lists them (``listed_by``), or all of them when no command does."""
    names = sorted(set(known))
    near = difflib.get_close_matches(word, names, n=5, cutoff=0.6) or [n for n in names if word in n][:5]
    if near:
        return "did you mean: " + ", ".join(near) + "?"
    if not names:
        return "none known"
    return f"{len(names)} known (see `{listed_by}`)" if listed_by else "known: " + ", ".join(names)


def default_db_url() -> str:
    """``INGEST_DB_URL`` from the environment, else the SQLite file ``data/news.db``."""
    return os.environ.get("INGEST_DB_URL") or DEFAULT_DB_URL


db_option = click.option(
    "--db",
    "db_url",
    default=default_db_url,
    show_default="INGEST_DB_URL or sqlite:///data/news.db",
    help="SQLAlchemy database URL.",
)


def shown_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (safe for messages and logs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Not parseable as a SQLAlchemy URL: still hide anything between "://user:" and "@".
        head, sep, rest = url.partition("://")
        if sep and "@" in rest:
            cred, _, host = rest.rpartition("@")
            user = cred.split(":", 1)[0]
            return f"{head}://{user}:***@{host}" if ":" in cred else url
        return url


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message, without SQLAlchemy's background-link boilerplate."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first.split("(Background on this error")[0].strip()


def missing_sqlite_file(db_url: str) -> str | None:
    """The path of a SQLite database file that does not exist yet, else None (also for other databases)."""
    try:
        url = make_url(db_url)
    except ArgumentError:
        return None
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = os.path.expanduser(url.database)
        return None if os.path.exists(path) else path
    return None


def open_engine(db_url: str, *, write: bool = False) -> Engine:
    """An engine for ``db_url`` that has answered a first query; one-line ``ClickException`` otherwise.

    A SQLite file that does not exist is not created by a read-only command (a typo should not make an empty
    database); ``write`` commands (crawl, reprocess) may create and migrate it.
    """
    from ingest.db.engine import get_engine

    try:
        url = make_url(db_url)
    except ArgumentError as exc:
        raise click.ClickException(f"not a database URL: {shown_url(db_url)!r} (e.g. sqlite:///data/news.db)") from exc
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = os.path.expanduser(url.database)
        if not write and not os.path.exists(path):
            raise click.ClickException(f"no database at {path} (run `ingest crawl` or `ingest demo` first, or --db)")
        # SQLite in WAL mode writes the file and a -wal/-shm pair beside it: say so now, not mid-crawl.
        folder = os.path.dirname(os.path.abspath(path))
        # Mode bits too, not only access(): root may write anywhere, but a file made read-only means "do not".
        if write and os.path.exists(path) and (not os.access(path, os.W_OK) or not os.stat(path).st_mode & 0o222):
            raise click.ClickException(f"database file {path} is read-only (this command writes to it)")
        if write and os.path.isdir(folder) and not os.access(folder, os.W_OK):
            raise click.ClickException(f"folder {folder} is read-only (SQLite needs to write beside {path})")
    try:
        engine = get_engine(db_url, migrate=True if write else None)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except NoSuchModuleError as exc:
        raise click.ClickException(f"unsupported database URL {shown_url(db_url)}: {one_line(exc)}") from exc
    except (SQLAlchemyError, OSError, ImportError) as exc:
        raise click.ClickException(f"cannot open database {shown_url(db_url)}: {one_line(exc)}") from exc
    return engine


@contextmanager
def database_errors(db_url: str) -> Iterator[None]:
    """Report a database error inside the block as one line naming the (password-free) URL."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise click.ClickException(f"database error on {shown_url(db_url)}: {one_line(exc)}") from exc


@contextmanager
def reading(db_url: str) -> Iterator[Session]:
    """The session of a read-only command: the database opened (one-line errors as ``open_engine``), every read in
    one snapshot (``ingest.db.engine.read_scope``), a database error reported as one line, the engine closed after.
    """
    from ingest.db.engine import read_scope

    engine = open_engine(db_url)
    try:
        with database_errors(db_url), read_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def clean_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command so a broken pipe ends quietly (``ingest query | head``)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except BrokenPipeError:
            # Let the reader go: point stdout at devnull so the interpreter's final flush does not complain.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise SystemExit(0) from None

    return wrapper


def parse_cli_date(value: str, *, option: str, end: bool = False) -> datetime:
    """A date or date-time given on the command line, as an aware datetime in Asia/Ho_Chi_Minh.

    Accepts ISO ``2025-07-01``, ``2025-07-01T08:30[+07:00]``, day-first ``01/07/2025`` and ``1-7-2025``,
    and relative ``7d`` (days ago) or ``today``/``yesterday``. A bare date means the start of that day in Vietnam,
    or, when ``end`` (``--until``), the end of it (the whole day is included).
    """
    raw = value.strip()
    lowered = raw.lower()
    today = datetime.now(VN_TZ).date()
    day: date | None = None
    if lowered in ("today", "hom nay", "hôm nay"):
        day = today
    elif lowered in ("yesterday", "hom qua", "hôm qua"):
        day = today - timedelta(days=1)
    elif lowered.endswith("d") and lowered[:-1].isdigit():
        day = today - timedelta(days=int(lowered[:-1]))
    if day is None:
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            if len(raw) > 10:  # a date-time: kept as given (a bare one is Vietnam's time)
                return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
            day = moment.date()
    if day is None:
        parts = raw.replace("/", "-").replace(".", "-").split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
            try:
                day = date(int(parts[2]), int(parts[1]), int(parts[0]))  # day-first, as Vietnam writes dates
            except ValueError:
                day = None
    if day is None:
        raise BadInput(f"{option}: not a date: {value!r} (use 2025-07-01, 01/07/2025, 2025-07-01T08:00 or 7d)")
    if end:
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=VN_TZ) - timedelta(microseconds=1)
    return datetime.combine(day, time(), tzinfo=VN_TZ)


def date_callback(end: bool = False) -> Callable[[click.Context, click.Parameter, Any], datetime | None]:
    """A click callback parsing an optional date option with :func:`parse_cli_date`."""

    def callback(_ctx: click.Context, param: click.Parameter, value: Any) -> datetime | None:
        if value is None or value == "":
            return None
        return parse_cli_date(str(value), option="/".join(param.opts), end=end)

    return callback


def is_terminal() -> bool:
    """Whether stdout is an interactive terminal (tables and progress) rather than a pipe or file (plain text)."""
    return sys.stdout.isatty()
