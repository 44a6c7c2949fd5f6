"""What the Stripe webhook costs in process, verify to commit: a warm invoke of the
``/webhooks/stripe`` function's handler (StripeWebhooksReceiveFunction) with a signed API Gateway
v2 event: Stripe's signature checked by stripe-python, the org found by its customer (one
lookup), the event id claimed, the effect, the audit row, the commit. Two kinds of event:

- ``customer.updated`` (the billing email changes: no call to Stripe);
- ``customer.subscription.updated`` (the subscription is read from Stripe, here the local
  stand-in on loopback, and the plan switched between pro and business: audit row and
  ``billing.plan_changed`` event each time).

The baseline, in the same run: the floor of the same work done by hand, stripe-python's
``verify_header`` plus one raw psycopg transaction that sets the tenant, inserts the receipt and
commits. Prints p50/p95 of each and the ratio of the webhook's p50 to the floor's::

    .venv/bin/python benchmarks/stripe_webhook.py [--samples 1000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))

SECRET_KEY = "sk_test_benchmark0000000000000000000"
WEBHOOK_SECRET = "whsec_benchmark00000000000000000000000"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:  # noqa: PLR0915
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()

    from hearth_dev.local import postgres
    from hearth_dev.migrate import migrate
    from hearth_dev.standins import StripeStandIn

    server = postgres.server_for_tests(ROOT)
    name = f"hearth_bench_{secrets.token_hex(4)}"
    admin = postgres.create_database(server, name, exist_ok=False)
    stand_in = StripeStandIn(SECRET_KEY, WEBHOOK_SECRET)
    stand_in.start()
    try:
        migrate(admin)
        os.environ.update(
            HEARTH_STAGE="test",
            HEARTH_DATABASE_URL=postgres.role_url(admin, postgres.APP_ROLE),
            HEARTH_SYSTEM_DATABASE_URL=postgres.role_url(admin, postgres.SYSTEM_ROLE),
            HEARTH_STRIPE_API_BASE=stand_in.url,
            HEARTH_STRIPE_API_KEY=SECRET_KEY,
            HEARTH_STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            HEARTH_PUBLIC_BASE_URL="https://api.example.com",
            HEARTH_ROOT=str(ROOT),
            POWERTOOLS_SERVICE_NAME="hearth",
            POWERTOOLS_METRICS_NAMESPACE="Hearth",
            POWERTOOLS_TRACE_DISABLED="true",
            POWERTOOLS_LOG_LEVEL="INFO",
            AWS_DEFAULT_REGION="us-east-1",
        )
        import psycopg
        import stripe
        from hearth_dev.sam import events
        from hearth_dev.sam.functions import LambdaContext, handler_of
        from hearth_dev.sam.template import load_template
        from hearth_dev.standins.stripe import sign

        from hearth import db, outbox
        from hearth.observability import logger

        org = uuid.uuid4()
        customer_id = "cus_Bench" + secrets.token_hex(8)
        stand_in.customers[customer_id] = {"id": customer_id, "object": "customer", "email": None,
                                           "metadata": {"org_id": str(org)}}  # fmt: skip
        session = {"id": "cs_test_bench", "customer": customer_id, "status": "open",
                   "line_items": [{"price": "price_hearth_pro_month"}], "subscription_data": {}}  # fmt: skip
        stand_in.sessions[session["id"]] = session
        subscription_id = stand_in.complete_checkout(session["id"], send=False)[0]["data"]["object"]["id"]
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("INSERT INTO orgs (id, name) VALUES (%s, 'Bench')", (org,))
            conn.execute(
                "INSERT INTO billing_accounts (org_id, stripe_customer_id) VALUES (%s, %s)",
                (org, customer_id),
            )
        fn = load_template(ROOT).functions["StripeWebhooksReceiveFunction"]
        handler = handler_of(fn)
        context = LambdaContext(fn)
        outbox.after_commit = lambda *a, **k: None  # type: ignore[assignment]  # no queue here: relay later

        def signed_event(kind: str, n: int) -> tuple[dict, str, str]:
            if kind == "customer.updated":
                obj = {**stand_in.customers[customer_id], "email": f"billing{n}@bench.example"}
            else:
                price = "price_hearth_business_month" if n % 2 else "price_hearth_pro_month"
                stand_in.update_subscription(subscription_id, price=price, send=False)
                obj = stand_in.subscriptions[subscription_id]
            payload = json.dumps(stand_in.event(kind, obj))
            header = sign(payload, WEBHOOK_SECRET)
            event = events.http_event(
                "POST",
                "/webhooks/stripe",
                route_key="POST /webhooks/stripe",
                headers={"content-type": "application/json", "stripe-signature": header},
                body=payload.encode(),
            )
            return event, payload, header

        raw = psycopg.connect(os.environ["HEARTH_DATABASE_URL"], prepare_threshold=None)
        results: dict[str, list[float]] = {
            "customer.updated": [],
            "customer.subscription.updated": [],
            "floor": [],
        }
        warmup = max(10, args.samples // 10)
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            logger.registered_handler.setStream(null)
            for i in range(args.samples + warmup):
                for kind in ("customer.updated", "customer.subscription.updated"):
                    event, payload, header = signed_event(kind, i)
                    t = time.perf_counter()
                    answer = handler(event, context)
                    took = time.perf_counter() - t
                    assert answer["statusCode"] == 200, answer
                    if i >= warmup:
                        results[kind].append(took * 1000)
                t = time.perf_counter()
                stripe.WebhookSignature.verify_header(payload, header, WEBHOOK_SECRET, 300)
                with raw.transaction():
                    raw.execute("SELECT set_config('app.org_id', %s, true)", (str(org),))
                    raw.execute(
                        "INSERT INTO inbound_webhook_receipts (org_id, provider, delivery_id, event)"
                        " VALUES (%s, 'bench', %s, 'floor')",
                        (org, f"floor-{i}"),
                    )
                if i >= warmup:
                    results["floor"].append((time.perf_counter() - t) * 1000)
        raw.close()
        db.reset()
        floor = statistics.median(results["floor"])
        print(f"POST /webhooks/stripe in process, {args.samples} warm samples each, interleaved")
        for label, values in results.items():
            p50 = statistics.median(values)
            ratio = "" if label == "floor" else f"   ratio to floor {p50 / floor:6.2f}"
            print(f"  {label:32s} p50 {p50:7.3f} ms   p95 {percentile(values, 0.95):7.3f} ms{ratio}")
        print("  floor: verify_header + one raw transaction (tenant, receipt insert, commit)")
    finally:
        stand_in.stop()
        db_module = sys.modules.get("hearth.db")
        if db_module is not None:
            db_module.reset()  # type: ignore[attr-defined]
        postgres.drop_database(server, name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
