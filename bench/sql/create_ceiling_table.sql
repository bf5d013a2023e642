-- The table of pgbench's commit-ceiling transaction (bench/sql/pgbench_commit.sql): one small row per commit.
CREATE TABLE ceiling_commit (client_id integer NOT NULL, written_at timestamptz NOT NULL DEFAULT now())
