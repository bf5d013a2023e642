-- The engine runs of the given workflow names (the operator's runs of the harness's Workflow resources).
SELECT workflow_name, workflow_run_id::text AS run_id, state, context
FROM hwe.workflow_run
WHERE workflow_name = ANY(%(names)s::text[])
