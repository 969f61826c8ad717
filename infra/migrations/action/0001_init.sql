-- Action: suggestions derived from analyses, letters (actions) with their
-- lifecycle and deadline, the reminders a deadline schedules, and the
-- reminder job queue (see services/runtime/jobs/job_queue.h).

CREATE TABLE suggested_actions (
  org_id               text        NOT NULL,
  id                   text        NOT NULL,
  kind                 text        NOT NULL,
  title                text        NOT NULL,
  reason               text        NOT NULL,
  document             text        NOT NULL DEFAULT '',
  analysis             text        NOT NULL DEFAULT '',
  finding_category     text        NOT NULL DEFAULT 'FINDING_CATEGORY_UNSPECIFIED',
  finding_quote        text        NOT NULL DEFAULT '',
  finding_start_offset bigint      NOT NULL DEFAULT 0,
  finding_end_offset   bigint      NOT NULL DEFAULT 0,
  opt_out_window_days  integer     NOT NULL DEFAULT 0,
  template             text        NOT NULL DEFAULT '',
  action_id            text,
  create_time          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  -- One suggestion per template per analysis: two findings leading to the
  -- same letter (sale of data, profiling -> objection) suggest it once.
  UNIQUE (org_id, analysis, template)
);
CREATE INDEX suggested_actions_by_create
  ON suggested_actions (org_id, create_time DESC, id DESC);

CREATE TABLE actions (
  org_id            text        NOT NULL,
  id                text        NOT NULL,
  kind              text        NOT NULL,
  template          text        NOT NULL,
  template_version  integer     NOT NULL,
  deadline_rule     text        NOT NULL DEFAULT '',
  language          text        NOT NULL,
  title             text        NOT NULL,
  recipient         text        NOT NULL DEFAULT '',
  document          text        NOT NULL DEFAULT '',
  suggested_action  text        NOT NULL DEFAULT '',
  variables         jsonb       NOT NULL DEFAULT '{}',
  creator           text        NOT NULL DEFAULT '',
  status            text        NOT NULL,
  letter_text       text        NOT NULL,
  letter_sha256     text        NOT NULL,
  pdf               bytea       NOT NULL,
  pdf_sha256        text        NOT NULL,
  time_zone         text        NOT NULL DEFAULT 'UTC',
  send_time         timestamptz,
  channel           text        NOT NULL DEFAULT '',
  -- The day the period runs from (sending, or acceptance for arbitration),
  -- in time_zone; extensions recompute the due day from it.
  period_start      date,
  due_time          timestamptz,
  version           bigint      NOT NULL DEFAULT 1,  -- etag
  create_time       timestamptz NOT NULL DEFAULT now(),
  update_time       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX actions_by_update ON actions (org_id, update_time DESC, id DESC);

-- One row per reminder a deadline schedules: DUE_SOON per lead, OVERDUE at
-- the due time. The scheduler turns due rows into reminder jobs.
CREATE TABLE reminders (
  org_id        text        NOT NULL,
  action_id     text        NOT NULL,
  kind          text        NOT NULL CHECK (kind IN ('DUE_SOON', 'OVERDUE')),
  lead_seconds  bigint      NOT NULL DEFAULT 0,
  fire_at       timestamptz NOT NULL,
  due_time      timestamptz NOT NULL,
  fired         boolean     NOT NULL DEFAULT false,
  PRIMARY KEY (org_id, action_id, kind, lead_seconds)
);
CREATE INDEX reminders_pending ON reminders (fire_at) WHERE NOT fired;

CREATE TABLE reminder_jobs (
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
  action_id         text        NOT NULL,
  reminder_kind     text        NOT NULL,
  lead_seconds      bigint      NOT NULL,
  due_time          timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX reminder_jobs_claim ON reminder_jobs (rank_time, id) WHERE state = 'QUEUED';
CREATE INDEX reminder_jobs_leases ON reminder_jobs (lease_expires_at) WHERE state = 'RUNNING';
