-- POST /v1/projects/{id}/purge removes a soft-deleted project and the tasks and notes linked to it
-- alone, for good. The app role may DELETE projects, tasks and notes only once they are
-- soft-deleted (a restrictive policy beside the tenant ones): the purge soft-deletes the linked
-- tasks and notes first, in the same transaction. What references them goes by the foreign keys'
-- ON DELETE (members, links, time entries of the project, dependencies, GitHub links).

GRANT DELETE ON projects, tasks, notes TO hearth_app;
CREATE POLICY app_delete_only_deleted ON projects AS RESTRICTIVE FOR DELETE TO hearth_app
  USING (deleted_at IS NOT NULL);
CREATE POLICY app_delete_only_deleted ON tasks AS RESTRICTIVE FOR DELETE TO hearth_app
  USING (deleted_at IS NOT NULL);
CREATE POLICY app_delete_only_deleted ON notes AS RESTRICTIVE FOR DELETE TO hearth_app
  USING (deleted_at IS NOT NULL);
