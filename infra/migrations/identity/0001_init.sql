-- Identity: organisations (tenants), users, credentials and signing keys.
-- Every user-facing table is keyed by org_id first: each query is scoped to
-- one tenant by its primary key.

CREATE TABLE organizations (
  id            text        PRIMARY KEY,
  display_name  text        NOT NULL,
  plan          text        NOT NULL CHECK (plan IN ('FREE', 'PREMIUM', 'ENTERPRISE')),
  version       bigint      NOT NULL DEFAULT 1,
  create_time   timestamptz NOT NULL DEFAULT now(),
  update_time   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  org_id        text        NOT NULL REFERENCES organizations (id),
  id            text        NOT NULL,
  email         text        NOT NULL,
  display_name  text        NOT NULL,
  role          text        NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER', 'VIEWER')),
  password_hash text        NOT NULL,
  version       bigint      NOT NULL DEFAULT 1,
  create_time   timestamptz NOT NULL DEFAULT now(),
  update_time   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);
-- Login is by email alone, so an address belongs to one account.
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_page ON users (org_id, create_time, id);

CREATE TABLE refresh_tokens (
  token_hash    text        PRIMARY KEY,   -- SHA-256 hex; the token is never stored
  family_id     text        NOT NULL,
  org_id        text        NOT NULL,
  user_id       text        NOT NULL,
  expire_time   timestamptz NOT NULL,
  create_time   timestamptz NOT NULL DEFAULT now(),
  rotate_time   timestamptz,
  revoke_time   timestamptz,
  FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE api_keys (
  org_id        text        NOT NULL REFERENCES organizations (id),
  id            text        NOT NULL,
  display_name  text        NOT NULL,
  role          text        NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER', 'VIEWER')),
  key_prefix    text        NOT NULL,
  secret_hash   text        NOT NULL UNIQUE,  -- SHA-256 hex of the whole key
  creator       text        NOT NULL,         -- user resource name
  create_time   timestamptz NOT NULL DEFAULT now(),
  expire_time   timestamptz,
  revoke_time   timestamptz,
  last_use_time timestamptz,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX api_keys_page ON api_keys (org_id, create_time, id);

-- Consecutive failed logins per normalised email (known or not, so the
-- throttle does not reveal which addresses have accounts).
CREATE TABLE login_failures (
  email         text        PRIMARY KEY,
  failures      integer     NOT NULL,
  last_failure  timestamptz NOT NULL,
  locked_until  timestamptz
);

-- Ed25519 signing keys for access tokens, shared by every identity instance.
CREATE TABLE signing_keys (
  kid           text        PRIMARY KEY,
  seed          bytea       NOT NULL,
  create_time   timestamptz NOT NULL DEFAULT now(),
  retire_time   timestamptz
);
