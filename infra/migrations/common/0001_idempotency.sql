-- Results of create requests by request_id, so a retried create returns the
-- first result instead of creating twice. Shared by every service schema.
CREATE TABLE idempotency_keys (
  scope        text        NOT NULL,   -- tenant and method
  request_id   text        NOT NULL,
  fingerprint  text        NOT NULL,   -- SHA-256 of the request
  response     bytea       NOT NULL,   -- serialized response (no secrets)
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, request_id)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
