"""The list of subcommands ``ingest`` offers; each module owns one command or one group."""

from __future__ import annotations

import click

ALL: list[click.Command] = []
