-- Measures one workflow run of a tenant: its times, step progress, queue attempts, checkpoints (and of
-- them the retried step attempts, named `task#N`, and the failed ones), audit records and child runs. Each
-- count reads one run's rows by an index (task key, event_log_run_idx, workflow_run_parent_idx). Reads only.
SELECT w.workflow_run_id, w.workflow_name, w.state, w.current_step, w.progress_completed, w.progress_total,
       w.created_at, w.started_at, w.finished_at, w.updated_at, hwe.current_time() AS now,
       (SELECT count(*) FROM {runs} r WHERE r.task_id = w.task_id) AS attempts,
       (SELECT count(*) FROM {checkpoints} c WHERE c.task_id = w.task_id) AS checkpoints,
       (SELECT count(*) FROM {checkpoints} c
        WHERE c.task_id = w.task_id AND c.step_name ~ '^[^:/]+#[0-9]+$') AS step_retries,
       (SELECT count(*) FROM {checkpoints} c WHERE c.task_id = w.task_id AND c.status = 'error') AS failed_steps,
       (SELECT count(*) FROM hwe.event_log e WHERE e.workflow_run_id = w.workflow_run_id) AS audit_events,
       (SELECT count(*) FROM hwe.workflow_run c WHERE c.parent_run_id = w.workflow_run_id) AS child_runs
FROM hwe.workflow_run w
WHERE w.workflow_run_id = %(workflow_run_id)s AND w.tenant_id = %(tenant_id)s
