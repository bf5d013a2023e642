-- highway 0.1.60: child runs.
--
-- Child runs (parallel branches, child workflows, activities) are found by their parent: to
-- collect their outcomes and to cancel them with it. Partial, since most runs have no parent.
CREATE INDEX IF NOT EXISTS workflow_run_parent_idx ON hwe.workflow_run (parent_run_id)
    WHERE parent_run_id IS NOT NULL;
