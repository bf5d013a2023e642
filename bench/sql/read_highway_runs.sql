-- One row per Highway run of the bench: its state, when it was submitted (created_at, set by the submit
-- transaction), claimed (started_at), finished, and when its first step's checkpoint was written. All times are
-- epoch seconds from the engine clock (clock_timestamp()).
SELECT w.state,
       extract(epoch FROM w.created_at)::float8 AS created,
       extract(epoch FROM w.started_at)::float8 AS started,
       extract(epoch FROM w.finished_at)::float8 AS finished,
       (SELECT extract(epoch FROM min(c.created_at))::float8 FROM {checkpoints} c WHERE c.task_id = w.task_id)
           AS first_step
FROM hwe.workflow_run w
WHERE w.workflow_run_id = ANY(%(run_ids)s)
