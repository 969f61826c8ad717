-- The queue moves to //services/runtime/jobs: an index-driven claim over a
-- stored rank (rank_time = enqueue_time - priority * aging_step; see
-- services/runtime/jobs/job_queue.h) and the enqueuer's trace context.
-- Existing QUEUED rows keep rank_time NULL: the first claim ranks them with
-- the configured ageing step.

ALTER TABLE jobs
  ADD COLUMN rank_time   timestamptz,
  ADD COLUMN traceparent text;

CREATE INDEX jobs_claim ON jobs (rank_time, id) WHERE state = 'QUEUED';
-- Ordered by enqueue_time, it only served the old sorting claim.
DROP INDEX jobs_queued;

-- SubmitDocument inserts without a rank and PlanChanged re-prioritises;
-- neither knows the ageing step, so a change of priority or enqueue_time
-- that does not set rank_time itself leaves the rank to the next claim.
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
