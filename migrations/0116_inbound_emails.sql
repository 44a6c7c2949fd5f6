-- inbound_emails: the email an org received at its inbound address, and the email its members
-- logged by BCC to its logging address (direction `outbound`: a member wrote to a contact).
--
-- SES stores the raw message in the inbound email bucket (`raw_key`) and the inbound email
-- consumer stores one row per org the message reached, parsed with Python's email package: the
-- addresses, subject and threading headers, the text and HTML bodies (trimmed; `truncated`
-- says so), and the attachments' metadata (`attachments`: index, filename, content type, size,
-- the S3 key in the bucket; the bytes never enter the database). The HTML is kept as received
-- and served only inside JSON, never as a page.
--
-- Stored once per org and SES message (`ses_message_id`) and once per org and Message-ID header
-- (when the message has one): a repeated notification, or the same message reaching the org
-- twice, stores nothing. `person_id` is the contact (the sender of an inbound message, the first
-- recipient who is a person of a logged one) and `company_id` theirs; both SET NULL when purged.

CREATE TABLE inbound_emails (
  org_id          uuid NOT NULL REFERENCES orgs (id),
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  direction       text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  recipient       text NOT NULL CHECK (char_length(recipient) BETWEEN 3 AND 320),
  ses_message_id  text NOT NULL CHECK (ses_message_id ~ '^[A-Za-z0-9._-]{1,128}$'),
  message_id      text CHECK (char_length(message_id) BETWEEN 1 AND 998),
  in_reply_to     text CHECK (char_length(in_reply_to) <= 998),
  "references"    text[] NOT NULL DEFAULT '{}' CHECK (cardinality("references") <= 100),
  from_address    text NOT NULL CHECK (char_length(from_address) <= 320),
  from_name       text CHECK (char_length(from_name) <= 300),
  to_addresses    text[] NOT NULL DEFAULT '{}' CHECK (cardinality(to_addresses) <= 100),
  cc_addresses    text[] NOT NULL DEFAULT '{}' CHECK (cardinality(cc_addresses) <= 100),
  reply_to        text CHECK (char_length(reply_to) <= 320),
  subject         text NOT NULL DEFAULT '' CHECK (char_length(subject) <= 998),
  text_body       text NOT NULL DEFAULT '' CHECK (char_length(text_body) <= 100000),
  html_body       text CHECK (char_length(html_body) <= 200000),
  truncated       boolean NOT NULL DEFAULT false,
  attachments     jsonb NOT NULL DEFAULT '[]'
                  CHECK (jsonb_typeof(attachments) = 'array' AND jsonb_array_length(attachments) <= 50),
  verdicts        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(verdicts) = 'object'),
  raw_key         text NOT NULL CHECK (char_length(raw_key) <= 1024),
  size_bytes      integer NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
  sent_at         timestamptz,
  received_at     timestamptz NOT NULL,
  person_id       uuid,
  company_id      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE SET NULL (person_id),
  FOREIGN KEY (org_id, company_id) REFERENCES companies (org_id, id) ON DELETE SET NULL (company_id)
);
SELECT hearth_protect_tenant_table('inbound_emails');
CREATE UNIQUE INDEX inbound_emails_ses_message ON inbound_emails (org_id, ses_message_id);
CREATE UNIQUE INDEX inbound_emails_message_id ON inbound_emails (org_id, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX inbound_emails_org_received ON inbound_emails (org_id, received_at, id);
CREATE INDEX inbound_emails_org_person ON inbound_emails (org_id, person_id, received_at, id);

GRANT SELECT ON inbound_emails TO hearth_app;
GRANT INSERT (org_id, id, direction, recipient, ses_message_id, message_id, in_reply_to, "references",
              from_address, from_name, to_addresses, cc_addresses, reply_to, subject, text_body, html_body,
              truncated, attachments, verdicts, raw_key, size_bytes, sent_at, received_at, person_id,
              company_id)
  ON inbound_emails TO hearth_app;
