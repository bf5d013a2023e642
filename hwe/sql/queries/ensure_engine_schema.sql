-- Creates the engine schema so the migration ledger has a home. Runs under the migration lock.
CREATE SCHEMA IF NOT EXISTS hwe
