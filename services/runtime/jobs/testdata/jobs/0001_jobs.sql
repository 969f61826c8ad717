-- The reference jobs table (see job_queue.h): the queue's columns, a
-- payload column, and the two partial indexes the claim walks. Services
-- copy it into their own migrations with their payload columns.

CREATE TABLE jobs (
  org_id            text        NOT NULL,
  id                text        NOT NULL,
  state             text        NOT NULL CHECK (state IN
                      ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'DEAD')),
  priority          integer     NOT NULL,
  enqueue_time      timestamptz NOT NULL DEFAULT now(),  -- ageing starts here
  available_at      timestamptz NOT NULL DEFAULT now(),  -- retry backoff
  -- enqueue_time - priority * aging_step; NULL: ranked by the next claim.
  rank_time         timestamptz,
  attempt           integer     NOT NULL DEFAULT 0,
  max_attempts      integer     NOT NULL,
  lease_owner       text,
  lease_expires_at  timestamptz,
  cancel_requested  boolean     NOT NULL DEFAULT false,
  progress_percent  integer     NOT NULL DEFAULT 0,
  current_section   text        NOT NULL DEFAULT '',
  error_code        integer     NOT NULL DEFAULT 0,
  error_message     text        NOT NULL DEFAULT '',
  traceparent       text,       -- the enqueuer's trace context
  start_time        timestamptz,
  end_time          timestamptz,
  update_time       timestamptz NOT NULL DEFAULT now(),
  payload           text        NOT NULL DEFAULT '',
  PRIMARY KEY (org_id, id)
);
CREATE INDEX jobs_claim ON jobs (rank_time, id) WHERE state = 'QUEUED';
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'RUNNING';

-- Writers that change priority or enqueue_time without setting rank_time
-- (they do not know the ageing step) leave the rank to the next claim.
CREATE FUNCTION jobs_unrank() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.rank_time IS NOT DISTINCT FROM OLD.rank_time THEN
    NEW.rank_time := NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER jobs_unrank BEFORE UPDATE OF priority, enqueue_time ON jobs
  FOR EACH ROW
  WHEN (NEW.priority IS DISTINCT FROM OLD.priority
        OR NEW.enqueue_time IS DISTINCT FROM OLD.enqueue_time)
  EXECUTE FUNCTION jobs_unrank();
