-- Replies of routes that reveal a secret (API keys, webhook signing secrets) are kept for
-- Idempotency-Key replay sealed (KMS envelope encryption), never in plain text.
ALTER TABLE idempotency_keys ADD COLUMN body_sealed bytea;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_one_body
  CHECK (body IS NULL OR body_sealed IS NULL);
