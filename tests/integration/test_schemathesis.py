"""Schemathesis against the whole API, in process: the OpenAPI document ``hearth openapi`` writes,
every operation, every check and every phase (examples, coverage, fuzzing, stateful), through the
local stack's HTTP front (the in-process API Gateway with its authorizer) as an ASGI app.

The suite's run is bounded (3 examples per operation and phase, a fixed seed: about 27,000
requests, some 6 minutes on a loaded 2-core machine, most of them the coverage phase's boundary
cases); a longer one::

    HEARTH_SCHEMATHESIS_EXAMPLES=25 .venv/bin/python -m pytest tests/integration/test_schemathesis.py -s

Every check runs but ``unsupported_method`` (API Gateway, not Hearth, answers a method a path
does not declare, with 404). Any server error, any answer the document does not describe, or any
refusal of input the document calls valid (``rules_the_schema_cannot_state`` names the few
refusals a schema cannot express) fails the test, with one line per distinct failure
(operation, check, title), the answer and how to reproduce it.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import available_timezones

import pytest
import schemathesis
from hearth_dev.local.http import create_app
from hearth_dev.sam.openapi import build_openapi
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

EXAMPLES = int(os.environ.get("HEARTH_SCHEMATHESIS_EXAMPLES", "3"))
PHASES = os.environ.get("HEARTH_SCHEMATHESIS_PHASES", "examples,coverage,fuzzing,stateful").split(",")
SEED = int(os.environ.get("HEARTH_SCHEMATHESIS_SEED", "17"))
#: Stateful scenarios chain requests; bounded so the suite's run stays within a few minutes.
STATEFUL_STEPS = int(os.environ.get("HEARTH_SCHEMATHESIS_STATEFUL_STEPS", "6"))


@dataclass
class Outcome:
    operations: set[str] = field(default_factory=set)
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def count(self, recorder: Any) -> None:
        for interaction in recorder.interactions.values():
            self.requests += 1
            if interaction.response is not None:
                self.statuses[interaction.response.status_code] += 1
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.status != Status.FAILURE or check.failure_info is None:
                    continue
                failure = check.failure_info.failure
                key = (failure.operation or recorder.label, check.name, failure.title)
                answer = ""
                interaction = recorder.interactions.get(case_id)
                if interaction is not None and interaction.response is not None:
                    answer = f"{interaction.response.status_code} {interaction.response.content[:300]!r}"
                self.failures.setdefault(
                    key, f"{failure.message}\n    {check.failure_info.code_sample}\n    -> {answer}".strip()
                )

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def report(self) -> str:
        lines = [
            f"{len(self.operations)} operations, {self.requests} requests, "
            f"{self.server_errors} server errors, {len(self.failures)} distinct failures",
            "statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items())),
        ]
        for (operation, check, title), detail in sorted(self.failures.items()):
            lines.append(f"- {operation} [{check}] {title}\n    {detail[:1500]}")
        lines.extend(f"! {error}" for error in self.errors)
        return "\n".join(lines)


#: Why the API may refuse input its document calls valid: rules about other records, the state
#: of the record being changed and the outside world, which a JSON Schema cannot state (a
#: referenced record must exist in the org, a time entry's task belongs to its project, a
#: project is made from a won deal, a cursor is one the list returned, webhooks go to public
#: hosts).
RULES_THE_SCHEMA_CANNOT_STATE = frozenset(
    {
        "reference_not_found",  # a referenced record must exist in the org
        "task_not_in_project",
        "due_before_start",  # a project's due_date is not before its start_date
        "before_start",  # ... nor, on an update, before the start_date it keeps
        "stage_not_in_pipeline",
        "deal_not_won",
        "required",  # a field the record as it will be needs (a lost deal's reason, a person's name)
        "invalid_cursor",  # a cursor is one the list returned
        "idempotency_key_reused",  # the key was sent before with another body
        "too_many_filters",
        "url_not_allowed",  # webhooks go to public addresses (DNS)
        "credentials_rejected",  # a provider account is claimed with credentials the provider accepts
        "state_invalid",  # a GitHub install state is one Hearth issued for this org
        "installation_not_found",  # ... naming an installation GitHub knows
        "installation_predates_state",  # ... made after the state was issued
        "repository_not_found",  # a repository the org's GitHub installation can see
        "unknown_plan",  # plans are the deployment's configuration (HEARTH_PLANS), not the document's
        "not_for_sale",  # ... as are the intervals each plan has a price for
        # Telephony: the org's Twilio set-up and the numbering plan, which no schema can state.
        "twilio_not_connected",  # the org has connected Twilio
        "no_sender_number",  # the org has a number to send from
        "no_member_phone",  # the caller has a phone of their own to ring first
        "not_an_org_number",  # `from` is one of the org's numbers
        "number_not_in_account",  # Twilio lists the number in the org's account
        "number_attached",  # the org does not hold the number already
        "provider_refused",  # Twilio refused the request
        "invalid_phone_number",  # the numbering plan (phonenumbers), beyond the E.164 pattern
        "invalid_recipient",  # the same, for a recipient
        "no_phone_number",  # the person named has a phone
        "recipient_opted_out",  # the recipient did not send STOP
        "default_required",  # the org keeps a default number
        "member_required",  # only a member's number rings a phone
        "reserved_slug",  # an inbound email address is not one mail systems reserve (postmaster...)
        "duplicate_type",  # notification preferences name each type once
        "unsupported_subject",  # an AI task is about the record types it reads (draft_reply: a person)
        # Email: the org's SES set-up, its suppression list and its templates' variables.
        "domain_not_verified",  # the sender is on a domain of the org SES verified
        "no_sender_address",  # the org has a default sender, or the send names one
        "recipient_suppressed",  # the recipient did not bounce, complain or unsubscribe
        "no_email_address",  # the person named has an email address
        "template_render_failed",  # the template renders with the variables given
        "invalid_email_address",  # the address pattern, beyond what JSON Schema's pattern checks
        "marketing_single_recipient",  # a marketing email has one recipient (its unsubscribe link)
        "domain_taken",  # the domain is not another org's
        "invalid_domain",  # a domain name's labels, beyond the pattern's characters
        "content_required",  # an email has subject and text or html, or a template
        "content_conflict",  # ... not both
        "body_required",  # a template keeps a text or an HTML body
        # Retention: the policy's kinds and their periods are the platform's configuration.
        "unknown_kind",  # a kind of data the retention policy has
        "not_overridable",  # ... whose period an org may change
        "retention_too_short",  # ... to a period not below the default
        "duplicate",  # ... named once per request
        "not_allowed",  # an export's project_id belongs to scope project only
        # Campaigns and attachments: what the org holds.
        "audience_required",  # a campaign names person_ids and/or a tag
        "empty_audience",  # ... that reach a person of the org
        "attachments_too_large",  # an email's attachments come to 10 MB at most (their stored sizes)
    }
)


#: `format: time-zone` (an IANA time zone name): the names this machine's time zone database has.
schemathesis.openapi.format("time-zone", st.sampled_from(sorted(available_timezones())))


@schemathesis.check
def rules_the_schema_cannot_state(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request generated from the document as valid is refused with 422 only for a rule the
    document cannot state; any other 422 means the document and the server disagree."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    if any(value is None for value in (case.path_parameters or {}).values()):
        return None  # a stateful link carried a null into the path: not what the document describes
    problem = response.json()
    codes = {str(error.get("code")) for error in problem.get("errors") or []} or {str(problem.get("code"))}
    unexplained = sorted(codes - RULES_THE_SCHEMA_CANNOT_STATE)
    if unexplained:
        raise AssertionError(f"Schema-valid input refused ({', '.join(unexplained)}): {problem}")
    return None


def _config(headers: dict[str, str], parameters: dict[str, str]) -> SchemathesisConfig:
    phases: dict[str, Any] = {
        name: {"enabled": name in PHASES} for name in ("examples", "coverage", "fuzzing")
    }
    phases["stateful"] = {"enabled": "stateful" in PHASES, "max-steps": STATEFUL_STEPS}
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": headers,
            # The org the credentials act in: a random X-Hearth-Org is only ever a 403.
            "parameters": parameters,
            "workers": 1,
            "checks": {
                "enabled": True,
                # 422 for schema-valid input is judged by `rules_the_schema_cannot_state` below;
                # 412 is a stale If-Match (the version a request names is state, not schema).
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "401", "403", "404", "409", "412", "422", "429"]
                },
                # API Gateway (HTTP API) answers 404 for a method a path does not declare, not 405:
                # the gateway decides, before any function runs.
                "unsupported_method": {"enabled": False},
            },
            "cache": {"enabled": False},
            "phases": phases,
            # The kit refuses U+0000 in any text (PostgreSQL cannot store it), as the document's
            # description says; strings with it are not generated as valid ones.
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": True,
                "mode": "all",
                "allow-x00": False,
            },
            "suppress-health-check": ["all"],
        }
    )


def run(gateway: Any, headers: dict[str, str], parameters: dict[str, str]) -> Outcome:
    document = build_openapi(gateway.template)
    with ThreadPoolExecutor(max_workers=2) as executor:
        app = create_app(gateway, openapi=lambda: document, executor=executor)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config(headers, parameters))
        outcome = Outcome()
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                outcome.operations.add(event.recorder.label)
                outcome.count(event.recorder)
            elif isinstance(event, events.FuzzScenarioFinished):
                outcome.count(event.recorder)
            elif isinstance(event, events.NonFatalError):
                outcome.errors.append(f"{event.label}: {event.value!r}")
            elif isinstance(event, events.FatalError):
                raise event.exception
    return outcome


@pytest.mark.timeout(1200)
def test_every_operation_answers_as_documented(gateway, tenant) -> None:  # type: ignore[no-untyped-def]
    outcome = run(gateway, {"Authorization": tenant.key_auth}, {"header.X-Hearth-Org": tenant.org_id})
    print(outcome.report())
    assert outcome.requests > 0
    assert outcome.server_errors == 0, outcome.report()
    assert not outcome.failures, outcome.report()
    assert not outcome.errors, outcome.report()
