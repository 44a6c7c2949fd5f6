"""Cold-start import time of every function, next to a FastAPI + Mangum app that imports all of
Hearth's dependencies, measured in the same run.

Each measurement is a fresh interpreter that imports one handler module exactly as the Lambda
runtime would (by file path, with the function's layers on the path) and reports the time spent
in that import. Interpreter start-up itself is excluded from both sides.

    ./hearth.sh bench cold_start [--runs 7] [--only 'Ai*']
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))

from hearth_dev.sam.template import load_template  # noqa: E402

# Settings a function reads at import (the authorizer checks its configuration at cold start).
ENV = {
    "HEARTH_STAGE": "dev",
    "HEARTH_DATABASE_URL": "postgresql://hearth_app@127.0.0.1/hearth",
    "HEARTH_SYSTEM_DATABASE_URL": "postgresql://hearth_system@127.0.0.1/hearth",
    "HEARTH_JWT_ISSUER": "https://idp.example.com/",
    "HEARTH_JWT_AUDIENCE": "hearth",
    "HEARTH_JWKS_URL": "https://idp.example.com/.well-known/jwks.json",
    "HEARTH_API_KEY_PEPPER": "bench",
    "HEARTH_SECRETS_KMS_KEY_ID": "alias/hearth-secrets",
    "HEARTH_EVENT_DISPATCH_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/dispatch",
    "HEARTH_WEBHOOK_DELIVERY_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/deliveries",
    "HEARTH_WEBHOOK_RETRY_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/retries",
    "HEARTH_WEBHOOK_DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/dead",
    "HEARTH_AI_RUN_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/ai-runs",
    "HEARTH_AUDIT_ANCHOR_BUCKET": "hearth-audit-anchors-123456789012",
    "HEARTH_PUBLIC_BASE_URL": "https://api.example.com",
    "HEARTH_ANTHROPIC_API_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:anthropic",
    "HEARTH_GITHUB_APP_ID": "100001",
    "HEARTH_GITHUB_APP_PRIVATE_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:gh-app",
    "HEARTH_GITHUB_WEBHOOK_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:github-webhook",
    "HEARTH_GITHUB_SYNC_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/github-sync",
    "HEARTH_STRIPE_API_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-key",
    "HEARTH_STRIPE_WEBHOOK_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-whsec",
    "HEARTH_BILLING_RETURN_URL": "https://app.example.com/settings/billing",
    "HEARTH_SMS_SEND_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/sms",
    "HEARTH_RECORDING_COPY_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/recordings",
    "HEARTH_RECORDINGS_BUCKET": "hearth-recordings-123456789012",
    "HEARTH_EXPORT_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/exports",
    "HEARTH_ORG_DELETION_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/org-deletion",
    "HEARTH_EXPORTS_BUCKET": "hearth-exports-123456789012",
    "HEARTH_BACKUP_DB_IDENTIFIER": "hearth",
    "HEARTH_IDENTITY_PROVIDER": "cognito",
    "HEARTH_COGNITO_USER_POOL_ID": "us-east-1_Example",
    "HEARTH_INBOUND_EMAIL_BUCKET": "hearth-inbound-email-123456789012",
    "HEARTH_EMAIL_INBOUND_DOMAIN": "inbound.example.com",
    "HEARTH_NOTIFICATION_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/notifications",
    "HEARTH_EMAIL_SEND_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/email",
    "HEARTH_EMAIL_CAMPAIGN_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/campaigns",
    "HEARTH_EMAIL_CONFIGURATION_SET": "hearth-prod-email",
    "HEARTH_EMAIL_SYSTEM_FROM": "notifications@hearth.example.com",
    "HEARTH_EMAIL_UNSUBSCRIBE_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:unsub",
    "POWERTOOLS_SERVICE_NAME": "hearth",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "AWS_DEFAULT_REGION": "us-east-1",
}

IMPORT_HANDLER = """
import importlib.util, sys, time
path, name = sys.argv[1], sys.argv[2]
t = time.perf_counter()
spec = importlib.util.spec_from_file_location(name, path)
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
spec.loader.exec_module(module)
getattr(module, "handler")
print((time.perf_counter() - t) * 1000)
"""

# The baseline: one FastAPI app behind Mangum that imports every dependency Hearth has chosen.
BASELINE = """
import time
t = time.perf_counter()
import boto3, psycopg, pydantic, sqlalchemy, jwt, stripe, anthropic
import twilio.rest
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from fastapi import FastAPI
from mangum import Mangum
app = FastAPI()

@app.get("/v1/orgs/current")
def current():
    return {"ok": True}

handler = Mangum(app, lifespan="off")
print((time.perf_counter() - t) * 1000)
"""


def _run(code: str, *args: str) -> float:
    # Exactly the deployed configuration: nothing of the caller's own Hearth or Powertools settings.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("HEARTH_", "POWERTOOLS_"))}
    env = {**inherited, **ENV, "PYTHONPATH": str(ROOT / "shared"), "PYTHONDONTWRITEBYTECODE": ""}
    command = [sys.executable, "-c", code, *args]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--only", metavar="PATTERN", help="functions whose logical id matches (fnmatch)")
    args = parser.parse_args()

    functions = load_template(ROOT).functions
    if args.only:
        functions = {k: v for k, v in functions.items() if fnmatch.fnmatchcase(k, args.only)}
        if not functions:
            parser.error(f"no function matches {args.only!r}")
    # Warm the bytecode caches once so every measurement reads compiled files, like a deployed layer.
    _run(BASELINE)
    for fn in functions.values():
        _run(IMPORT_HANDLER, str(fn.source), f"bench_{fn.logical_id}")

    baseline = statistics.median(_run(BASELINE) for _ in range(args.runs))
    rows = []
    for logical_id, fn in sorted(functions.items()):
        times = [_run(IMPORT_HANDLER, str(fn.source), f"bench_{logical_id}") for _ in range(args.runs)]
        rows.append((logical_id, statistics.median(times), max(times)))

    if args.json:
        print(json.dumps({"baseline_ms": baseline, "functions": {r[0]: r[1] for r in rows}}, indent=2))
        return
    python = sys.version.split()[0]
    print(f"cold-start import time, median of {args.runs} fresh interpreters (Python {python})")
    print(f"{'function':42} {'median ms':>10} {'max ms':>8} {'vs baseline':>12}")
    for logical_id, median, worst in rows:
        print(f"{logical_id:42} {median:10.0f} {worst:8.0f} {median / baseline:11.2f}x")
    medians = [r[1] for r in rows]
    print(f"{'all functions (median of medians)':42} {statistics.median(medians):10.0f}")
    print(f"{'baseline: FastAPI + Mangum, all deps':42} {baseline:10.0f} {'':8} {1:11.2f}x")


if __name__ == "__main__":
    main()
