"""POST /webhooks/github/events: GitHub App webhook deliveries (push, pull_request, issues,
installation, installation_repositories), verified (X-Hub-Signature-256), deduplicated, applied
to the org the installation is linked to."""

from hearth import needs
from hearth.github import deliveries
from hearth.hooks import Hook, HookContext, Verified, lookups

hook = Hook()


def _installation(delivery: Verified) -> str | None:
    installation = delivery.payload.get("installation") if isinstance(delivery.payload, dict) else None
    value = installation.get("id") if isinstance(installation, dict) else None
    return str(value) if isinstance(value, int) else None


@hook.post(
    "/webhooks/github/events",
    provider="github",
    org=lookups.org_by("hearth_org_of_github_installation", _installation),
    needs=[needs.GITHUB_WEBHOOK_SECRET, needs.EVENTS],
)
def on_github_event(ctx: HookContext) -> None:
    """Link commits and pull requests to the tasks they name, keep linked issues and the
    installation current (``hearth.github.deliveries``)."""
    deliveries.handle(ctx)


handler = hook.handler
