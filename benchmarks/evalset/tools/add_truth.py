#!/usr/bin/env python3
"""Append or replace one ground-truth line in a manifest (keyed by file). usage: add_truth.py MANIFEST < entry.json"""

import json, sys, pathlib

man = pathlib.Path(sys.argv[1])
entry = json.loads(sys.stdin.read())
lines = [json.loads(l) for l in man.read_text(encoding="utf-8").splitlines() if l.strip()] if man.exists() else []
lines = [l for l in lines if l["file"] != entry["file"]] + [entry]
tmp = man.with_suffix(".tmp")
tmp.write_text("".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines), encoding="utf-8")
tmp.replace(man)
print(len(lines), "entries")
