-- The transactional outbox, owned by //events. Applied into every service's
-- schema (the migrator sets search_path), so each service writes its events
-- in the same transaction as its state.
CREATE TABLE outbox (
  -- Insertion order only: NOT commit order (see docs/events.md).
  id            bigserial   PRIMARY KEY,
  -- The writing transaction (diagnostics: which transaction wrote what).
  txid          xid8        NOT NULL DEFAULT pg_current_xact_id(),
  event_id      uuid        NOT NULL UNIQUE,    -- CloudEvents ce_id
  topic         text        NOT NULL,
  aggregate_type text       NOT NULL,
  aggregate_id  text        NOT NULL,           -- record key, ce_subject
  -- Position of the event in its aggregate's history, in commit order
  -- (assigned under the outbox_sequences row lock, held until commit).
  seq           bigint      NOT NULL,
  event_type    text        NOT NULL,           -- ce_type: full proto name
  source        text        NOT NULL,           -- ce_source
  payload       bytea       NOT NULL,           -- protobuf bytes
  traceparent   text,
  tracestate    text,
  occurred_at   timestamptz NOT NULL DEFAULT clock_timestamp(),  -- ce_time
  published_at  timestamptz
);

CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- The last sequence number per aggregate. Appending an event locks its
-- aggregate's row here until commit, so events of one aggregate get their
-- numbers, and become visible, in commit order.
CREATE TABLE outbox_sequences (
  aggregate_type text   NOT NULL,
  aggregate_id   text   NOT NULL,
  last_seq       bigint NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id)
);
