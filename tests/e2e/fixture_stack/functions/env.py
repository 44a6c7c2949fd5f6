"""GET /env: the environment variables the local stack resolved for this stack."""

import json
import os

NAMES = (
    "WORK_QUEUE_URL",
    "WORK_QUEUE_ARN",
    "WORK_QUEUE_NAME",
    "BUCKET",
    "KEY_ARN",
    "SECRET_ARN",
    "GREETING_PARAMETER",
    "BUS_NAME",
    "JOINED",
    "UNSET_VALUE",
    "STAGE_LABEL",
    "AWS_ENDPOINT_URL",
)


def handler(event, context):
    import boto3

    greeting = boto3.client("ssm").get_parameter(Name=os.environ["GREETING_PARAMETER"])["Parameter"]["Value"]
    body = {name: os.environ.get(name) for name in NAMES}
    body["greeting"] = greeting
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
