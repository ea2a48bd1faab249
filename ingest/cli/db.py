"""``ingest db upgrade|check``: bring a database to the current schema, or tell whether it is there."""

from __future__ import annotations

import os

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ingest.db.engine import current_revision, get_engine, head_revision, schema_problems, upgrade

_DEFAULT_URL = "sqlite:///data/news.db"

db_option = click.option(
    "--db",
    "db_url",
    default=lambda: os.environ.get("INGEST_DB_URL") or _DEFAULT_URL,
    show_default="INGEST_DB_URL or sqlite:///data/news.db",
    help="SQLAlchemy database URL.",
)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@click.group()
def db() -> None:
    """Database schema: create or upgrade it (Alembic migrations), check it.

    \b
    Examples:
      ingest db upgrade                                   # data/news.db (created if missing)
      ingest db check --db postgresql+psycopg://ingest@db/news
    """


@db.command("upgrade")
@db_option
def upgrade_cmd(db_url: str) -> None:
    """Apply every pending migration (creates the tables in a new database).

    \b
    Example:
      ingest db upgrade --db postgresql+psycopg://ingest@127.0.0.1/news
    """
    try:
        engine = get_engine(db_url, migrate=False)
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
        engine.dispose()
    except (ArgumentError, SQLAlchemyError) as exc:
        raise click.ClickException(f"cannot upgrade {_shown(db_url)}: {exc}") from exc
    if before == after:
        click.echo(f"{_shown(db_url)}: already at schema {after}")
    else:
        click.echo(f"{_shown(db_url)}: upgraded from {before or 'empty'} to {after}")


@db.command("check")
@db_option
def check_cmd(db_url: str) -> None:
    """Exit 0 when the database is at the current schema, 1 (saying what differs) otherwise.

    \b
    Example:
      ingest db check || ingest db upgrade
    """
    try:
        engine = get_engine(db_url, migrate=False)
        problems = schema_problems(engine)
        engine.dispose()
    except (ArgumentError, SQLAlchemyError) as exc:
        raise click.ClickException(f"cannot check {_shown(db_url)}: {exc}") from exc
    if problems:
        for problem in problems:
            click.echo(f"{_shown(db_url)}: {problem}", err=True)
        raise SystemExit(1)
    click.echo(f"{_shown(db_url)}: schema {head_revision()} is current")
