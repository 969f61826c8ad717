-- The consumer inbox, owned by //events/consumer. Applied into the schema of
-- every service that consumes events (the migrator sets search_path). A
-- handler's effects and its event's row here commit in one transaction, so
-- an event Kafka delivers twice (redelivery after a crash or rebalance, a
-- DLQ replay) takes effect once per consumer group.
CREATE TABLE inbox (
  consumer_group text        NOT NULL,
  event_id       uuid        NOT NULL,           -- CloudEvents ce_id
  -- Where the event was read (diagnostics).
  topic          text        NOT NULL,
  partition      integer     NOT NULL,
  "offset"       bigint      NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (consumer_group, event_id)
);

-- Retention: PruneInbox deletes rows older than the longest redelivery
-- window (topic retention), by processed_at.
CREATE INDEX inbox_processed_at ON inbox (processed_at);
