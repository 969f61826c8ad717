-- Analysis: documents, their immutable versions, the prioritised job queue,
-- results and the result cache, and the organisations' plans (fed by
-- identity's PlanChanged events). Tenant tables are keyed by org_id first.

CREATE TABLE documents (
  org_id             text        NOT NULL,
  id                 text        NOT NULL,
  title              text        NOT NULL,
  kind               text        NOT NULL,
  source_url         text        NOT NULL DEFAULT '',
  language           text        NOT NULL DEFAULT '',
  current_version_id text,
  latest_job_id      text,
  score              integer     NOT NULL DEFAULT 0,
  grade              integer     NOT NULL DEFAULT 0,
  version            bigint      NOT NULL DEFAULT 1,   -- etag
  create_time        timestamptz NOT NULL DEFAULT now(),
  update_time        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX documents_page ON documents (org_id, update_time DESC, id DESC);

CREATE TABLE document_versions (
  org_id       text        NOT NULL,
  document_id  text        NOT NULL,
  id           text        NOT NULL,
  sha256       text        NOT NULL,   -- lowercase hex of the UTF-8 text
  size_bytes   bigint      NOT NULL,
  text         text        NOT NULL,
  create_time  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, document_id, id),
  FOREIGN KEY (org_id, document_id) REFERENCES documents (org_id, id)
);
CREATE INDEX document_versions_page
  ON document_versions (org_id, document_id, create_time DESC, id DESC);

-- The queue. A worker claims the QUEUED job with the highest effective
-- priority (priority + wait / aging step) whose available_at has passed, or
-- a RUNNING job whose lease expired (its worker died), with
-- SELECT ... FOR UPDATE SKIP LOCKED.
CREATE TABLE jobs (
  org_id            text        NOT NULL,
  id                text        NOT NULL,
  document_id       text        NOT NULL,
  version_id        text        NOT NULL,
  state             text        NOT NULL CHECK (state IN
                      ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'DEAD')),
  priority          integer     NOT NULL,   -- fineprint.analysis.v1.Priority
  low_priority      boolean     NOT NULL DEFAULT false,  -- requested batch
  enqueue_time      timestamptz NOT NULL DEFAULT now(),  -- ageing starts here
  available_at      timestamptz NOT NULL DEFAULT now(),  -- retry backoff
  attempt           integer     NOT NULL DEFAULT 0,
  max_attempts      integer     NOT NULL,
  lease_owner       text,
  lease_expires_at  timestamptz,
  progress_percent  integer     NOT NULL DEFAULT 0,
  current_section   text        NOT NULL DEFAULT '',
  error_code        integer     NOT NULL DEFAULT 0,
  error_message     text        NOT NULL DEFAULT '',
  analyzer_version  text        NOT NULL DEFAULT '',
  cached            boolean     NOT NULL DEFAULT false,
  cancel_requested  boolean     NOT NULL DEFAULT false,
  create_time       timestamptz NOT NULL DEFAULT now(),
  start_time        timestamptz,
  end_time          timestamptz,
  update_time       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, document_id, version_id)
    REFERENCES document_versions (org_id, document_id, id)
);
CREATE INDEX jobs_page ON jobs (org_id, create_time DESC, id DESC);
CREATE INDEX jobs_queued ON jobs (enqueue_time) WHERE state = 'QUEUED';
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'RUNNING';
CREATE INDEX jobs_dead ON jobs (org_id, end_time, id) WHERE state = 'DEAD';

-- Result of each SUCCEEDED job: a serialised fineprint.analysis.v1.Analysis
-- (base64), without its name/document/version (derived from the job).
CREATE TABLE analyses (
  org_id           text        NOT NULL,
  job_id           text        NOT NULL,
  result           text        NOT NULL,
  degraded         boolean     NOT NULL DEFAULT false,
  analyzer_version text        NOT NULL,
  create_time      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, job_id)
);

-- Result cache: identical text (SHA-256) analysed by the same analyser
-- version. Scoped per organisation so a cache hit never reveals that
-- another tenant submitted the same text. Degraded results are not cached.
CREATE TABLE result_cache (
  org_id           text        NOT NULL,
  sha256           text        NOT NULL,
  analyzer_version text        NOT NULL,
  job_id           text        NOT NULL,   -- the analyses row
  expire_time      timestamptz NOT NULL,
  PRIMARY KEY (org_id, sha256, analyzer_version)
);

-- Plans as of identity's PlanChanged events; absent: the token's plan.
CREATE TABLE org_plans (
  org_id       text        PRIMARY KEY,
  plan         text        NOT NULL,
  update_time  timestamptz NOT NULL DEFAULT now()
);
