-- Org deletion: the provider links of a removed org (the Stripe subscription, the Twilio numbers
-- Hearth bought, the GitHub installation) are let go by the OrgDeletionQueue consumer, fed from
-- org.deletion_finalising. What it has done is kept with the deletion record, one mark per
-- provider (and per number), so a repeated message or a retry after one provider failed does
-- again only what is left. The system role may set these marks and nothing else.
ALTER TABLE org_deletions
  ADD COLUMN stripe_canceled_at timestamptz,
  ADD COLUMN twilio_released text[] NOT NULL DEFAULT '{}',
  ADD COLUMN github_unlinked_at timestamptz;
GRANT UPDATE (stripe_canceled_at, twilio_released, github_unlinked_at) ON org_deletions TO hearth_system;
