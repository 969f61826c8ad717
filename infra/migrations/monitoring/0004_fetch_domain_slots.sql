-- The next request start per registrable domain, shared by every replica
-- (services/monitoring/domain_slots.cc). Domains are public hosts, not
-- tenant data: one row serves every organisation watching the domain.
CREATE TABLE fetch_domain_slots (
  domain     text PRIMARY KEY,
  next_start timestamptz NOT NULL
);
