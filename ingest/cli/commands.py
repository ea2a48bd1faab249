"""The list of subcommands ``ingest`` offers; each module owns one command or one group."""

from __future__ import annotations

import click

from ingest.cli.db import db
from ingest.cli.demo import demo
from ingest.cli.extract import extract

ALL: list[click.Command] = []
ALL.append(extract)
ALL.append(db)
ALL.append(demo)
