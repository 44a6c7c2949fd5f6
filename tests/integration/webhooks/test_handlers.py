"""The consumers and schedules run from template.yaml with their sample events in events/ (the
samples name ids that do not exist: the handlers settle them without failing)."""

from __future__ import annotations

import json

from hearth_dev.sam.functions import invoke

from tests.integration.webhooks.conftest import TEMPLATE


def test_consumers_accept_their_sample_batches(aws):
    for function in ("EventDispatchFunction", "WebhookSenderFunction", "WebhookRetrySenderFunction"):
        fn = TEMPLATE.functions[function]
        result = invoke(fn, json.loads(fn.sample_event.read_text()))
        assert result == {"batchItemFailures": []}, function
        source = fn.sqs[0]
        assert (source.batch_size, source.report_failures) == (10, True)


def test_schedules_run_every_minute_with_their_samples(aws):
    assert aws.schedule("OutboxSweepFunction") == {"found": 0, "published": 0}
    assert aws.schedule("WebhookDispatcherFunction") == {"released": 0}
    for function in ("OutboxSweepFunction", "WebhookDispatcherFunction"):
        [schedule] = TEMPLATE.functions[function].schedules
        assert (schedule.expression, schedule.enabled) == ("rate(1 minute)", True)


def test_every_events_queue_has_a_dead_letter_queue_and_an_alarm():
    resources = TEMPLATE.resources
    queues = {
        name: res
        for name, res in resources.items()
        if res["Type"] == "AWS::SQS::Queue"
        and name in ("EventDispatchQueue", "WebhookDeliveryQueue", "WebhookRetryQueue")
    }
    assert len(queues) == 3
    alarmed = {
        dimension["Value"]["Fn::GetAtt"][0]
        for alarm in resources.values()
        if alarm["Type"] == "AWS::CloudWatch::Alarm"
        for dimension in alarm["Properties"].get("Dimensions", [])
        if isinstance(dimension["Value"], dict) and "Fn::GetAtt" in dimension["Value"]
    }
    for name, queue in queues.items():
        dlq = queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert dlq in alarmed, name
    webhooks = TEMPLATE.stacks["WebhooksStack"].raw["Resources"]
    for sender in ("WebhookSenderFunction", "WebhookRetrySenderFunction"):
        assert webhooks[sender]["Properties"]["ReservedConcurrentExecutions"] > 0
