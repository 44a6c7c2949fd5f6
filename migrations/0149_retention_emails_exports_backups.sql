-- Four more kinds of the retention policy (hearth.lifecycle.retention). As for the others, the
-- system role reaches only the rows past the default period, through policies that state it;
-- an org's longer period (retention_overrides) is applied by the purge's own statement.
--
-- email_content: what a sent email said (its bodies and the attachments it named) is erased a
-- year after it was created; the email stays in the org's log (addresses, subject, status,
-- provider id, opens and clicks).
ALTER TABLE emails ADD COLUMN content_erased_at timestamptz;
GRANT SELECT (org_id, id, created_at, content_erased_at) ON emails TO hearth_system;
GRANT UPDATE (text_body, html_body, attachments, content_erased_at) ON emails TO hearth_system;
CREATE POLICY system_select ON emails FOR SELECT TO hearth_system
  USING (created_at < now() - interval '365 days');
CREATE POLICY system_erase ON emails FOR UPDATE TO hearth_system
  USING (created_at < now() - interval '365 days')
  WITH CHECK (text_body = '' AND html_body IS NULL AND attachments = '[]' AND content_erased_at IS NOT NULL);
CREATE INDEX emails_purge ON emails (created_at) WHERE content_erased_at IS NULL;
-- The email's update trigger (statuses only move forward) ranks statuses.
GRANT EXECUTE ON FUNCTION hearth_email_status_rank(text) TO hearth_system;

-- inbound_email_content: what a received email said (its bodies and its attachments' list) is
-- erased a year after it was received; the message stays in the org's log (sender, recipients,
-- subject, verdicts). The attachments themselves are deleted from the inbound email bucket by
-- its lifecycle rule (attachments/, the same 365 days: template.yaml), so this kind takes no
-- longer period per org.
ALTER TABLE inbound_emails ADD COLUMN content_erased_at timestamptz;
GRANT SELECT (org_id, id, received_at, content_erased_at) ON inbound_emails TO hearth_system;
GRANT UPDATE (text_body, html_body, attachments, content_erased_at) ON inbound_emails TO hearth_system;
CREATE POLICY system_select ON inbound_emails FOR SELECT TO hearth_system
  USING (received_at < now() - interval '365 days');
CREATE POLICY system_erase ON inbound_emails FOR UPDATE TO hearth_system
  USING (received_at < now() - interval '365 days')
  WITH CHECK (text_body = '' AND html_body IS NULL AND attachments = '[]' AND content_erased_at IS NOT NULL);
CREATE INDEX inbound_emails_purge ON inbound_emails (received_at) WHERE content_erased_at IS NULL;

-- exports: an export's row (who asked for what, when, the counts) goes 90 days after it was
-- asked for; the zip itself is deleted from the export bucket after two days.
GRANT SELECT (org_id, id, created_at), UPDATE (created_at), DELETE ON exports TO hearth_system;
CREATE POLICY system_select ON exports FOR SELECT TO hearth_system
  USING (created_at < now() - interval '90 days');
CREATE POLICY system_delete ON exports FOR DELETE TO hearth_system
  USING (created_at < now() - interval '90 days');
CREATE POLICY system_lock ON exports FOR UPDATE TO hearth_system
  USING (created_at < now() - interval '90 days') WITH CHECK (false);
CREATE INDEX exports_purge ON exports (created_at);

-- backup_checks: the daily checks' results go after 400 days (a year of them, and more).
GRANT UPDATE (checked_at), DELETE ON backup_checks TO hearth_system;
CREATE POLICY system_delete ON backup_checks FOR DELETE TO hearth_system
  USING (checked_at < now() - interval '400 days');
CREATE POLICY system_lock ON backup_checks FOR UPDATE TO hearth_system
  USING (checked_at < now() - interval '400 days') WITH CHECK (false);
