-- Each application bumps the counter, so a test can see it ran exactly once.
CREATE TABLE migration_runs (n integer NOT NULL);
INSERT INTO migration_runs VALUES (1);
