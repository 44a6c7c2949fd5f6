-- Attachments of an outgoing email, by reference: each names an attachment the org received
-- (an inbound email's attachment, in the inbound email bucket under attachments/<org>/) with
-- its filename, content type and size as stored then. The bytes stay in S3; the sender reads
-- them into the MIME message. At most 10, 10 MB in all (checked when the email is accepted).
ALTER TABLE emails ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]'
  CHECK (jsonb_typeof(attachments) = 'array' AND jsonb_array_length(attachments) <= 10);
GRANT INSERT (attachments) ON emails TO hearth_app;
