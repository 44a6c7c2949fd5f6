-- notification_preferences: a user's choice, per notification type, of the channels it reaches
-- them by (in the app, by email). Absent rows are the defaults (hearth.notifications.preferences
-- .DEFAULTS: in the app always; by email for assignments, mentions, invitations and exports).
-- Per org: a user may want an org's deals by email and another's not. Each user reads and
-- changes only their own; the fan-out reads the recipient's in a transaction naming them.

CREATE TABLE notification_preferences (
  org_id      uuid NOT NULL REFERENCES orgs (id),
  user_id     uuid NOT NULL REFERENCES users (id),
  type        text NOT NULL CHECK (type IN ('task_assigned', 'task_due', 'task_overdue', 'deal_won',
                'deal_lost', 'mention', 'invitation', 'export_ready')),
  in_app      boolean NOT NULL,
  email       boolean NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, user_id, type)
);
SELECT hearth_protect_tenant_table('notification_preferences');
CREATE POLICY own_select ON notification_preferences AS RESTRICTIVE FOR SELECT TO hearth_app
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY own_insert ON notification_preferences AS RESTRICTIVE FOR INSERT TO hearth_app
  WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY own_update ON notification_preferences AS RESTRICTIVE FOR UPDATE TO hearth_app
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid))
  WITH CHECK (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY own_delete ON notification_preferences AS RESTRICTIVE FOR DELETE TO hearth_app
  USING (user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::uuid));
CREATE TRIGGER notification_preferences_touch BEFORE UPDATE ON notification_preferences
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();

GRANT SELECT ON notification_preferences TO hearth_app;
GRANT INSERT (org_id, user_id, type, in_app, email) ON notification_preferences TO hearth_app;
GRANT UPDATE (in_app, email) ON notification_preferences TO hearth_app;
-- PUT replaces the whole set: a type left out goes back to its default (its row deleted).
GRANT DELETE ON notification_preferences TO hearth_app;
