-- Example migration for the db library's own tests.
CREATE TABLE widgets (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  note text,
  created_at timestamptz NOT NULL DEFAULT now()
);
