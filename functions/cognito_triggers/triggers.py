"""The Cognito user pool's Lambda triggers (pre-authentication, post-authentication, post-
confirmation, custom message): security events, lockout, the Hearth user at sign-up. Declared
in the root template beside the user pool, as the authorizer is."""

from typing import Any

from hearth.identity import triggers
from hearth.observability import logger


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.append_keys(trigger_source=str(event.get("triggerSource") or ""))
    return triggers.handle(event)
