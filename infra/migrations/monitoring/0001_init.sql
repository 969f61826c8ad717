-- Monitoring: watched URLs, the distinct versions fetched from them, and
-- the check schedule (a runtime job queue, one row per watch).

-- Plans as identity's PlanChanged events last reported them; a caller's
-- token plan is used until one arrives.
CREATE TABLE org_plans (
  org_id       text        PRIMARY KEY,
  plan         text        NOT NULL,
  update_time  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE watches (
  org_id                  text        NOT NULL,
  id                      text        NOT NULL,
  url                     text        NOT NULL,
  display_name            text        NOT NULL DEFAULT '',
  kind                    text        NOT NULL,
  check_interval_seconds  bigint      NOT NULL CHECK (check_interval_seconds > 0),
  state                   text        NOT NULL CHECK (state IN ('ACTIVE', 'PAUSED')),
  css_selector            text        NOT NULL DEFAULT '',
  -- One RE2 pattern per line (patterns may not contain newlines).
  ignore_patterns         text        NOT NULL DEFAULT '',
  -- The plan when the watch was last written (retention, minimum interval).
  plan                    text        NOT NULL DEFAULT 'FREE',
  version                 bigint      NOT NULL DEFAULT 1,  -- etag
  create_time             timestamptz NOT NULL DEFAULT now(),
  update_time             timestamptz NOT NULL DEFAULT now(),
  -- Check results.
  check_status            text        NOT NULL DEFAULT 'CHECK_STATUS_UNSPECIFIED',
  checks_total            bigint      NOT NULL DEFAULT 0,
  last_check_time         timestamptz,
  last_check_changed      boolean     NOT NULL DEFAULT false,
  last_change_time        timestamptz,
  last_manual_check_time  timestamptz,
  consecutive_failures    integer     NOT NULL DEFAULT 0,
  last_error              text        NOT NULL DEFAULT '',
  current_version_id      text,
  -- Validators of the last 200 response, for conditional GETs.
  etag_header             text        NOT NULL DEFAULT '',
  last_modified_header    text        NOT NULL DEFAULT '',
  document                text        NOT NULL DEFAULT '',
  PRIMARY KEY (org_id, id)
);
CREATE INDEX watches_by_create ON watches (org_id, create_time, id);

CREATE TABLE source_versions (
  org_id          text        NOT NULL,
  watch_id        text        NOT NULL,
  id              text        NOT NULL,
  sha256          text        NOT NULL,
  size_bytes      bigint      NOT NULL,
  http_status     integer     NOT NULL,
  text            text        NOT NULL,
  fetch_time      timestamptz NOT NULL DEFAULT now(),
  previous_id     text,
  lines_added     integer     NOT NULL DEFAULT 0,
  lines_removed   integer     NOT NULL DEFAULT 0,
  hunks           integer     NOT NULL DEFAULT 0,
  diff_summary    text        NOT NULL DEFAULT '',
  PRIMARY KEY (org_id, watch_id, id),
  FOREIGN KEY (org_id, watch_id) REFERENCES watches ON DELETE CASCADE
);
CREATE INDEX source_versions_by_time
  ON source_versions (org_id, watch_id, fetch_time DESC, id DESC);

-- The check schedule: a runtime jobs table (services/runtime/jobs) with one
-- row per watch (id = the watch's id). A row waits SCHEDULED until its
-- next check time (available_at); the scheduler moves due rows to QUEUED
-- through checks_due (one index range scan, however many watches wait), in
-- due order (rank_time = due time); the JobQueue claims them with SKIP
-- LOCKED and a lease, so two replicas never check one watch at once; the
-- completed check puts the row back to SCHEDULED (or PAUSED). Only due
-- checks are ever QUEUED, so the claim never steps over future ones.
CREATE TABLE checks (
  org_id            text        NOT NULL,
  id                text        NOT NULL,
  state             text        NOT NULL CHECK (state IN
                      ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'DEAD',
                       'SCHEDULED', 'PAUSED')),
  priority          integer     NOT NULL,
  enqueue_time      timestamptz NOT NULL DEFAULT now(),
  available_at      timestamptz NOT NULL DEFAULT now(),  -- next check time
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
  payload           text        NOT NULL DEFAULT '',
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, id) REFERENCES watches ON DELETE CASCADE
);
CREATE INDEX checks_claim ON checks (rank_time, id) WHERE state = 'QUEUED';
CREATE INDEX checks_leases ON checks (lease_expires_at) WHERE state = 'RUNNING';
CREATE INDEX checks_due ON checks (available_at) WHERE state = 'SCHEDULED';
