-- highway 0.2.35: every submitted definition is a stored version of its name, and a run knows which.
--
-- Submission now stores the definition it runs in hwe.workflow_definition (content-hashed: the same content
-- again adds nothing), so a child workflow or tools.workflow.execute finds it by name afterwards. A run
-- records the content hash of its definition (`definition_hash`, NULL for runs submitted before this release),
-- which links it to its stored version: the executions grid of a definition reads its runs by that index.
-- A stored version can be deprecated (`deprecated_at`): it stays readable and runnable by explicit version,
-- but is no longer the "latest" version of its name. Every statement is idempotent.

ALTER TABLE hwe.workflow_run ADD COLUMN IF NOT EXISTS definition_hash text;

CREATE INDEX IF NOT EXISTS workflow_run_definition_idx
    ON hwe.workflow_run (tenant_id, definition_hash, created_at DESC, workflow_run_id DESC)
    WHERE definition_hash IS NOT NULL;

ALTER TABLE hwe.workflow_definition ADD COLUMN IF NOT EXISTS deprecated_at timestamptz;
