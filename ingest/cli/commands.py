"""The list of subcommands ``ingest`` offers; each module owns one command or one group."""

from __future__ import annotations

import click

from ingest.cli.crawl import crawl
from ingest.cli.db import db
from ingest.cli.demo import demo
from ingest.cli.extract import extract
from ingest.cli.inspect import runs_cmd, sites_cmd, stats_cmd
from ingest.cli.query import export_cmd, query_cmd, reprocess_cmd, show_cmd

ALL: list[click.Command] = []
ALL.append(extract)
ALL.append(db)
ALL.append(demo)

ALL += [crawl, query_cmd, show_cmd, stats_cmd, runs_cmd, export_cmd, reprocess_cmd, sites_cmd]
