-- Spawns a task with its first run, claimable at once. A task whose idempotency key already exists
-- in the queue is not spawned again and no row is returned. Wakes listening workers on commit.
WITH task AS (
    INSERT INTO {tasks} (task_id, workflow_run_id, task_name, params, retry_strategy, max_attempts,
                         state, attempts, idempotency_key, enqueue_at)
    VALUES (%(task_id)s, %(workflow_run_id)s, %(task_name)s, %(params)s, %(retry_strategy)s, %(max_attempts)s,
            'pending', 1, %(idempotency_key)s, hwe.current_time())
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING task_id
), run AS (
    INSERT INTO {runs} (run_id, task_id, attempt, state, available_at, created_at)
    SELECT %(run_id)s, task_id, 1, 'pending', hwe.current_time(), hwe.current_time() FROM task
    RETURNING run_id
)
SELECT run.run_id, pg_notify(%(channel)s, '') FROM run
