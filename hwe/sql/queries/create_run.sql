-- Creates a workflow run, its root task with the task's first run (claimable at once) and the run's
-- `submitted` audit record, in one statement: one round trip, and one commit when it runs on its own.
-- All rows are new, so nothing is locked but the unique keys. With an idempotency key the tenant already
-- used, nothing is inserted and no row is returned; the caller then reads the existing run
-- (find_run_by_idempotency_key). Wakes listening workers on commit.
WITH workflow AS (
    INSERT INTO hwe.workflow_run (
        workflow_run_id, tenant_id, workflow_name, workflow_version, definition, inputs,
        idempotency_key, request_hash, queue_name, task_id, progress_total, parent_run_id, deadline_at, deadline_action
    ) VALUES (
        %(workflow_run_id)s, %(tenant_id)s, %(workflow_name)s, %(workflow_version)s, %(definition)s, %(inputs)s,
        %(idempotency_key)s, %(request_hash)s, %(queue_name)s, %(task_id)s, %(progress_total)s, %(parent_run_id)s,
        hwe.current_time() + make_interval(secs => %(deadline_seconds)s::float8), %(deadline_action)s
    )
    ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
    RETURNING workflow_run_id, tenant_id, task_id
), task AS (
    INSERT INTO {tasks} (task_id, workflow_run_id, task_name, params, retry_strategy, max_attempts,
                         state, attempts, idempotency_key, enqueue_at)
    SELECT task_id, workflow_run_id, %(task_name)s, '{{}}', %(retry_strategy)s, %(max_attempts)s,
           'pending', 1, 'run:' || workflow_run_id, hwe.current_time()
    FROM workflow
    RETURNING task_id
), run AS (
    INSERT INTO {runs} (run_id, task_id, attempt, state, available_at, created_at)
    SELECT %(queue_run_id)s, task_id, 1, 'pending', hwe.current_time(), hwe.current_time() FROM task
    RETURNING run_id
), audit AS (
    INSERT INTO hwe.event_log (workflow_run_id, tenant_id, event_type, run_id, detail)
    SELECT workflow_run_id, tenant_id, 'submitted', NULL, %(detail)s FROM workflow
)
SELECT run.run_id, pg_notify(%(channel)s, '') FROM run
