-- Creates the migration ledger: one row per applied migration file. Runs under the migration lock.
CREATE TABLE IF NOT EXISTS hwe.schema_migrations (
    version     text PRIMARY KEY,
    filename    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT clock_timestamp()
)
