"""The dedup stage (placeholder: passes items through until the stage is implemented)."""

from __future__ import annotations

from typing import Any


class DedupPipeline:
    """Pass-through placeholder."""

    def process_item(self, item: Any) -> Any:
        return item
