-- Notices for an organisation none of whose members is known yet: its
-- owner's UserRegistered (identity's topic) and the first events of its
-- documents (other services' topics) have no order between them, so a new
-- organisation's first analysis can arrive first. They wait here and go to
-- the first member when that member becomes known.
CREATE TABLE parked_notices (
  org_id      text        NOT NULL,
  event_id    text        NOT NULL,
  kind        text        NOT NULL,
  severity    text        NOT NULL,
  title       text        NOT NULL,
  body        text        NOT NULL,
  link        text        NOT NULL,
  roles       text[]      NOT NULL,
  create_time timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (org_id, event_id, kind)
);
