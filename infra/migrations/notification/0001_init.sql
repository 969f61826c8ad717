-- Notification's schema: a projection of identity's users (who receives
-- what), the event -> notification rules (data, not code), the per-user
-- feed, preferences, and webhooks with their deliveries and attempt jobs.

-- Who belongs to which organisation with which role, from identity's
-- events. last_seq numbers each user's feed: taking it locks the member
-- row, so a user's notifications commit in sequence order and a stream
-- reading "seq > n" never skips one that commits late.
CREATE TABLE members (
  org_id      text        NOT NULL,
  user_id     text        NOT NULL,
  email       text        NOT NULL DEFAULT '',
  role        text        NOT NULL,
  last_seq    bigint      NOT NULL DEFAULT 0,
  update_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX members_role ON members (org_id, role);

-- One row per (event type, category): which event becomes which
-- notification, for which roles, with which text. Templates name the
-- event's fields as {field} or {field.subfield} (enums by value name, unset
-- fields empty), e.g. {delta.headline}, the clause-level change of
-- AnalysisCompleted when there is one.
CREATE TABLE rules (
  event_type       text    NOT NULL,
  kind             text    NOT NULL,
  severity         text    NOT NULL CHECK (severity IN
                     ('SEVERITY_INFO', 'SEVERITY_WARNING', 'SEVERITY_CRITICAL')),
  roles            text[]  NOT NULL,
  title_template   text    NOT NULL,
  body_template    text    NOT NULL,
  link_field       text    NOT NULL,
  PRIMARY KEY (event_type, kind)
);

INSERT INTO rules VALUES
  ('fineprint.analysis.events.v1.AnalysisCompleted', 'ANALYSIS_COMPLETED',
   'SEVERITY_INFO', '{OWNER,ADMIN,MEMBER}',
   'Analysis of "{title}" finished: grade {grade}',
   'Score {score}/100 with {finding_count} findings. {delta.headline}', 'analysis'),
  ('fineprint.analysis.events.v1.AnalysisFailed', 'ANALYSIS_FAILED',
   'SEVERITY_WARNING', '{OWNER,ADMIN,MEMBER}',
   'Analysis of "{title}" failed',
   'The analysis stopped after {attempt} attempts: {error_message}', 'job'),
  ('fineprint.monitoring.events.v1.SourceChanged', 'SOURCE_CHANGED',
   'SEVERITY_WARNING', '{OWNER,ADMIN,MEMBER}',
   '"{display_name}" changed',
   '{diff_summary} (+{lines_added} / -{lines_removed} lines) at {url}', 'watch'),
  ('fineprint.monitoring.events.v1.SourceCheckFailed', 'SOURCE_CHECK_FAILED',
   'SEVERITY_WARNING', '{OWNER,ADMIN}',
   '"{display_name}" could not be checked',
   '{consecutive_failures} failed checks of {url}: {error}', 'watch'),
  ('fineprint.action.events.v1.ActionSuggested', 'ACTION_SUGGESTED',
   'SEVERITY_INFO', '{OWNER,ADMIN,MEMBER}',
   'Suggested: {title}', '{reason}', 'suggested_action'),
  ('fineprint.identity.events.v1.ApiKeyCreated', 'SECURITY',
   'SEVERITY_CRITICAL', '{OWNER,ADMIN}',
   'A new API key was created',
   'API key {api_key} with role {role} was created in your organisation. If this was not you, revoke it.',
   'api_key');

CREATE TABLE notifications (
  org_id      text        NOT NULL,
  user_id     text        NOT NULL,
  seq         bigint      NOT NULL,
  id          text        NOT NULL,
  event_id    text        NOT NULL,
  kind        text        NOT NULL,
  severity    text        NOT NULL,
  title       text        NOT NULL,
  body        text        NOT NULL,
  link        text        NOT NULL,
  read        boolean     NOT NULL DEFAULT false,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id, seq),
  UNIQUE (org_id, user_id, id)
);
CREATE INDEX notifications_unread ON notifications (org_id, user_id, seq)
  WHERE NOT read;

-- Absent row: defaults. categories holds only the categories a user set.
CREATE TABLE preferences (
  org_id        text        NOT NULL,
  user_id       text        NOT NULL,
  min_severity  text        NOT NULL DEFAULT 'SEVERITY_INFO',
  email_digest  text        NOT NULL DEFAULT 'IMMEDIATE',
  time_zone     text        NOT NULL DEFAULT '',
  quiet_start   integer     NOT NULL DEFAULT 0,
  quiet_end     integer     NOT NULL DEFAULT 0,
  version       bigint      NOT NULL DEFAULT 1,
  update_time   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
CREATE TABLE category_preferences (
  org_id   text    NOT NULL,
  user_id  text    NOT NULL,
  kind     text    NOT NULL,
  in_app   boolean NOT NULL,
  email    boolean NOT NULL,
  PRIMARY KEY (org_id, user_id, kind)
);

CREATE TABLE webhooks (
  org_id                   text        NOT NULL,
  id                       text        NOT NULL,
  url                      text        NOT NULL,
  display_name             text        NOT NULL DEFAULT '',
  event_types              text[]      NOT NULL,
  active                   boolean     NOT NULL,
  secret                   text        NOT NULL,
  previous_secret          text        NOT NULL DEFAULT '',
  previous_secret_expires  timestamptz,
  disabled_reason          text        NOT NULL DEFAULT '',
  -- First failure of the current run of failures; NULL after a success.
  failing_since            timestamptz,
  version                  bigint      NOT NULL DEFAULT 1,
  create_time              timestamptz NOT NULL DEFAULT now(),
  update_time              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX webhooks_created ON webhooks (org_id, create_time, id);

CREATE TABLE deliveries (
  org_id             text        NOT NULL,
  webhook_id         text        NOT NULL,
  id                 text        NOT NULL,
  event_id           text        NOT NULL,
  event_type         text        NOT NULL,
  body               text        NOT NULL,
  status             text        NOT NULL CHECK (status IN
                       ('PENDING', 'SUCCEEDED', 'FAILED')),
  attempts           integer     NOT NULL DEFAULT 0,
  -- Attempts since creation or the last redelivery: the schedule position.
  round_attempts     integer     NOT NULL DEFAULT 0,
  last_http_status   integer     NOT NULL DEFAULT 0,
  last_error         text        NOT NULL DEFAULT '',
  next_attempt_time  timestamptz,
  last_attempt_time  timestamptz,
  create_time        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, webhook_id, event_id),
  FOREIGN KEY (org_id, webhook_id) REFERENCES webhooks ON DELETE CASCADE
);
CREATE INDEX deliveries_by_webhook
  ON deliveries (org_id, webhook_id, create_time DESC, id DESC);

CREATE TABLE delivery_attempts (
  org_id        text        NOT NULL,
  delivery_id   text        NOT NULL,
  attempt       integer     NOT NULL,
  http_status   integer     NOT NULL,
  latency_ms    bigint      NOT NULL,
  error         text        NOT NULL,
  attempt_time  timestamptz NOT NULL,
  PRIMARY KEY (org_id, delivery_id, attempt),
  FOREIGN KEY (org_id, delivery_id) REFERENCES deliveries ON DELETE CASCADE
);

-- One job per attempt (services/runtime/jobs): the queue's columns plus the
-- delivery. Its id is "<delivery>-<n>", and a delivery has at most one
-- QUEUED or RUNNING attempt job (the partial unique index), so two
-- attempts of one delivery never run at once.
CREATE TABLE attempts (
  org_id            text        NOT NULL,
  id                text        NOT NULL,
  state             text        NOT NULL CHECK (state IN
                      ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'DEAD')),
  priority          integer     NOT NULL,
  enqueue_time      timestamptz NOT NULL DEFAULT now(),
  available_at      timestamptz NOT NULL DEFAULT now(),
  rank_time         timestamptz,
  attempt           integer     NOT NULL DEFAULT 0,
  max_attempts      integer     NOT NULL,
  lease_owner       text,
  lease_expires_at  timestamptz,
  cancel_requested  boolean     NOT NULL DEFAULT false,
  error_code        integer     NOT NULL DEFAULT 0,
  error_message     text        NOT NULL DEFAULT '',
  traceparent       text,
  start_time        timestamptz,
  end_time          timestamptz,
  update_time       timestamptz NOT NULL DEFAULT now(),
  delivery_id       text        NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX attempts_claim ON attempts (rank_time, id) WHERE state = 'QUEUED';
CREATE INDEX attempts_leases ON attempts (lease_expires_at) WHERE state = 'RUNNING';
CREATE UNIQUE INDEX attempts_one_live ON attempts (org_id, delivery_id)
  WHERE state IN ('QUEUED', 'RUNNING');
CREATE FUNCTION attempts_unrank() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.rank_time IS NOT DISTINCT FROM OLD.rank_time THEN
    NEW.rank_time := NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER attempts_unrank BEFORE UPDATE OF priority, enqueue_time ON attempts
  FOR EACH ROW
  WHEN (NEW.priority IS DISTINCT FROM OLD.priority
        OR NEW.enqueue_time IS DISTINCT FROM OLD.enqueue_time)
  EXECUTE FUNCTION attempts_unrank();
