-- Claims up to %(limit)s runs that are due, oldest first, of tasks not yet finished, and returns with each what
-- executing it needs (tenant, parent run, pinned definition as JSON text, inputs, every committed checkpoint in step
-- order),
-- so a claim is one round trip. Locks the candidate runs with FOR UPDATE SKIP LOCKED, so concurrent workers never
-- wait on each other nor claim the same run, then their tasks and workflow runs (lock order: runs, task,
-- workflow_run). Every claim starts a lease and bumps the run's fencing token; the worker must present that token
-- on every write. The claim commits before the run executes, and every earlier holder's write committed before it
-- (theirs are fenced by the token this claim bumps), so the checkpoints read here are all there are.
-- Each claim also says when the run became due and whether its task starts for the first time (for the metrics).
-- The statement always returns one row more, with a NULL run_id: `next_wake_seconds`, the seconds until the
-- queue's earliest future wake time (a timer, a retry back-off, an event wait's timeout; NULL when none), so an
-- idle worker sleeps until then instead of until its next poll. "now" is read once, in an init plan, so the
-- claimable index (available_at WHERE state pending or sleeping) answers both the claim and the wake time.
WITH clock AS MATERIALIZED (
    SELECT hwe.current_time() AS now
), candidate AS (
    SELECT r.run_id, r.available_at, t.first_started_at IS NULL AS first_start
    FROM {runs} r
    JOIN {tasks} t USING (task_id)
    WHERE r.state IN ('pending', 'sleeping') AND r.available_at <= (SELECT now FROM clock)
      AND t.state NOT IN ('completed', 'failed', 'cancelled')
    ORDER BY r.available_at, r.run_id
    LIMIT %(limit)s
    FOR UPDATE OF r SKIP LOCKED
), claimed AS (
    UPDATE {runs} r
    SET state = 'running', claimed_by = %(worker_id)s, fencing_token = r.fencing_token + 1,
        claim_expires_at = hwe.current_time() + make_interval(secs => %(lease_seconds)s),
        started_at = coalesce(r.started_at, hwe.current_time())
    FROM candidate c
    WHERE r.run_id = c.run_id
    RETURNING r.run_id, r.task_id, r.attempt, r.fencing_token, r.wake_event, r.event_payload, c.available_at,
              c.first_start
), task AS (
    UPDATE {tasks} t
    SET state = 'running', first_started_at = coalesce(t.first_started_at, hwe.current_time())
    FROM claimed c
    WHERE t.task_id = c.task_id
    RETURNING t.task_id, t.workflow_run_id, t.task_name, t.params, t.max_attempts
), workflow AS (
    UPDATE hwe.workflow_run w
    SET state = 'running', started_at = coalesce(w.started_at, hwe.current_time()), updated_at = hwe.current_time()
    FROM task t
    WHERE w.workflow_run_id = t.workflow_run_id AND w.state IN ('pending', 'sleeping', 'waiting')
)
SELECT c.run_id, c.task_id, c.attempt, c.fencing_token, t.max_attempts, t.workflow_run_id, t.task_name, t.params,
       c.wake_event, c.event_payload, hwe.current_time() AS claimed_at, c.available_at, c.first_start,
       w.tenant_id, w.parent_run_id, w.definition::text AS definition, w.inputs,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('step_name', cp.step_name, 'position', cp.position,
                                                     'status', cp.status, 'state', cp.state)
                                  ORDER BY cp.position), '[]')
        FROM {checkpoints} cp
        WHERE cp.task_id = c.task_id) AS checkpoints,
       NULL::float8 AS next_wake_seconds
FROM claimed c
JOIN task t USING (task_id)
LEFT JOIN hwe.workflow_run w ON w.workflow_run_id = t.workflow_run_id
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       extract(epoch FROM (
           SELECT r.available_at
           FROM {runs} r
           WHERE r.state IN ('pending', 'sleeping')
             AND r.available_at > (SELECT now FROM clock) AND r.available_at < 'infinity'
           ORDER BY r.available_at
           LIMIT 1
       ) - (SELECT now FROM clock))::float8
