"""The documentation keeps up with the code: every ``ingest`` command and every ``INGEST_*`` setting the code reads
is documented in README.md or docs/*.md, links between them resolve, and docs/benchmarks.md is what its sources give.

Work in progress documents itself in docs/pending/ (folded into docs/ when merged), which does not count here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from benchmarks import docs as bench_docs
from ingest.cli import main
from ingest.cli.commands import LazyCommand

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("ingest", "spiders", "pipelines", "benchmarks")
README_MAX_LINES = 250

# A setting is read where its name is a string literal (settings.get*("INGEST_X"), os.environ.get("INGEST_X"), a
# settings dict key) or assigned in ingest/settings.py.
_LITERAL = re.compile(r"""["'](INGEST_[A-Z0-9_]*[A-Z0-9])["']""")
_ASSIGNED = re.compile(r"^(INGEST_[A-Z0-9_]*[A-Z0-9])\s*[:=]", re.MULTILINE)


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def doc_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in doc_files())


def commands(group: click.Group, prefix: str = "ingest") -> Iterator[str]:
    """Every command path under ``group``, nested groups included (``ingest db upgrade``)."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, LazyCommand):
            command = command.real
        path = f"{prefix} {name}"
        yield path
        if isinstance(command, click.Group):
            yield from commands(command, path)


def settings_read() -> set[str]:
    names: set[str] = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(_LITERAL.findall(path.read_text(encoding="utf-8")))
    names |= set(_ASSIGNED.findall((ROOT / "ingest" / "settings.py").read_text(encoding="utf-8")))
    return names


def test_the_scans_find_what_is_known_to_be_there() -> None:
    # Guards the scans themselves: a broken walk or pattern would make the tests below pass on nothing.
    assert {"ingest query", "ingest crawl", "ingest db upgrade", "ingest db check"} <= set(commands(main))
    assert {"INGEST_DB_URL", "INGEST_INCREMENTAL", "INGEST_EXPORT_HTML", "INGEST_FUTURE_SKEW_HOURS"} <= settings_read()


def test_every_ingest_command_is_documented() -> None:
    text = doc_text()
    missing = [path for path in commands(main) if not re.search(rf"{re.escape(path)}(?![\w-])", text)]
    assert missing == [], "document these commands in README.md or docs/*.md"


def test_every_setting_the_code_reads_is_documented() -> None:
    text = doc_text()
    missing = sorted(name for name in settings_read() if f"`{name}`" not in text and f"{name}=" not in text)
    assert missing == [], "document these settings in README.md or docs/*.md (the README's Configure table)"


def test_readme_settings_table_lists_every_setting_the_crawl_reads() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configure", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `(INGEST_[A-Z0-9_]+)`", table, re.MULTILINE))
    # The benchmark harness's own variables are documented with the benchmarks (docs/benchmarks.md).
    wanted = {name for name in settings_read() if not name.startswith(("INGEST_BENCH_", "INGEST_DEV_SET"))}
    assert sorted(wanted - listed) == []


def test_readme_stays_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, "the README reads in five minutes: move detail into docs/"


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: p.name)
def test_relative_links_resolve(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+://|#|mailto:", target):
            continue
        if not (path.parent / target.split("#", 1)[0]).exists():
            broken.append(target)
    assert broken == []


def test_benchmarks_doc_is_generated_from_the_latest_results() -> None:
    current = bench_docs.TARGET.read_text(encoding="utf-8")
    assert current == bench_docs.render(), "docs/benchmarks.md is stale: run `make docs`"
    latest = bench_docs.LATEST.read_text(encoding="utf-8").strip()
    assert latest in current
