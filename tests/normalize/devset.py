"""Collection-time access to the shared dev set: test ids come from the files, rows are read via ``dev_set``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import DEV_SET


def row_ids(name: str) -> list[str]:
    """The ids of ``name``'s rows, read at collection time (a missing file gives one id that fails loudly)."""
    path = DEV_SET / name
    if not path.exists():
        return ["<missing dev set>"]
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_row(dev_set: Path, name: str, row_id: str) -> dict[str, Any]:
    """One row of a dev-set file, by id."""
    for line in (dev_set / name).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row: dict[str, Any] = json.loads(line)
            if row["id"] == row_id:
                return row
    raise LookupError(f"{row_id} not in {dev_set / name}")
