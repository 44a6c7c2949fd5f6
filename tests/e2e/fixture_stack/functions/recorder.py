"""An SQS consumer that appends each batch it receives to RECORD_DIR/<function name>.jsonl and
reports the records whose body contains "poison" as failed (ReportBatchItemFailures)."""

import json
import os
from pathlib import Path


def handler(event, context):
    records = event["Records"]
    path = Path(os.environ["RECORD_DIR"]) / f"{context.function_name}.jsonl"
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"function": context.function_name, "records": records}) + "\n")
    failed = [{"itemIdentifier": r["messageId"]} for r in records if "poison" in r["body"]]
    return {"batchItemFailures": failed}
