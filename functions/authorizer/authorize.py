"""The HTTP API's Lambda authorizer (payload 2.0, simple responses).

Resolves the caller from ``Authorization: Bearer <JWT | hk_…>`` and ``X-Hearth-Org`` and puts
the principal in the authorizer context; denies everything else.
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerResponseV2,
)

from hearth.auth import authorizer
from hearth.observability import logger

authorizer.check_configuration()


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=APIGatewayAuthorizerEventV2)
def handler(event: APIGatewayAuthorizerEventV2, context: Any) -> dict[str, Any]:
    logger.set_correlation_id(event.request_context.request_id)
    logger.append_keys(route=event.route_key)
    try:
        principal = authorizer.authorize(
            {k.lower(): v for k, v in (event.headers or {}).items()},
            source_ip=event.request_context.http.source_ip,
        )
    except authorizer.Denied as denied:
        logger.info("denied", extra={"reason": denied.reason})
        return APIGatewayAuthorizerResponseV2(authorize=False).asdict()
    logger.info("allowed", extra={"kind": principal.kind, "org_id": str(principal.org_id or "")})
    return APIGatewayAuthorizerResponseV2(authorize=True, context=principal.to_context()).asdict()
