-- The flapping-page guard (issue 9, change detection): a change becomes a
-- version only after `confirm_checks` consecutive checks saw the same new
-- content. pending_* track the candidate between checks.
ALTER TABLE watches
  ADD COLUMN confirm_checks int NOT NULL DEFAULT 1
    CHECK (confirm_checks BETWEEN 1 AND 10),
  ADD COLUMN pending_sha256 text NOT NULL DEFAULT '',
  ADD COLUMN pending_count int NOT NULL DEFAULT 0;
