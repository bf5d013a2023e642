-- The harness's runs as the engine ended them: state, context and error.
SELECT workflow_run_id::text AS run_id, state, context, error
FROM hwe.workflow_run
WHERE workflow_run_id = ANY(%(run_ids)s::uuid[])
