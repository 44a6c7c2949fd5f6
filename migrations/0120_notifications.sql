-- notifications: what Hearth tells one user of an org in the app (and maybe by email): a task
-- assigned to them, due or overdue; a deal they own won or lost; a mention in a note; an
-- invitation for them; an export of theirs ready. Written by the notification fan-out consumer
-- and the daily task reminders, read and marked read by the user alone.
--
-- The id is chosen by the writer from (org, user, source) (hearth.notifications.store.key): the
-- same event, or the same task on the same day, gives the same id, so writing it twice writes
-- one row (idempotent redelivery) and an email sent for it carries one dedupe key.
--
-- user_id is a user, not necessarily a member: an invitation is notified to the account whose
-- verified address was invited, before it joins.

CREATE TABLE notifications (
  org_id         uuid NOT NULL REFERENCES orgs (id),
  id             uuid NOT NULL,
  user_id        uuid NOT NULL REFERENCES users (id),
  type           text NOT NULL CHECK (type IN ('task_assigned', 'task_due', 'task_overdue', 'deal_won',
                   'deal_lost', 'mention', 'invitation', 'export_ready')),
  resource_type  text NOT NULL CHECK (resource_type ~ '^[a-z_]{1,40}$'),
  resource_id    uuid NOT NULL,
  title          text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
  body           text CHECK (char_length(body) <= 1000),
  event_id       uuid,
  created_at     timestamptz NOT NULL DEFAULT now(),
  read_at        timestamptz,
  PRIMARY KEY (org_id, id)
);
SELECT hearth_protect_tenant_table('notifications');
-- A user's own, and nobody else's, even in the same org: these restrictive policies (app role) are ANDed
-- with the tenant policies. The fan-out names the recipient in its transaction (app.user_id) to
-- write one; reading, marking read and deleting name the caller.
CREATE POLICY own_select ON notifications AS RESTRICTIVE FOR SELECT TO hearth_app
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY own_insert ON notifications AS RESTRICTIVE FOR INSERT TO hearth_app
  WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY own_update ON notifications AS RESTRICTIVE FOR UPDATE TO hearth_app
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid))
  WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY own_delete ON notifications AS RESTRICTIVE FOR DELETE TO hearth_app
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));

-- GET /v1/notifications: a user's newest first; the unread count.
CREATE INDEX notifications_org_user_created ON notifications (org_id, user_id, created_at, id);
CREATE INDEX notifications_org_user_unread ON notifications (org_id, user_id) WHERE read_at IS NULL;

-- Least privilege: what a notification says is written once; only read_at changes, and only
-- from unread to read (the trigger dates it).
GRANT SELECT ON notifications TO hearth_app;
GRANT INSERT (org_id, id, user_id, type, resource_type, resource_id, title, body, event_id)
  ON notifications TO hearth_app;
GRANT UPDATE (read_at) ON notifications TO hearth_app;

CREATE FUNCTION hearth_notification_read() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.read_at IS NOT NULL THEN
    NEW.read_at := OLD.read_at;
  ELSIF NEW.read_at IS NOT NULL THEN
    NEW.read_at := now();
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER notifications_read BEFORE UPDATE ON notifications
  FOR EACH ROW EXECUTE FUNCTION hearth_notification_read();
