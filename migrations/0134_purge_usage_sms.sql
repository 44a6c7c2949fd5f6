-- Two more kinds of the retention policy.
--
-- billing_usage: the usage ledger's rows go 400 days after they occurred (thirteen months: every
-- invoice period Stripe may still bill or be disputed about, and a year); the monthly totals
-- (billing_usage_months), which the allowances and GET /v1/billing read, stay.
--
-- sms_messages: what an SMS said (body, media links) is erased a year after it was sent or
-- received; the message stays in the org's log (who, when, status, the Twilio sid).

GRANT DELETE ON billing_usage TO hearth_system;
CREATE POLICY system_delete ON billing_usage FOR DELETE TO hearth_system
  USING (occurred_at < now() - interval '400 days');
CREATE INDEX billing_usage_purge ON billing_usage (occurred_at);

-- content_erased_at says when (the purge finds messages by it, never by reading their content).
ALTER TABLE sms_messages ADD COLUMN content_erased_at timestamptz;
GRANT SELECT (org_id, id, created_at, content_erased_at) ON sms_messages TO hearth_system;
GRANT UPDATE (body, media_urls, content_erased_at) ON sms_messages TO hearth_system;
CREATE POLICY system_select ON sms_messages FOR SELECT TO hearth_system
  USING (created_at < now() - interval '365 days');
CREATE POLICY system_erase ON sms_messages FOR UPDATE TO hearth_system
  USING (created_at < now() - interval '365 days')
  WITH CHECK (body = '' AND media_urls = '{}' AND content_erased_at IS NOT NULL);
CREATE INDEX sms_messages_purge ON sms_messages (created_at) WHERE content_erased_at IS NULL;
-- The message's update trigger (statuses only move forward) ranks statuses.
GRANT EXECUTE ON FUNCTION hearth_sms_status_rank(text) TO hearth_system;
