-- Commits steps' results and their runs' projection for readers, one row per step, each fenced by its own
-- run id + token: a row whose run this worker no longer holds writes nothing, the others are written. The
-- caller gives each run at most once (a run row is updated once per statement). The fence CTE locks the runs
-- (and extends their leases) it still holds; checkpoints and projections are written only through those rows
-- (lock order: runs, then workflow_run). A step that already has a checkpoint keeps its first result.
-- current_step and progress change only for steps that are workflow tasks (non-NULL progress);
-- progress never goes back when concurrent steps commit out of order. `logs` holds the attempt output of the
-- batch's steps (one object per stream of an attempt, its `ordinal` naming its input row; an empty array when none
-- printed anything): only a written step's output is stored (hwe.task_log). One row per input: fenced, written.
WITH input AS (
    SELECT *
    FROM unnest(%(run_ids)s::uuid[], %(fencing_tokens)s::bigint[], %(lease_seconds)s::float8[],
                %(step_names)s::text[], %(positions)s::integer[], %(statuses)s::text[], %(states)s::jsonb[],
                %(workflow_run_ids)s::uuid[], %(context_patches)s::jsonb[], %(progress_completed)s::integer[],
                %(current_steps)s::text[])
         WITH ORDINALITY AS i(run_id, fencing_token, lease_seconds, step_name, position, status, state,
                              workflow_run_id, context_patch, progress_completed, current_step, ordinal)
), fence AS (
    UPDATE {runs} r
    SET claim_expires_at = hwe.current_time() + make_interval(secs => i.lease_seconds)
    FROM input i
    WHERE r.run_id = i.run_id AND r.fencing_token = i.fencing_token AND r.state = 'running'
    RETURNING i.ordinal, r.run_id, r.task_id
), checkpoint AS (
    INSERT INTO {checkpoints} (task_id, step_name, position, status, state, owner_run_id, created_at)
    SELECT f.task_id, i.step_name, i.position, i.status, i.state, f.run_id, hwe.current_time()
    FROM fence f JOIN input i ON i.ordinal = f.ordinal
    ON CONFLICT (task_id, step_name) DO NOTHING
    RETURNING task_id, step_name
), projection AS (
    UPDATE hwe.workflow_run w
    SET context = w.context || i.context_patch,
        current_step = coalesce(i.current_step, w.current_step),
        progress_completed = greatest(coalesce(i.progress_completed, 0), w.progress_completed),
        updated_at = hwe.current_time()
    FROM fence f JOIN input i ON i.ordinal = f.ordinal
    WHERE w.workflow_run_id = i.workflow_run_id
), logs AS (
    INSERT INTO hwe.task_log (tenant_id, workflow_run_id, task_id, attempt, stream, content, size_bytes,
                              dropped_bytes, status, tool, started_at, logged_at)
    SELECT l.tenant_id, i.workflow_run_id, l.task_id, l.attempt, l.stream, l.content, l.size_bytes, l.dropped_bytes,
           i.status, l.tool, hwe.current_time() - make_interval(secs => l.seconds), hwe.current_time()
    FROM jsonb_to_recordset(%(logs)s::jsonb)
         AS l(ordinal bigint, tenant_id text, task_id text, attempt integer, stream text, content text,
              size_bytes bigint, dropped_bytes bigint, tool text, seconds float8)
    JOIN input i ON i.ordinal = l.ordinal
    JOIN fence f ON f.ordinal = l.ordinal
    JOIN checkpoint c ON c.task_id = f.task_id AND c.step_name = i.step_name
)
SELECT i.ordinal, f.run_id IS NOT NULL AS fenced,
       EXISTS (SELECT 1 FROM checkpoint c WHERE c.task_id = f.task_id AND c.step_name = i.step_name) AS written
FROM input i LEFT JOIN fence f ON f.ordinal = i.ordinal
ORDER BY i.ordinal
