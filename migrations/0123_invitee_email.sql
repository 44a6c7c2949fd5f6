-- A system email (an invitation's notification) may go to someone who is not a member of the org
-- yet: the account whose verified address holds a pending invitation of the org. The app role
-- reads that one address through this function, and nothing else of a non-member.
CREATE FUNCTION hearth_invitee_email(invitee uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT lower(u.email)
  FROM public.users u
  WHERE u.id = invitee AND u.email IS NOT NULL
    AND EXISTS (
      SELECT 1 FROM public.invitations i
      WHERE lower(i.email) = lower(u.email)
        AND i.org_id = (SELECT NULLIF(current_setting('app.org_id', true), '')::uuid)
        AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
    )
$$;
REVOKE ALL ON FUNCTION hearth_invitee_email(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_invitee_email(uuid) TO hearth_app;
