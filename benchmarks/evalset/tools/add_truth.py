#!/usr/bin/env python3
"""Append or replace one ground-truth line in a manifest (keyed by file). usage: add_truth.py MANIFEST < entry.json"""

import json
import pathlib
import sys

man = pathlib.Path(sys.argv[1])
entry = json.loads(sys.stdin.read())
text = man.read_text(encoding="utf-8") if man.exists() else ""
rows = [json.loads(line) for line in text.splitlines() if line.strip()]
rows = [row for row in rows if row["file"] != entry["file"]] + [entry]
tmp = man.with_suffix(".tmp")
tmp.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
tmp.replace(man)
print(len(rows), "entries")
