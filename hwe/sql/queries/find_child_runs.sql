-- Reads the state and outcome of child runs by id, only the tenant's (a retried run's copied
-- steps name the children its original run started, so the parent is not part of the filter),
-- with the status (ok or error) of the last committed step of each step name: a top-level task's
-- steps are named by its task id, and a retried task's later attempts `<id>#2`, `<id>#3`, ….
-- Children run on their parent's queue, whose checkpoints this reads.
SELECT w.workflow_run_id, w.state, w.result, w.error,
       coalesce((SELECT jsonb_object_agg(last.step_name, last.status)
                 FROM (SELECT DISTINCT ON (split_part(c.step_name, '#', 1))
                              split_part(c.step_name, '#', 1) AS step_name, c.status
                       FROM {checkpoints} c
                       WHERE c.task_id = w.task_id
                       ORDER BY split_part(c.step_name, '#', 1), c.position DESC) last),
                jsonb_build_object()) AS step_statuses
FROM hwe.workflow_run w
WHERE w.tenant_id = %(tenant_id)s
  AND w.workflow_run_id = ANY(%(workflow_run_ids)s::uuid[])
