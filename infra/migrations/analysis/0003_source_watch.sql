-- Documents fed by a monitoring watch (issue 9): each change of the watched
-- page becomes a new version of one document per watch, found by the watch
-- name. The unique index makes "first change creates it" safe when two
-- SourceChanged events of one watch race (they should not: same key, same
-- partition, but a replay must not fork the document).

ALTER TABLE documents ADD COLUMN watch text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX documents_by_watch ON documents (org_id, watch)
  WHERE watch <> '';
