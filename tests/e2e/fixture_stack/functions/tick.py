"""A scheduled function that appends every event it gets to RECORD_DIR/ticks.jsonl."""

import json
import os
from pathlib import Path


def handler(event, context):
    path = Path(os.environ["RECORD_DIR"]) / "ticks.jsonl"
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(event) + "\n")
    return {"ok": True}
