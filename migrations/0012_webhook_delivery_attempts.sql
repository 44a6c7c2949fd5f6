-- webhook_delivery_attempts: the attempt log support reads to answer "did you send it?".
-- Append-only for the app role. The response body is kept to its first 4 KB.

CREATE TABLE webhook_delivery_attempts (
  org_id           uuid NOT NULL REFERENCES orgs (id),
  id               uuid NOT NULL DEFAULT gen_random_uuid(),
  delivery_id      uuid NOT NULL,
  attempt          integer NOT NULL CHECK (attempt >= 1),
  trigger          text NOT NULL CHECK (trigger IN ('automatic', 'manual')),
  url              text NOT NULL,
  status_code      integer,
  response_body    text CHECK (response_body IS NULL OR octet_length(response_body) <= 4096),
  duration_ms      integer NOT NULL CHECK (duration_ms >= 0),
  error            text CHECK (error IS NULL OR char_length(error) <= 1000),
  next_attempt_at  timestamptz,
  attempted_at     timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, delivery_id, attempt),
  FOREIGN KEY (org_id, delivery_id) REFERENCES webhook_deliveries (org_id, id) ON DELETE CASCADE
);
SELECT hearth_protect_tenant_table('webhook_delivery_attempts');

GRANT SELECT, INSERT ON webhook_delivery_attempts TO hearth_app;
