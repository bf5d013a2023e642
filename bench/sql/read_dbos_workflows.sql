-- One row per DBOS workflow of the bench: its status, when it was created (workflow_status.created_at, the
-- database's now() at insert), last updated (its outcome), and when its first step's output was recorded
-- (operation_outputs.completed_at_epoch_ms, DBOS's clock at the recording). All times are epoch seconds.
SELECT s.status,
       s.created_at / 1000.0 AS created,
       s.updated_at / 1000.0 AS finished,
       (SELECT min(o.completed_at_epoch_ms) / 1000.0 FROM dbos.operation_outputs o
        WHERE o.workflow_uuid = s.workflow_uuid) AS first_step
FROM dbos.workflow_status s
WHERE s.workflow_uuid = ANY(%(workflow_ids)s)
