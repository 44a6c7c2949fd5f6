-- calls: every call to or from an org's numbers.
--
-- Inbound: the voice webhook inserts it `ringing` once per CallSid, and answers with the org's
-- routing (ring the member whose number it is, or the default number's member; then voicemail,
-- recorded). Outbound (click-to-call, POST /v1/calls): inserted `queued` when Twilio accepted the
-- call to the member's phone; when the member answers, Twilio bridges to the person.
-- Twilio's status callbacks move the status forward only (the trigger) and give the duration.
--
-- A recording (the voicemail, `voicemail` true) is Twilio's first (`recording_status` pending,
-- with Twilio's sid and URL), then copied by the recording copier to the SSE-KMS recordings bucket
-- (`stored`, `recording_key`) and deleted in Twilio; `failed` when the copy gave up.

CREATE TABLE calls (
  org_id             uuid NOT NULL REFERENCES orgs (id),
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  direction          text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  status             text NOT NULL CHECK (status IN ('queued', 'ringing', 'in-progress', 'completed', 'busy',
                                                     'no-answer', 'failed', 'canceled')),
  from_number        text NOT NULL CHECK (from_number ~ '^\+[1-9][0-9]{6,14}$'),
  to_number          text NOT NULL CHECK (to_number ~ '^\+[1-9][0-9]{6,14}$'),
  phone_number_id    uuid,
  person_id          uuid,
  member_user_id     uuid,
  provider_sid       text CHECK (provider_sid ~ '^CA[0-9a-fA-F]{32}$'),
  duration_seconds   integer CHECK (duration_seconds >= 0),
  voicemail          boolean NOT NULL DEFAULT false,
  recording_sid      text CHECK (recording_sid ~ '^RE[0-9a-fA-F]{32}$'),
  recording_url      text CHECK (char_length(recording_url) <= 500),
  recording_seconds  integer CHECK (recording_seconds >= 0),
  recording_status   text CHECK (recording_status IN ('pending', 'stored', 'failed')),
  recording_key      text CHECK (char_length(recording_key) <= 300),
  created_by         text CHECK (char_length(created_by) <= 200),
  created_at         timestamptz NOT NULL DEFAULT now(),
  ended_at           timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  version            integer NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, phone_number_id) REFERENCES phone_numbers (org_id, id) ON DELETE SET NULL (phone_number_id),
  FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE SET NULL (person_id),
  FOREIGN KEY (org_id, member_user_id) REFERENCES org_members (org_id, user_id) ON DELETE SET NULL (member_user_id),
  CHECK ((recording_sid IS NULL) = (recording_status IS NULL)),
  CHECK ((recording_status = 'stored') = (recording_key IS NOT NULL))
);
SELECT hearth_protect_tenant_table('calls');
CREATE UNIQUE INDEX calls_provider_sid ON calls (org_id, provider_sid) WHERE provider_sid IS NOT NULL;
CREATE INDEX calls_org_created ON calls (org_id, created_at, id);
CREATE INDEX calls_org_person ON calls (org_id, person_id, created_at, id);

GRANT SELECT ON calls TO hearth_app;
GRANT INSERT (org_id, direction, status, from_number, to_number, phone_number_id, person_id, member_user_id,
              provider_sid, created_by) ON calls TO hearth_app;
GRANT UPDATE (status, provider_sid, duration_seconds, voicemail, recording_sid, recording_url, recording_seconds,
              recording_status, recording_key, ended_at) ON calls TO hearth_app;

-- queued -> ringing -> in-progress -> a final status; the recording only moves pending -> stored | failed.
CREATE FUNCTION hearth_call_status_rank(status text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE status WHEN 'queued' THEN 0 WHEN 'ringing' THEN 1 WHEN 'in-progress' THEN 2 ELSE 3 END
$$;
GRANT EXECUTE ON FUNCTION hearth_call_status_rank(text) TO hearth_app;

CREATE FUNCTION hearth_call_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status
     AND hearth_call_status_rank(NEW.status) <= hearth_call_status_rank(OLD.status) THEN
    RAISE EXCEPTION 'call % cannot go from % to %', OLD.id, OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.recording_status IN ('stored', 'failed') AND NEW.recording_status IS DISTINCT FROM OLD.recording_status THEN
    RAISE EXCEPTION 'call % recording is %', OLD.id, OLD.recording_status USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.provider_sid IS NOT NULL AND NEW.provider_sid IS DISTINCT FROM OLD.provider_sid THEN
    RAISE EXCEPTION 'call % keeps its provider sid', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER calls_change BEFORE UPDATE ON calls FOR EACH ROW EXECUTE FUNCTION hearth_call_change();
