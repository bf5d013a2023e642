-- Hands an event to every waiter of its name in the tenant: writes each waiter's step checkpoint
-- (so its replay reads the payload), makes its run claimable at once and drops the wait. Runs
-- under lock_event_name; then locks waiting runs by id, then their tasks. Notifies the workers.
WITH wait AS (
    DELETE FROM {waits}
    WHERE tenant_id = %(tenant_id)s AND event_name = %(event_name)s
    RETURNING task_id, step_name, position, run_id
), checkpoint AS (
    INSERT INTO {checkpoints} (task_id, step_name, position, status, state, owner_run_id, created_at)
    SELECT task_id, step_name, position, 'ok', jsonb_build_object('timed_out', false, 'payload', %(payload)s::jsonb),
           run_id, hwe.current_time()
    FROM wait
    ON CONFLICT (task_id, step_name) DO NOTHING
), locked AS (
    SELECT r.run_id FROM {runs} r JOIN wait USING (run_id)
    WHERE r.state = 'sleeping'
    ORDER BY r.run_id
    FOR UPDATE OF r
), run AS (
    UPDATE {runs} r
    SET state = 'pending', available_at = hwe.current_time(), wake_event = NULL
    FROM locked
    WHERE r.run_id = locked.run_id
    RETURNING r.task_id
), task AS (
    UPDATE {tasks} t
    SET state = 'pending'
    FROM run
    WHERE t.task_id = run.task_id
    RETURNING t.task_id
)
SELECT count(*) AS woken, pg_notify(%(channel)s, '') FROM task
