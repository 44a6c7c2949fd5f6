"""The infrastructure, tested like code: every template transformed offline by SAM's translator,
then its budget, its least privilege, its queues and its wiring asserted."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from hearth_dev.template import stacks as generator
from hearth_dev.template.cfn import long_form
from hearth_dev.template.declarations import Declared, discover
from hearth_dev.template.grants import GRANTS, STACK_PARAMETERS

from hearth import needs
from hearth.settings import Settings
from tests.conftest import ROOT
from tests.infrastructure.conftest import transform

DECLARED = {fn.logical_id: fn for fns in discover(ROOT / "functions").values() for fn in fns}
#: The AWS managed policies SAM attaches to function roles: logs, VPC network interfaces, X-Ray.
MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


def _roles(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Function -> its role's properties."""
    return {
        fn: resources[f"{fn}Role"]["Properties"]
        for fn, res in resources.items()
        if res["Type"] == "AWS::Lambda::Function"
    }


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role.get("Policies") or [] for s in policy["PolicyDocument"]["Statement"]]


# -- budget -------------------------------------------------------------------------------------


def test_every_stack_fits_the_resource_budget(transformed):
    counts = {name or "root": len(resources) for name, resources in transformed.items()}
    assert all(count <= generator.RESOURCE_BUDGET for count in counts.values()), counts
    assert set(counts) == {
        "root",
        "PlatformStack",
        "CrmStack",
        "ProjectsStack",
        "WebhooksStack",
        "AiStack",
        "GithubStack",
        "BillingStack",
        "TelephonyStack",
        "IdentityStack",
        "EmailStack",
        "NotificationsStack",
        "LifecycleStack",
    }


def test_the_generator_counts_what_the_transform_makes(template, transformed):
    """The budget `hearth template` enforces is the real one."""
    for area, functions in discover(ROOT / "functions").items():
        stack = generator.build_stack(area, functions)
        assert stack.budget == len(transformed[stack.logical_id]), area


def _synthetic(area: str, count: int) -> list[Declared]:
    """``count`` CRUD-like routes: writes emit events, some need the secrets key."""
    from hearth.http.spec import RouteSpec

    functions = []
    for i in range(count):
        method = ("GET", "POST", "PATCH", "DELETE")[i % 4]
        declared = [needs.APP_DB, *([needs.EVENTS] if method != "GET" else [])]
        if i % 10 == 0:
            declared.append(needs.SECRETS_KEY)
        spec = RouteSpec(method, f"/v1/{area}-{i // 4}/{{item_id}}", f"{area}:x", True, False, 200)
        functions.append(
            Declared(
                logical_id=f"{area.capitalize()}R{i}Function",
                area=area,
                folder=f"r{i // 4}",
                module=f"m{i}",
                source=ROOT / "functions" / area / f"r{i // 4}" / f"m{i}.py",
                description=spec.route_key,
                needs=tuple(sorted(set(declared), key=lambda n: n.name)),
                route=spec,
            )
        )
    return functions


def test_three_hundred_api_functions_fit():
    """Room for 300 API functions: split into areas of at most 79 routes, each area's stack,
    transformed, stays within the budget, and the root has room for far more stacks."""
    per_area = (generator.RESOURCE_BUDGET - generator.LAYER_RESOURCES) // generator.RESOURCES_PER["route"]
    assert per_area == 79
    sizes = [79, 79, 79, 63]
    assert sum(sizes) == 300
    for n, size in enumerate(sizes):
        stack = generator.build_stack(f"area{n}", _synthetic(f"area{n}", size))
        resources = transform(long_form(stack.template))["Resources"]
        assert len(resources) == stack.budget <= generator.RESOURCE_BUDGET


def test_an_area_over_the_budget_is_refused():
    with pytest.raises(ValueError, match="move some of its folders to another area"):
        generator.build_stack("big", _synthetic("big", 80))


# -- least privilege ----------------------------------------------------------------------------


@pytest.mark.parametrize("logical_id", sorted(DECLARED))
def test_every_function_is_granted_exactly_what_it_declares(template, transformed, logical_id):
    fn = DECLARED[logical_id]
    role = _roles(transformed[fn.stack + "Stack"])[logical_id]
    expected = long_form(generator.function_grant(fn).statements)
    assert _statements(role) == expected
    assert set(role.get("ManagedPolicyArns") or []) <= MANAGED
    variables = template.functions[logical_id].environment
    assert variables == long_form(generator.function_grant(fn).environment)


#: The wildcards a role may hold: S3 keys under the audit anchor prefix (keys name orgs), and
#: under the recordings prefix (keys name orgs and calls): written by one function, read by one.
ANCHOR_OBJECTS = {"Fn::Sub": "${AuditAnchorBucketArn}/audit-anchors/*"}
RECORDING_OBJECTS = {"Fn::Sub": "${RecordingsBucketArn}/recordings/*"}
#: Inbound email: raw messages SES wrote (read by the consumer), attachments (written by the
#: consumer, read by the attachment route); keys name SES messages and orgs.
INBOUND_EMAIL_OBJECTS = (
    {"Fn::Sub": "${InboundEmailBucketArn}/inbound/*"},
    {"Fn::Sub": "${InboundEmailBucketArn}/attachments/*"},
)
#: ... and SES identities: org domains are added at run time (the sender sends from them, the
#: domain routes create, read and delete them).
SES_IDENTITIES = {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"}
SES_IDENTITY_ACTIONS = (
    ["ses:SendEmail"],
    ["ses:CreateEmailIdentity", "ses:GetEmailIdentity", "ses:DeleteEmailIdentity"],
)
#: ... and under the exports prefix (keys name orgs and exports): written by the export worker
#: (a multipart upload may be aborted), read by the export route.
EXPORT_OBJECTS = {"Fn::Sub": "${ExportBucketArn}/exports/*"}


def test_no_statement_grants_a_wildcard(transformed):
    for stack, resources in transformed.items():
        for fn, role in _roles(resources).items():
            for statement in _statements(role):
                assert statement["Effect"] == "Allow"
                if statement["Resource"] == ANCHOR_OBJECTS:
                    assert statement["Action"] == ["s3:PutObject"], (stack, fn, statement)
                    continue
                deleting = ["s3:DeleteObject", "s3:DeleteObjectVersion"]  # the org finaliser's
                if statement["Resource"] == RECORDING_OBJECTS:
                    allowed = (["s3:PutObject"], ["s3:GetObject"], deleting)
                    assert statement["Action"] in allowed, (stack, fn, statement)
                    continue
                if statement["Resource"] == EXPORT_OBJECTS:
                    allowed = (["s3:PutObject", "s3:AbortMultipartUpload"], ["s3:GetObject"], deleting)
                    assert statement["Action"] in allowed, (stack, fn, statement)
                    continue
                if statement["Resource"] in INBOUND_EMAIL_OBJECTS:
                    assert statement["Action"] in (["s3:PutObject"], ["s3:GetObject"]), (stack, fn, statement)
                    continue
                if statement["Resource"] == SES_IDENTITIES:
                    assert statement["Action"] in SES_IDENTITY_ACTIONS, (stack, fn, statement)
                    continue
                if "snapshot:rds:${BackupDbIdentifier}-*" in json.dumps(statement["Resource"]):
                    # The automated snapshots of the one checked database (rds:<id>-<date>), described only.
                    assert all(a.startswith("rds:Describe") for a in statement["Action"]), (
                        stack,
                        fn,
                        statement,
                    )
                    continue
                assert "*" not in json.dumps(statement["Resource"]), (stack, fn, statement)
                assert all("*" not in action for action in statement["Action"]), (stack, fn, statement)


def test_sensitive_grants_go_only_to_functions_that_declare_them():
    def holders(action: str, resource: str) -> set[str]:
        return {
            lid
            for lid, fn in DECLARED.items()
            for s in generator.function_grant(fn).statements
            if action in s["Action"] and resource in json.dumps(long_form(s["Resource"]))
        }

    declaring = {
        need: {lid for lid, fn in DECLARED.items() if need in fn.needs} for need in needs.ALL.values()
    }
    assert holders("secretsmanager:GetSecretValue", "SystemDbSecretArn") == declaring[needs.SYSTEM_DB]
    assert holders("kms:GenerateDataKey", "SecretsKeyArn") == declaring[needs.SECRETS_KEY]
    assert holders("sqs:SendMessage", "EventDispatchQueueArn") == declaring[needs.EVENTS]
    assert holders("ssm:GetParameter", "ApiKeyPepperParameter") == declaring[needs.API_KEY_PEPPER]
    assert (
        holders("secretsmanager:GetSecretValue", "StripeWebhookSecretArn")
        == declaring[needs.STRIPE_WEBHOOK_SECRET]
    )
    assert (
        holders("secretsmanager:GetSecretValue", "GitHubWebhookSecretArn")
        == declaring[needs.GITHUB_WEBHOOK_SECRET]
    )
    assert (
        holders("secretsmanager:GetSecretValue", "AnthropicApiKeySecretArn")
        == declaring[needs.ANTHROPIC_API_KEY]
        == {"AiWorkerFunction"}
    )
    assert declaring[needs.SYSTEM_DB] == {
        "OutboxSweepFunction",
        "WebhookDispatcherFunction",
        "AuditAnchorFunction",
        "BillingUsageReportFunction",
        "SessionExpiryFunction",
        "TaskRemindersFunction",
        "PurgeExpiredFunction",
        "PurgeRecordsFunction",
        "PurgeAuditFunction",
        "BackupCheckFunction",
        "OrgFinaliserFunction",
        "MeDeleteFunction",
        "OrgDeletionLinksFunction",
    }
    assert holders("cognito-idp:AdminUserGlobalSignOut", "UserPoolArn") == declaring[needs.COGNITO_USER_POOL]
    assert holders("s3:PutObject", "AuditAnchorBucketArn") == {"AuditAnchorFunction"}
    assert holders("s3:ListBucket", "AuditAnchorBucketArn") == {"AuditLogsVerifyFunction"}
    assert not holders("s3:GetObject", "AuditAnchorBucketArn")
    assert not holders("s3:DeleteObject", "AuditAnchorBucketArn")
    # Call recordings: the copier writes them, the recording route reads them, only the org
    # finaliser deletes them (a deleted org's).
    assert holders("s3:PutObject", "RecordingsBucketArn") == {"RecordingCopierFunction"}
    assert holders("s3:GetObject", "RecordingsBucketArn") == {"CallsRecordingFunction"}
    assert holders("kms:Decrypt", "RecordingsKeyArn") == {"CallsRecordingFunction"}
    assert holders("s3:DeleteObject", "RecordingsBucketArn") == {"OrgFinaliserFunction"}  # a deleted org's
    # Inbound email: the consumer reads raw messages and writes attachments; the attachment route
    # reads attachments, and so does the email sender (attachments by reference); nobody deletes
    # (the bucket's lifecycle expires raw messages).
    assert holders("s3:PutObject", "InboundEmailBucketArn") == {"InboundEmailFunction"}
    assert holders("s3:GetObject", "InboundEmailBucketArn}/inbound/") == {"InboundEmailFunction"}
    assert holders("s3:GetObject", "InboundEmailBucketArn}/attachments/") == {
        "InboundEmailsAttachmentFunction",
        "EmailSenderFunction",
    }
    assert holders("kms:Decrypt", "InboundEmailKeyArn") == {
        "InboundEmailFunction",
        "InboundEmailsAttachmentFunction",
        "EmailSenderFunction",
    }
    assert not holders("s3:DeleteObject", "InboundEmailBucketArn")
    assert (
        holders("sqs:SendMessage", "SmsSendQueueArn")
        == declaring[needs.SMS_SEND_QUEUE]
        == {"EventDispatchFunction"}
    )
    assert (
        holders("sqs:SendMessage", "EmailSendQueueArn")
        == declaring[needs.EMAIL_SEND_QUEUE]
        == {"EventDispatchFunction"}
    )
    assert (
        holders("ses:SendEmail", "configuration-set") == declaring[needs.SES_SEND] == {"EmailSenderFunction"}
    )
    assert (
        holders("secretsmanager:GetSecretValue", "EmailUnsubscribeSecretArn")
        == declaring[needs.EMAIL_UNSUBSCRIBE_KEY]
        == {"EmailSenderFunction", "HooksUnsubscribeFunction"}
    )
    # Exports: the worker writes the zips, the export route presigns them; the bucket's lifecycle
    # rule deletes them after two days (the finaliser, a deleted org's); the dispatcher feeds the queue.
    assert holders("s3:PutObject", "ExportBucketArn") == {"ExportWorkerFunction"}
    assert holders("s3:GetObject", "ExportBucketArn") == {"ExportsGetFunction"}
    assert holders("kms:Decrypt", "ExportsKeyArn") == {"ExportsGetFunction", "ExportWorkerFunction"}
    assert holders("s3:DeleteObject", "ExportBucketArn") == {"OrgFinaliserFunction"}
    assert holders("sqs:SendMessage", "ExportQueueArn") == {"EventDispatchFunction"}
    # Campaigns: the dispatcher feeds the campaign queue, and the worker queues a campaign that
    # outlasts its budget again.
    assert (
        holders("sqs:SendMessage", "EmailCampaignQueueArn")
        == declaring[needs.EMAIL_CAMPAIGN_QUEUE]
        == {"EventDispatchFunction", "EmailCampaignFunction"}
    )
    assert holders("sqs:SendMessage", "OrgDeletionQueueArn") == {"EventDispatchFunction"}


def test_the_audit_anchor_bucket_locks_anchors_for_the_audit_retention(template):
    """Object Lock in compliance mode (nobody can shorten it or delete an anchor) for at least
    the audit retention; versioned, private, kept when the stack goes."""
    bucket = template.resources["AuditAnchorBucket"]
    assert bucket["Type"] == "AWS::S3::Bucket"
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    props = bucket["Properties"]
    assert props["ObjectLockEnabled"] is True
    rule = props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert props["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    assert rule == {"Mode": "COMPLIANCE", "Days": {"Ref": "AuditRetentionDays"}}
    retention = template.parameters["AuditRetentionDays"]
    assert retention["Type"] == "Number"
    assert int(retention["Default"]) >= 90
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(props["PublicAccessBlockConfiguration"].values())


def test_the_export_bucket_is_private_encrypted_and_keeps_zips_two_days(template):
    bucket = template.resources["ExportBucket"]["Properties"]
    [encryption] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert encryption["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {
        "Fn::GetAtt": ["ExportsKey", "Arn"]
    }
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    [rule] = bucket["LifecycleConfiguration"]["Rules"]
    assert (rule["Status"], rule["Prefix"], rule["ExpirationInDays"]) == ("Enabled", "exports/", 2)
    queue = template.resources["ExportQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["ExportDeadLetterQueue", "Arn"]}
    alarm = template.resources["ExportDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["ExportDeadLetterQueue", "QueueName"]}


def test_received_attachments_expire_when_the_retention_policy_erases_their_message(template):
    """The inbound email bucket deletes attachments/ after the days the inbound_email_content
    kind erases the message's content (which, for that reason, takes no longer period)."""
    from hearth.lifecycle.retention import INBOUND_ATTACHMENT_DAYS, policy

    rules = {
        r["Id"]: r
        for r in template.resources["InboundEmailBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    }
    rule = rules["AttachmentsExpire"]
    assert (rule["Status"], rule["Prefix"], rule["ExpirationInDays"]) == (
        "Enabled",
        "attachments/",
        INBOUND_ATTACHMENT_DAYS,
    )
    kind = policy()["inbound_email_content"]
    assert kind.period.days == INBOUND_ATTACHMENT_DAYS
    assert not kind.overridable


def test_the_org_deletion_queue_has_a_dead_letter_queue_and_its_alarm(template):
    queue = template.resources["OrgDeletionQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["OrgDeletionDeadLetterQueue", "Arn"]
    }
    alarm = template.resources["OrgDeletionDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["OrgDeletionDeadLetterQueue", "QueueName"]}


def test_every_need_has_a_grant_whose_variables_are_its_settings():
    """The cold-start check and the deployment come from the same declaration: each variable a
    need's grant sets is one of the settings the need checks; a need with nothing to configure
    (a provider SDK) grants a layer and nothing else."""
    assert set(GRANTS) == set(needs.ALL)
    for name, need in needs.ALL.items():
        if not need.settings:
            assert GRANTS[name].layers, name
            assert not GRANTS[name].environment, name
            assert not GRANTS[name].statements, name
            continue
        assert set(need.settings) <= set(Settings.model_fields), name
        for variable in GRANTS[name].environment:
            assert variable.removeprefix("HEARTH_").lower() in need.settings, (name, variable)


def test_route_modules_declare_the_events_they_emit():
    """Every write route of a record resource declares needs.EVENTS (a route that emits without
    it fails in tests: see RequestContext.emit); reads declare nothing beyond the database."""
    for fn in DECLARED.values():
        if fn.route is not None and fn.route.method == "GET":
            assert needs.EVENTS not in fn.needs, fn.logical_id


# -- wiring -------------------------------------------------------------------------------------


def test_every_route_is_an_authorized_integration_with_its_own_permission(template):
    for name, stack in template.stacks.items():
        resources = stack.raw["Resources"]
        for fn_id, fn in template.functions.items():
            if fn.stack != name or not fn.routes:
                continue
            (route,) = fn.routes
            base = fn_id.removesuffix("Function")
            props = resources[f"{base}Route"]["Properties"]
            assert route.authorized == (not route.path.startswith("/webhooks/")), fn_id
            if not route.authorized:  # a provider webhook: its signature, not the authorizer
                assert props["AuthorizationType"] == "NONE"
                assert DECLARED[fn_id].hook is not None, fn_id
                assert "AuthorizerId" not in props
            else:
                assert props["AuthorizationType"] == "CUSTOM"
                assert props["AuthorizerId"] == {"Ref": "AuthorizerId"}
            assert props["ApiId"] == {"Ref": "HttpApiId"}
            source_arn = resources[f"{base}Permission"]["Properties"]["SourceArn"]["Fn::Sub"]
            path = re.sub(r"\{[^}]+\}", "*", route.path)
            assert source_arn.endswith(f"${{HttpApiId}}/*/{route.method}{path}"), fn_id


def test_the_root_gives_every_stack_exactly_its_parameters(template):
    assert set(template.stacks) == {generator.stack_logical_id(a) for a in discover(ROOT / "functions")}
    for name, stack in template.stacks.items():
        declared = set(stack.raw.get("Parameters") or {})
        assert set(stack.parameters) == declared, name
        for parameter, value in stack.parameters.items():
            assert value == long_form(STACK_PARAMETERS[parameter].root_value), (name, parameter)


def test_every_route_key_is_served_once(template):
    keys = Counter(route.route_key for fn in template.functions.values() for route in fn.routes)
    assert keys
    assert max(keys.values()) == 1


def test_every_queue_has_a_dead_letter_queue_with_a_depth_alarm(template):
    queues = template.of_type("AWS::SQS::Queue")
    dead_letter = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in (q.get("Properties") or {})
    }
    alarmed = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in template.of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and alarm["Properties"].get("AlarmActions")
    }
    for name, queue in queues.items():
        if name in dead_letter:
            assert name in alarmed, f"{name} (a dead-letter queue) has no depth alarm"
        else:
            assert "RedrivePolicy" in queue["Properties"], f"{name} has no dead-letter queue"
    consumed = {source.queue for fn in template.functions.values() for source in fn.sqs}
    assert consumed
    assert consumed <= set(queues) - dead_letter


def test_every_consumer_reports_partial_failures_with_bounded_concurrency(template):
    consumers = [fn for fn in DECLARED.values() if fn.consumer is not None]
    assert consumers
    for fn in consumers:
        (source,) = template.functions[fn.logical_id].sqs
        assert source.report_failures, fn.logical_id
        assert fn.consumer is not None
        assert fn.consumer.reserved_concurrency, fn.logical_id


def test_every_function_has_a_sample_event(template):
    missing = [fn.logical_id for fn in template.functions.values() if not fn.sample_event.is_file()]
    assert not missing


def test_the_committed_templates_are_what_the_modules_declare():
    outcome = generator.generate(ROOT, check=True)
    assert not outcome.stale, "run `hearth template`"


def test_a_provider_sdk_need_brings_its_layer_to_the_functions_that_declare_it(monkeypatch):
    """A need may come with a layer (a provider SDK): the stack publishes it once, only the
    functions that declare the need load it, and the budget counts it."""
    from hearth_dev.template.grants import Grant

    sdk = needs.Need("example_sdk", ("stage",), "imports the Example SDK")
    monkeypatch.setitem(GRANTS, "example_sdk", Grant(layers=("ExampleSdkLayer",)))
    functions = _synthetic("sdk", 4)
    functions[0] = Declared(**{**functions[0].__dict__, "needs": (*functions[0].needs, sdk)})
    stack = generator.build_stack("sdk", functions)
    resources = stack.template["Resources"]
    assert long_form(resources["ExampleSdkLayer"]["Properties"]["ContentUri"]) == "../../layers/example_sdk/"
    with_sdk = long_form(resources[functions[0].logical_id]["Properties"]["Layers"])
    assert {"Ref": "ExampleSdkLayer"} in with_sdk
    assert "Layers" not in resources[functions[1].logical_id]["Properties"]  # the Globals' two only
    transformed = transform(long_form(stack.template))["Resources"]
    assert stack.budget == len(transformed)
    # SAM appends a function's layers to the Globals': each layer once, core and Hearth first.
    layers = [ref["Ref"] for ref in transformed[functions[0].logical_id]["Properties"]["Layers"]]
    # (the transform names each layer version with a hash suffix)
    assert [re.sub(r"[0-9a-f]{10}$", "", name) for name in layers] == [
        "CoreDepsLayer",
        "HearthLayer",
        "ExampleSdkLayer",
    ]


# -- abuse limits: throttles, access log, concurrency ----------------------------------------------

#: Routes whose one request costs the database much: batches of up to 100 writes, whole-chain
#: checks, rescheduling a period's failed deliveries.
EXPENSIVE = re.compile(r"^(POST /v1/.+/batch/(create|update)|GET /v1/audit-logs/verify|POST .+/recover)$")


def _stage(template) -> dict[str, Any]:
    (stage,) = template.of_type("AWS::ApiGatewayV2::Stage").values()
    return stage


def _number_parameter(template, name: str) -> int:
    parameter = template.parameters[name]
    assert parameter["Type"] == "Number", name
    return int(parameter["Default"])


def test_the_stage_throttles_every_route_from_its_parameters(template, transformed):
    stage = _stage(template)
    assert stage["Properties"]["ApiId"] == {"Ref": "HttpApi"}
    defaults = stage["Properties"]["DefaultRouteSettings"]
    assert defaults["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert defaults["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert _number_parameter(template, "ApiThrottlingRateLimit") > 0
    assert _number_parameter(template, "ApiThrottlingBurstLimit") > 0
    (after,) = [r for r in transformed[None].values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    assert after["Properties"]["DefaultRouteSettings"] == defaults


def test_expensive_routes_declare_a_throttle_below_the_stages():
    expensive = {fn.route.route_key: fn.route for fn in DECLARED.values() if fn.route is not None}
    expensive = {key: route for key, route in expensive.items() if EXPENSIVE.match(key)}
    assert len(expensive) >= 18  # 8 resources' two batch routes, verify, recover
    for key, route in expensive.items():
        assert route.throttle is not None, f"{key} declares no throttle"
        assert route.throttle.rate <= 10, key
        assert route.throttle.burst <= 20, key


def test_every_declared_throttle_is_a_route_setting_applied_after_its_route_exists(template):
    stage = _stage(template)
    declared = {
        fn.endpoint.route_key: (fn.stack + "Stack", fn.endpoint.throttle)
        for fn in DECLARED.values()
        if fn.endpoint is not None and fn.endpoint.throttle is not None
    }
    settings = stage["Properties"]["RouteSettings"]
    assert set(settings) == set(declared)
    served = template.routes()
    for key, (stack, throttle) in declared.items():
        assert settings[key] == {"ThrottlingBurstLimit": throttle.burst, "ThrottlingRateLimit": throttle.rate}
        # API Gateway refuses a route setting for a route it does not have yet.
        assert served[key].stack == stack
        assert stack in stage["DependsOn"], key


def test_a_throttle_declared_on_a_route_reaches_the_stage():
    from hearth.http import Api

    api = Api()
    api.route("POST", "/v1/things/batch/create", permission="things:create")(lambda: None)
    api.throttled(rate=3, burst=7)
    plain = _synthetic("things", 4)
    throttled = Declared(**{**plain[1].__dict__, "route": api.spec})
    stacks = [
        generator.build_stack("things", [plain[0], throttled]),
        generator.build_stack("other", plain[2:]),
    ]
    stage = long_form(generator.http_api_stage(stacks))
    assert stage["DependsOn"] == ["ThingsStack"]
    assert stage["Properties"]["RouteSettings"] == {
        "POST /v1/things/batch/create": {"ThrottlingBurstLimit": 7, "ThrottlingRateLimit": 3.0}
    }
    assert "DependsOn" not in generator.http_api_stage(stacks[1:])
    with pytest.raises(ValueError):
        api.throttled(rate=0, burst=1)


def test_the_stage_writes_an_access_log_with_the_request_id_to_a_kept_log_group(template, transformed):
    settings = _stage(template)["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]}
    group = template.resources["HttpApiAccessLogs"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "AccessLogRetentionDays"}
    assert _number_parameter(template, "AccessLogRetentionDays") >= 30
    line = json.loads(settings["Format"])  # one JSON object per request
    # The id the functions log as their correlation id, and who called, as the authorizer found.
    assert line["requestId"] == "$context.requestId"
    assert {"$context.status", "$context.routeKey", "$context.identity.sourceIp"} <= set(line.values())
    assert "$context.authorizer.org_id" in line.values()
    assert not any("authorization" in v.lower() or "header" in v.lower() for v in line.values())


def test_the_concurrency_budget_fits_the_database(template, transformed):
    """What may hold a connection to the RDS Proxy at once, with the template's defaults: the
    authorizer (reserved), every consumer and schedule (reserved), and the API's functions
    (at most the stage's burst in flight at once). README ("Concurrency budget") states the sum."""
    authorizer = template.resources["AuthorizerFunction"]["Properties"]
    assert authorizer["ReservedConcurrentExecutions"] == {"Ref": "AuthorizerReservedConcurrency"}
    (function,) = [
        r
        for k, r in transformed[None].items()
        if k == "AuthorizerFunction" and r["Type"] == "AWS::Lambda::Function"
    ]
    assert function["Properties"]["ReservedConcurrentExecutions"] == {"Ref": "AuthorizerReservedConcurrency"}
    background = 0
    for fn in DECLARED.values():
        deployment = fn.consumer or fn.schedule
        if deployment is not None:
            assert deployment.reserved_concurrency, fn.logical_id
            background += deployment.reserved_concurrency
    budget = (
        _number_parameter(template, "AuthorizerReservedConcurrency")
        + background
        + _number_parameter(template, "ApiThrottlingBurstLimit")
    )
    assert budget <= BUDGET_CONNECTIONS, budget
    readme = (ROOT / "README.md").read_text()
    assert f"{BUDGET_CONNECTIONS} connections" in readme


#: The proxy connections the defaults are sized for (README, "Concurrency budget").
BUDGET_CONNECTIONS = 300


def test_the_recordings_bucket_is_private_and_encrypted_with_its_own_key(template):
    """SSE-KMS under the recordings key (bucket key on), versioned, private, kept when the stack goes."""
    bucket = template.resources["RecordingsBucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    props = bucket["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert long_form(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]) == {
        "Fn::GetAtt": ["RecordingsKey", "Arn"]
    }
    assert rule["BucketKeyEnabled"] is True
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert template.resources["RecordingsKey"]["Properties"]["EnableKeyRotation"] is True


def test_the_user_pool_trigger_may_send_only_the_account_email(template):
    """The trigger sends account_locked: SendEmail on the account's identities with the
    deployment's configuration set, the system address in its environment, nothing else of SES."""
    fn = template.resources["CognitoTriggersFunction"]["Properties"]
    environment = fn["Environment"]["Variables"]
    assert environment["HEARTH_EMAIL_SYSTEM_FROM"] == {"Ref": "EmailSystemFrom"}
    assert environment["HEARTH_EMAIL_CONFIGURATION_SET"] == {"Ref": "EmailConfigurationSet"}
    statements = [
        s for p in fn["Policies"] if isinstance(p, dict) and "Statement" in p for s in p["Statement"]
    ]
    ses = [s for s in statements if any(a.startswith("ses:") for a in s["Action"])]
    assert [s["Action"] for s in ses] == [["ses:SendEmail"], ["ses:SendEmail"]]
    resources = json.dumps([s["Resource"] for s in ses])
    assert ":identity/*" in resources
    assert ":configuration-set/${EmailConfigurationSet}" in resources
