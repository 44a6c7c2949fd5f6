"""Marks RECORD_DIR/<function name>.started, then takes a minute. The consumer waits on a
ThreadPoolExecutor thread (such threads the interpreter joins at exit)."""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SECONDS = 60
_pool = ThreadPoolExecutor(max_workers=1)


def handler(event, context):
    Path(os.environ["RECORD_DIR"], f"{context.function_name}.started").touch()
    if context.function_name == "SlowConsumerFunction":
        _pool.submit(time.sleep, SECONDS).result()
    else:
        time.sleep(SECONDS)
    return {"statusCode": 200, "body": "done"} if "routeKey" in event else {"ok": True}
