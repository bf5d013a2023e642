-- When each step's checkpoint of the given runs was written (epoch seconds; the engine clock is the wall clock here).
SELECT w.workflow_run_id::text AS run_id, c.step_name, extract(epoch FROM c.created_at)::float8 AS committed_at
FROM hwe.workflow_run w
JOIN {checkpoints} c ON c.task_id = w.task_id
WHERE w.workflow_run_id = ANY(%(run_ids)s::uuid[])
