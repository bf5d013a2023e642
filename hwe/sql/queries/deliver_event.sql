-- Hands an event to the waiters of its name in the tenant: to each waiting task's oldest wait of that
-- name (a task's later waits take later events), writing that step's checkpoint with the payload and
-- the event_seq it took (so replay reads the payload and the next wait takes the next event), making
-- its run claimable at once and dropping the wait. Runs under lock_event_name, so no waiting task has
-- an older event it has not taken; then locks waiting runs by id, then their tasks. Notifies the workers.
WITH chosen AS (
    SELECT DISTINCT ON (task_id) task_id, step_name
    FROM {waits}
    WHERE tenant_id = %(tenant_id)s AND event_name = %(event_name)s
    ORDER BY task_id, created_at, position
), wait AS (
    DELETE FROM {waits} w
    USING chosen
    WHERE w.task_id = chosen.task_id AND w.step_name = chosen.step_name
    RETURNING w.task_id, w.step_name, w.position, w.run_id
), checkpoint AS (
    INSERT INTO {checkpoints} (task_id, step_name, position, status, state, owner_run_id, created_at)
    SELECT task_id, step_name, position, 'ok',
           jsonb_build_object('timed_out', false, 'payload', %(payload)s::jsonb,
                              'event_name', %(event_name)s::text, 'event_seq', %(event_seq)s::bigint),
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
