"""POST /echo answers with the request body as received (base64 stays base64); any other route
answers with the whole event as JSON, so tests can look at what the gateway built."""

import json


def handler(event, context):
    if event["routeKey"] == "POST /echo":
        return {
            "statusCode": 200,
            "headers": {"content-type": event["headers"].get("content-type", "application/octet-stream")},
            "body": event.get("body", ""),
            "isBase64Encoded": event["isBase64Encoded"],
            "cookies": ["echo=1; Path=/", "seen=yes; Path=/"],
        }
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
