"""The list of subcommands ``ingest`` offers; each module owns one command or one group.

``crawl``, ``demo`` and ``extract`` are imported when they run (or show their help), not at start-up: the
extractor (lxml), the crawler and the demo server are not what ``ingest stats`` or ``ingest query`` need.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from ingest.cli.db import db
from ingest.cli.inspect import runs_cmd, sites_cmd, stats_cmd
from ingest.cli.query import export_cmd, query_cmd, reprocess_cmd, show_cmd
from ingest.cli.rejects import rejects_cmd


class LazyCommand(click.Command):
    """A subcommand standing in for ``module:attribute`` until it is used; then the real command does the work."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(name)
        self._target = target
        self._real: click.Command | None = None

    @property
    def real(self) -> click.Command:
        if self._real is None:
            module, attribute = self._target.split(":")
            self._real = getattr(importlib.import_module(module), attribute)
        return self._real

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        return self.real.make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        return self.real.invoke(ctx)

    def get_short_help_str(self, limit: int = 45) -> str:
        return self.real.get_short_help_str(limit)

    def get_help(self, ctx: click.Context) -> str:
        return self.real.get_help(ctx)

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        return self.real.get_params(ctx)

    def to_info_dict(self, ctx: click.Context) -> dict[str, Any]:
        return self.real.to_info_dict(ctx)


ALL: list[click.Command] = []
ALL.append(LazyCommand("extract", "ingest.cli.extract:extract"))
ALL.append(db)
ALL.append(LazyCommand("demo", "ingest.cli.demo:demo"))

ALL += [LazyCommand("crawl", "ingest.cli.crawl:crawl"), query_cmd, show_cmd, stats_cmd, runs_cmd, export_cmd]
ALL += [reprocess_cmd, sites_cmd, rejects_cmd]
# `ingest sites check` fetches and parses pages (lxml, the link classifier): imported when it runs.
sites_cmd.add_command(LazyCommand("check", "ingest.cli.sites:check"))
