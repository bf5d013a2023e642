-- Lists the versions already recorded in the migration ledger.
SELECT version FROM hwe.schema_migrations ORDER BY version
