"""The ``ingest`` command line: a thin layer over ``ingest.query``, ``ingest.extract`` and the crawler.

Each subcommand lives in its own module of this package and is registered here.
"""

from __future__ import annotations

import click

from ingest import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="ingest")
def main() -> None:
    """vn-news-ingest: crawl Vietnamese provincial news into a database and query it.

    \b
    Examples:
      ingest demo                      # crawl the bundled offline demo site into data/news.db
      ingest crawl --all               # the scheduled job: every registered site, incrementally
      ingest query --search "quoc phong" --since 2025-07-01
      ingest extract page.html --url https://kontumtv.vn/...
    """


def _register() -> None:
    # Imported here, not at module top, so each subcommand module can import `main` helpers freely.
    from ingest.cli import commands

    for command in commands.ALL:
        main.add_command(command)


_register()
