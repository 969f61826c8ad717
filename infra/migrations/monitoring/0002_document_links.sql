-- The analysis document version made from each source version (issue 9,
-- the event chain): set when analysis's DocumentSubmitted names it.
ALTER TABLE source_versions
  ADD COLUMN document_version text NOT NULL DEFAULT '';
