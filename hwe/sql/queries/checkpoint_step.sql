-- Commits one step's result and the run's projection for readers, fenced by run id + token.
-- The fence CTE locks the run row (and extends its lease) only if this worker still holds it;
-- the checkpoint and the workflow_run projection are written only through that row (lock order:
-- runs, then workflow_run). A step that already has a checkpoint keeps its first result.
-- current_step and progress change only for steps that are workflow tasks (non-NULL parameters);
-- progress never goes back when concurrent steps commit out of order.
WITH fence AS (
    UPDATE {runs}
    SET claim_expires_at = hwe.current_time() + make_interval(secs => %(lease_seconds)s)
    WHERE run_id = %(run_id)s AND fencing_token = %(fencing_token)s AND state = 'running'
    RETURNING run_id, task_id
), checkpoint AS (
    INSERT INTO {checkpoints} (task_id, step_name, position, status, state, owner_run_id, created_at)
    SELECT task_id, %(step_name)s, %(position)s, %(status)s, %(state)s, run_id, hwe.current_time() FROM fence
    ON CONFLICT (task_id, step_name) DO NOTHING
    RETURNING step_name
), projection AS (
    UPDATE hwe.workflow_run w
    SET context = w.context || %(context_patch)s,
        current_step = coalesce(%(current_step)s, w.current_step),
        progress_completed = greatest(coalesce(%(progress_completed)s, 0), w.progress_completed),
        updated_at = hwe.current_time()
    FROM fence
    WHERE w.workflow_run_id = %(workflow_run_id)s
)
SELECT (SELECT count(*) FROM fence) AS fenced, (SELECT count(*) FROM checkpoint) AS written
