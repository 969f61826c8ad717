-- Email (issue 10): one job per email on the `email_jobs` queue
-- (services/runtime/jobs), notifications waiting for a digest or for the
-- end of quiet hours, and the mail templates (data, like `rules`).

-- Subject, text and HTML of each kind of mail. Templates name values as
-- {name}: {title}, {body}, {link_url}, {category}, {severity} for one
-- notification; {count} and {items} (the `digest_item` template per
-- notification) for a digest; {unsubscribe_url} in every one. Values are
-- HTML-escaped in html_body.
CREATE TABLE email_templates (
  name       text PRIMARY KEY CHECK (name IN ('notification', 'digest', 'digest_item')),
  subject    text NOT NULL,
  text_body  text NOT NULL,
  html_body  text NOT NULL
);

INSERT INTO email_templates VALUES
  ('notification', '{title}',
   E'{title}\n\n{body}\n\nOpen in Fineprint: {link_url}\n\n-- \nYou get this email because {category} email is on.\nUnsubscribe: {unsubscribe_url}\n',
   '<!doctype html><html><body style="font-family:sans-serif"><h2>{title}</h2><p>{body}</p><p><a href="{link_url}">Open in Fineprint</a></p><hr><p style="color:#666;font-size:12px">You get this email because {category} email is on. <a href="{unsubscribe_url}">Unsubscribe</a></p></body></html>'),
  ('digest', 'Fineprint: {count} new notifications',
   E'{count} new notifications\n\n{items}\n-- \nUnsubscribe from these categories: {unsubscribe_url}\n',
   '<!doctype html><html><body style="font-family:sans-serif"><h2>{count} new notifications</h2><ul>{items}</ul><hr><p style="color:#666;font-size:12px"><a href="{unsubscribe_url}">Unsubscribe from these categories</a></p></body></html>'),
  ('digest_item', '',
   E'* {title}\n  {body}\n  {link_url}\n',
   '<li><b>{title}</b><br>{body} <a href="{link_url}">Open</a></li>');

-- A notification waiting for the user's next digest (or quiet hours' end).
-- The digest job that sends it claims it first (claimed_by = its job id,
-- committed before sending), so two jobs never mail the same item, and a
-- retry of the job finds its own claims again.
CREATE TABLE email_digest_items (
  org_id           text        NOT NULL,
  user_id          text        NOT NULL,
  notification_id  text        NOT NULL,
  send_at          timestamptz NOT NULL,
  claimed_by       text,
  create_time      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id, notification_id)
);
CREATE INDEX email_digest_items_due ON email_digest_items (org_id, user_id, send_at);

-- The queue's columns (services/runtime/jobs/testdata/jobs/0001_jobs.sql)
-- plus the payload: a SINGLE mail of one notification, or the DIGEST of a
-- user's items due by send_at (not claimable before then).
CREATE TABLE email_jobs (
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
  user_id           text        NOT NULL,
  kind              text        NOT NULL CHECK (kind IN ('SINGLE', 'DIGEST')),
  notification_id   text        NOT NULL DEFAULT '',
  send_at           timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX email_jobs_claim ON email_jobs (rank_time, id) WHERE state = 'QUEUED';
CREATE INDEX email_jobs_leases ON email_jobs (lease_expires_at) WHERE state = 'RUNNING';
-- The queued digest of a user and send time, which a new item joins.
CREATE INDEX email_jobs_digests ON email_jobs (org_id, user_id, send_at)
  WHERE state = 'QUEUED' AND kind = 'DIGEST';
