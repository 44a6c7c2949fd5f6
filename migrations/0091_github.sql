-- The GitHub integration: an org's GitHub App installation, the repositories it can see, and
-- what on GitHub is linked to a task (commits, pull requests, issues).
--
-- github_installations: one row per org (one installation per org), and an installation belongs
-- to one org: installation_id is unique across orgs, the one unique key here without org_id,
-- because GitHub, not the tenant, decides what an installation id means (as integrations'
-- provider accounts). Linked by the setup callback (a signed state names the org), unlinked by
-- DELETE or GitHub's installation.deleted webhook.

CREATE TABLE github_installations (
  org_id                uuid NOT NULL REFERENCES orgs (id),
  installation_id       bigint NOT NULL CHECK (installation_id > 0),
  account_login         text NOT NULL CHECK (char_length(account_login) BETWEEN 1 AND 100),
  account_type          text CHECK (char_length(account_type) <= 50),
  repository_selection  text CHECK (repository_selection IN ('all', 'selected')),
  suspended_at          timestamptz,
  linked_by             text NOT NULL CHECK (char_length(linked_by) <= 200),
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  version               integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id),
  CONSTRAINT github_installations_installation_key UNIQUE (installation_id)
);
SELECT hearth_protect_tenant_table('github_installations');
CREATE TRIGGER github_installations_touch BEFORE UPDATE ON github_installations
  FOR EACH ROW EXECUTE FUNCTION hearth_touch_row();
GRANT SELECT, DELETE ON github_installations TO hearth_app;
GRANT INSERT (org_id, installation_id, account_login, account_type, repository_selection, linked_by)
  ON github_installations TO hearth_app;
GRANT UPDATE (account_login, account_type, repository_selection, suspended_at) ON github_installations TO hearth_app;

-- The repositories the installation can see (kept current by installation and
-- installation_repositories webhooks, and refreshed from GitHub by GET .../repositories).
CREATE TABLE github_repositories (
  org_id          uuid NOT NULL,
  repository_id   bigint NOT NULL CHECK (repository_id > 0),
  full_name       text NOT NULL CHECK (char_length(full_name) BETWEEN 3 AND 200),
  private         boolean NOT NULL DEFAULT false,
  default_branch  text CHECK (char_length(default_branch) <= 255),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, repository_id),
  FOREIGN KEY (org_id) REFERENCES github_installations (org_id) ON DELETE CASCADE
);
SELECT hearth_protect_tenant_table('github_repositories');
GRANT SELECT, DELETE ON github_repositories TO hearth_app;
GRANT INSERT (org_id, repository_id, full_name, private, default_branch, updated_at) ON github_repositories TO hearth_app;
GRANT UPDATE (full_name, private, default_branch, updated_at) ON github_repositories TO hearth_app;

-- What on GitHub a task is linked to. ref: a commit's sha, a pull request's or issue's number.
-- state: a pull request's open|closed|merged, an issue's open|closed (a commit has none) and only
-- moves forward for pull requests (merged is final). fixes: the link says it completes the task
-- (a "fixes HRT-42" commit on the default branch, a merged pull request saying so).
-- synced_title / synced_state (issues): what GitHub holds as far as Hearth knows - set from
-- every issues webhook and every update Hearth sends - so a change that is already there (Hearth's
-- own update coming back as a webhook, or a webhook's change coming back as a task update) is
-- recognised and not applied again: no echo loops.
CREATE TABLE task_github_links (
  org_id         uuid NOT NULL,
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  task_id        uuid NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('commit', 'pull_request', 'issue')),
  repository_id  bigint NOT NULL CHECK (repository_id > 0),
  repository     text NOT NULL CHECK (char_length(repository) BETWEEN 3 AND 200),
  ref            text NOT NULL CHECK (char_length(ref) BETWEEN 1 AND 64),
  title          text NOT NULL CHECK (char_length(title) <= 1000),
  url            text CHECK (char_length(url) <= 2000),
  author         text CHECK (char_length(author) <= 200),
  branch         text CHECK (char_length(branch) <= 255),
  state          text CHECK (state IN ('open', 'closed', 'merged')),
  fixes          boolean NOT NULL DEFAULT false,
  synced_title   text CHECK (char_length(synced_title) <= 1000),
  synced_state   text CHECK (synced_state IN ('open', 'closed')),
  -- clock_timestamp(): links made by one delivery keep the order of its commits
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (org_id, id),
  CONSTRAINT task_github_links_one UNIQUE (org_id, task_id, kind, repository_id, ref),
  CHECK ((kind = 'commit') = (state IS NULL)),
  CHECK (kind = 'issue' OR (synced_title IS NULL AND synced_state IS NULL)),
  FOREIGN KEY (org_id, task_id) REFERENCES tasks (org_id, id) ON DELETE CASCADE
);
SELECT hearth_protect_tenant_table('task_github_links');
-- An issue is linked to one task.
CREATE UNIQUE INDEX task_github_links_issue ON task_github_links (org_id, repository_id, ref) WHERE kind = 'issue';
CREATE INDEX task_github_links_task ON task_github_links (org_id, task_id, created_at, id);
GRANT SELECT ON task_github_links TO hearth_app;
GRANT INSERT (org_id, task_id, kind, repository_id, repository, ref, title, url, author, branch, state, fixes,
              synced_title, synced_state)
  ON task_github_links TO hearth_app;
GRANT UPDATE (title, url, author, branch, state, fixes, synced_title, synced_state, updated_at)
  ON task_github_links TO hearth_app;

-- The webhook kit's lookup: the org an installation is linked to (nothing else).
CREATE POLICY installation_lookup ON github_installations FOR SELECT TO hearth_owner USING (true);
CREATE FUNCTION hearth_org_of_github_installation(key text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT i.org_id FROM public.github_installations i
  WHERE i.installation_id = CASE WHEN key ~ '^[1-9][0-9]{0,17}$' THEN key::bigint END
$$;
REVOKE ALL ON FUNCTION hearth_org_of_github_installation(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hearth_org_of_github_installation(text) TO hearth_app;
