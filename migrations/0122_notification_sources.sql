-- What the notification fan-out and the daily task reminders need to find their recipients.

-- An invitation is notified to the account that holds the invited address, verified
-- (users.email holds only verified addresses), if there is one: the app role cannot see users
-- outside its org, so this SECURITY DEFINER function answers that one question, for a pending
-- invitation of the current org only (never for an arbitrary address).
CREATE POLICY invitee_lookup ON users FOR SELECT TO hearth_owner USING (true);

CREATE FUNCTION hearth_invitee_user(invitation uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.id
  FROM public.invitations i JOIN public.users u ON lower(u.email) = lower(i.email)
  WHERE i.id = invitation
    AND i.org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)
    AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
$$;
REVOKE ALL ON FUNCTION hearth_invitee_user(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_invitee_user(uuid) TO hearth_app;

-- The daily task reminders find the orgs with open tasks due by a day (the system role sees
-- which orgs, and when, nothing else); each org's reminders are then written as that org.
GRANT SELECT (org_id, due_date, status, deleted_at) ON tasks TO hearth_system;
CREATE POLICY system_due_select ON tasks FOR SELECT TO hearth_system USING (true);
