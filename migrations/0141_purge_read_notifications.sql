-- One more kind of the retention policy: a notification read more than 90 days ago is deleted
-- (the hourly PurgeExpired, system role); an unread one stays until it is read. The system role
-- sees and locks only those rows, reads their key and read_at alone, and changes nothing.
GRANT SELECT (org_id, id, read_at), DELETE ON notifications TO hearth_system;
GRANT UPDATE (read_at) ON notifications TO hearth_system;
CREATE POLICY system_select ON notifications FOR SELECT TO hearth_system
  USING (read_at < now() - interval '90 days');
CREATE POLICY system_delete ON notifications FOR DELETE TO hearth_system
  USING (read_at < now() - interval '90 days');
CREATE POLICY system_lock ON notifications FOR UPDATE TO hearth_system
  USING (read_at < now() - interval '90 days') WITH CHECK (false);
CREATE INDEX notifications_purge ON notifications (read_at) WHERE read_at IS NOT NULL;
