"""``/_local/``: what the provider stand-ins got and sent back, and the emails moto's SES holds,
on one page of the local stack (never part of a deployed template)::

    GET  /_local/                the page (self-contained: no CDN)
    GET  /_local/requests.json   per provider, newest first: requests, the webhooks that came
                                 back, faults waiting; the emails sent through SES; and the
                                 emails SES received (the local inbound email bucket)
    POST /_local/faults          {"provider": "twilio", "status": 429, "times": 1, "delay": 0,
                                  "paths": "/", "retry_after": 1}: make a stand-in fail
    DELETE /_local/faults?provider=twilio   clear its faults

Emails are read from moto's own model data (``GET <moto>/moto-api/data.json``: SES keeps what
was sent, with no time, oldest first). Received emails are the raw messages under ``inbound/``
in the local inbound email bucket (where ``hearth simulate ses inbound`` puts them, as SES's
receipt rule does), the newest :data:`RECEIVED_SHOWN`.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import urllib.request
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from hearth_dev.standins.providers import StandIns

FAULT_FIELDS = ("status", "times", "delay", "paths", "retry_after", "message")
#: Received emails the page shows (the newest).
RECEIVED_SHOWN = 50


def sent_emails(aws_endpoint: str | None, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The messages moto's SES (v1 and v2) has sent, newest first."""
    if not aws_endpoint:
        return []
    with urllib.request.urlopen(f"{aws_endpoint}/moto-api/data.json", timeout=timeout) as response:  # noqa: S310
        data = json.load(response)
    ses = data.get("ses") or {}
    found: list[dict[str, Any]] = []
    for message in ses.get("Message") or []:
        found.append(
            {
                "id": message.get("id"),
                "from": message.get("source"),
                "to": _addresses(message.get("destinations")),
                "subject": message.get("subject"),
                "body": message.get("body"),
            }
        )
    for message in ses.get("TemplateMessage") or []:
        found.append(
            {
                "id": message.get("id"),
                "from": message.get("source"),
                "to": _addresses(message.get("destinations")),
                "subject": f"(template {message.get('template')})",
                "body": message.get("template_data"),
            }
        )
    for message in ses.get("RawMessage") or []:
        parsed = email.message_from_string(message.get("raw_data") or "", policy=email.policy.default)
        part = parsed.get_body(preferencelist=("plain", "html"))
        found.append(
            {
                "id": message.get("id"),
                "from": message.get("source") or parsed.get("From"),
                "to": _addresses(message.get("destinations")) or str(parsed.get("To") or ""),
                "subject": str(parsed.get("Subject") or ""),
                "body": part.get_content() if part is not None else "",
            }
        )
    found.reverse()
    return found


def received_emails(aws_endpoint: str | None, bucket: str | None = None) -> list[dict[str, Any]]:
    """The messages in the local inbound email bucket, newest first (at most RECEIVED_SHOWN)."""
    from hearth_dev.local.aws import client
    from hearth_dev.simulate.ses_inbound import LOCAL_BUCKET, RAW_PREFIX

    if not aws_endpoint:
        return []
    s3 = client("s3", aws_endpoint)
    name = bucket or LOCAL_BUCKET
    try:
        listed = s3.list_objects_v2(Bucket=name, Prefix=RAW_PREFIX).get("Contents") or []
    except s3.exceptions.NoSuchBucket:
        return []
    listed.sort(key=lambda o: o["LastModified"], reverse=True)
    found: list[dict[str, Any]] = []
    for item in listed[:RECEIVED_SHOWN]:
        raw = s3.get_object(Bucket=name, Key=item["Key"])["Body"].read()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        part = parsed.get_body(preferencelist=("plain", "html"))
        found.append(
            {
                "id": item["Key"][len(RAW_PREFIX) :],
                "time": item["LastModified"].isoformat(),
                "from": str(parsed.get("From") or ""),
                "to": ", ".join(str(parsed.get(h)) for h in ("To", "Cc") if parsed.get(h)),
                "subject": str(parsed.get("Subject") or ""),
                "body": part.get_content() if part is not None else "",
                "attachments": [a.get_filename() or a.get_content_type() for a in parsed.iter_attachments()],
            }
        )
    return found


def _addresses(destinations: Any) -> str:
    if isinstance(destinations, dict):
        return ", ".join(a for values in destinations.values() for a in values or [])
    if isinstance(destinations, list):
        return ", ".join(dict.fromkeys(str(a) for a in destinations))
    return ""


def requests_document(standins: StandIns, aws_endpoint: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {"providers": [s.snapshot() for s in standins], "emails": [], "received": []}
    try:
        document["emails"] = sent_emails(aws_endpoint)
    except (OSError, ValueError) as exc:
        document["emails_error"] = f"moto's SES could not be read: {exc}"
    try:
        document["received"] = received_emails(aws_endpoint)
    except Exception as exc:  # botocore's errors, a stopped moto: shown, never raised
        document["received_error"] = f"the inbound email bucket could not be read: {exc}"
    return document


def add_routes(app: FastAPI, standins: StandIns, aws_endpoint: str | None) -> None:
    """The ``/_local/`` routes (add them before the gateway's catch-all route)."""

    @app.get("/_local", include_in_schema=False)
    async def local_root() -> RedirectResponse:
        return RedirectResponse("/_local/")

    @app.get("/_local/", include_in_schema=False)
    async def local_page() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.get("/_local/requests.json", include_in_schema=False)
    async def local_requests() -> JSONResponse:
        document = await asyncio.to_thread(requests_document, standins, aws_endpoint)
        return JSONResponse(document)

    @app.post("/_local/faults", include_in_schema=False)
    async def local_fault(request: Request) -> JSONResponse:
        try:
            spec = json.loads(await request.body() or b"null")
        except ValueError:
            return JSONResponse({"error": "a JSON object"}, status_code=400)
        if not isinstance(spec, dict):
            return JSONResponse({"error": "a JSON object"}, status_code=400)
        standin = standins.get(str(spec.pop("provider", "")))
        if standin is None:
            names = ", ".join(s.name for s in standins)
            return JSONResponse({"error": f"provider is one of {names}"}, status_code=400)
        unknown = set(spec) - set(FAULT_FIELDS)
        if unknown:
            return JSONResponse({"error": f"unknown fields: {', '.join(sorted(unknown))}"}, status_code=400)
        try:
            fault = standin.fail(**spec)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"provider": standin.name, **asdict(fault)}, status_code=201)

    @app.delete("/_local/faults", include_in_schema=False)
    async def local_clear_faults(provider: str = "") -> Response:
        for standin in standins:
            if not provider or standin.name == provider:
                standin.clear_faults()
        return Response(status_code=204)


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hearth local: providers</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fafafa; }
  header { padding: 12px 20px; background: #2b2118; color: #fff; display: flex; gap: 16px;
           align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  main { padding: 12px 20px; }
  section { background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: 12px 0;
            padding: 8px 12px; }
  h2 { font-size: 16px; margin: 4px 0 8px; }
  h3 { font-size: 13px; margin: 10px 0 4px; color: #555; text-transform: uppercase; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
  th { font-weight: 600; color: #555; }
  code, pre { font: 12px/1.35 ui-monospace, monospace; }
  pre { white-space: pre-wrap; word-break: break-all; background: #f4f4f4; padding: 6px;
        margin: 4px 0; max-height: 320px; overflow: auto; }
  .ok { color: #11703a; } .bad { color: #b3261e; } .muted { color: #888; }
  form { display: flex; gap: 8px; flex-wrap: wrap; align-items: end; }
  label { display: flex; flex-direction: column; font-size: 12px; color: #555; }
  input, select, button { font: inherit; padding: 3px 6px; }
  details > summary { cursor: pointer; }
</style>
</head>
<body>
<header><h1>Hearth local: providers</h1><span id="updated" class="muted"></span></header>
<main>
<section>
  <h2>Make a stand-in fail</h2>
  <form id="fault-form">
    <label>provider <select name="provider" id="fault-provider"></select></label>
    <label>status <input name="status" value="429" size="4"></label>
    <label>times <input name="times" value="1" size="3"></label>
    <label>delay (s) <input name="delay" value="0" size="4"></label>
    <label>paths <input name="paths" value="/" size="24"></label>
    <label>Retry-After <input name="retry_after" value="1" size="3"></label>
    <button type="submit">Fail</button>
    <button type="button" id="fault-clear">Clear faults</button>
    <span id="fault-result" class="muted"></span>
  </form>
</section>
<div id="providers"></div>
<section id="emails"><h2>Emails (SES)</h2><div id="email-list" class="muted">loading</div></section>
<section id="received"><h2>Received emails (SES inbound)</h2>
  <div id="received-list" class="muted">loading</div></section>
</main>
<script>
"use strict";
const open = new Set();
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
function statusCell(status, error) {
  if (status === null || status === undefined || status === 0) {
    return el("td", {class: "bad"}, error || "pending");
  }
  return el("td", {class: status < 400 ? "ok" : "bad"}, status);
}
function detail(key, summary, parts) {
  const d = el("details", {"data-key": key}, el("summary", {}, summary));
  if (open.has(key)) d.open = true;
  d.addEventListener("toggle", () => d.open ? open.add(key) : open.delete(key));
  for (const [title, text] of parts) {
    if (text) d.append(el("div", {class: "muted"}, title), el("pre", {}, text));
  }
  return d;
}
function headers(h) {
  return Object.entries(h || {}).map(([k, v]) => k + ": " + v).join("\\n");
}
function requestRows(p) {
  const table = el("table", {class: "requests"},
    el("tr", {}, el("th", {}, "time"), el("th", {}, "request"), el("th", {}, "status"),
       el("th", {}, "ms")));
  for (const r of p.requests) {
    const line = r.method + " " + r.path + (r.query ? "?" + r.query : "");
    table.append(el("tr", {class: "request", "data-provider": p.provider},
      el("td", {}, r.time.slice(11, 23)),
      el("td", {}, detail(p.provider + "-r" + r.id, line + (r.fault ? "  (fault)" : ""),
        [["headers", headers(r.headers)], ["body", r.body], ["answer", r.answer]])),
      statusCell(r.status), el("td", {}, Math.round(r.seconds * 1000))));
  }
  return p.requests.length ? table : el("div", {class: "muted"}, "nothing yet");
}
function callbackRows(p) {
  const table = el("table", {class: "callbacks"},
    el("tr", {}, el("th", {}, "time"), el("th", {}, "webhook"), el("th", {}, "answer")));
  for (const c of p.callbacks) {
    table.append(el("tr", {class: "callback", "data-provider": p.provider},
      el("td", {}, c.time.slice(11, 23)),
      el("td", {}, detail(p.provider + "-c" + c.id, (c.label ? c.label + "  " : "") + "POST " + c.url,
        [["headers", headers(c.headers)], ["body", c.body], ["answer", c.answer]])),
      statusCell(c.status, c.error)));
  }
  return p.callbacks.length ? table : el("div", {class: "muted"}, "none");
}
function render(doc) {
  const box = document.getElementById("providers");
  box.replaceChildren();
  const select = document.getElementById("fault-provider");
  if (!select.options.length) {
    for (const p of doc.providers) select.append(el("option", {value: p.provider}, p.provider));
  }
  for (const p of doc.providers) {
    const faults = p.faults.map(f => (f.status === null ? "delay " + f.delay + "s" : f.status) +
      " x" + f.times + " on " + f.paths).join("; ");
    box.append(el("section", {id: "provider-" + p.provider},
      el("h2", {}, p.provider + "  ", el("code", {class: "muted"}, p.url)),
      faults ? el("div", {class: "bad"}, "faults waiting: " + faults) : null,
      el("h3", {}, "requests (" + p.requests.length + ")"), requestRows(p),
      el("h3", {}, "webhooks that came back (" + p.callbacks.length + ")"), callbackRows(p)));
  }
  const list = document.getElementById("email-list");
  list.replaceChildren();
  if (doc.emails_error) list.append(el("div", {class: "bad"}, doc.emails_error));
  if (!doc.emails.length) list.append(el("div", {class: "muted"}, "none"));
  for (const m of doc.emails) {
    list.append(el("div", {class: "email"}, detail("e" + m.id, m.to + ": " + m.subject,
      [["from", m.from], ["body", m.body]])));
  }
  const received = document.getElementById("received-list");
  received.replaceChildren();
  if (doc.received_error) received.append(el("div", {class: "bad"}, doc.received_error));
  if (!(doc.received || []).length) received.append(el("div", {class: "muted"}, "none"));
  for (const m of doc.received || []) {
    received.append(el("div", {class: "received"}, detail("in" + m.id,
      m.time.slice(11, 19) + "  " + m.from + " to " + m.to + ": " + m.subject,
      [["attachments", m.attachments.join(", ")], ["body", m.body]])));
  }
  document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
}
async function refresh() {
  try {
    const answer = await fetch("/_local/requests.json", {cache: "no-store"});
    render(await answer.json());
  } catch (e) {
    document.getElementById("updated").textContent = "cannot reach the stack: " + e;
  }
}
document.getElementById("fault-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const spec = {provider: form.get("provider"), times: Number(form.get("times")),
    delay: Number(form.get("delay")), paths: form.get("paths"),
    retry_after: Number(form.get("retry_after"))};
  spec.status = form.get("status") === "" ? null : Number(form.get("status"));
  const answer = await fetch("/_local/faults", {method: "POST", body: JSON.stringify(spec),
    headers: {"Content-Type": "application/json"}});
  const body = await answer.json();
  document.getElementById("fault-result").textContent =
    answer.ok ? "set on " + body.provider : "refused: " + body.error;
  refresh();
});
document.getElementById("fault-clear").addEventListener("click", async () => {
  await fetch("/_local/faults", {method: "DELETE"});
  document.getElementById("fault-result").textContent = "cleared";
  refresh();
});
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
"""
