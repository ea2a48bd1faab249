"""``python -m ingest.demo``: the fixture server (same options as ``python -m ingest.demo.server``)."""

from __future__ import annotations

from ingest.demo.server import main

raise SystemExit(main())
