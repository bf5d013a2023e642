-- Deletes up to %(limit)s finished tasks older than %(ttl_seconds)s (by their last change) with
-- their runs, checkpoints and waits. Workflow runs and the audit log are kept: only queue
-- bookkeeping goes. Finished tasks are never locked by workers, so plain deletes do not wait.
WITH old AS (
    SELECT task_id FROM {tasks}
    WHERE state IN ('completed', 'failed', 'cancelled')
      AND coalesce(completed_at, cancelled_at, enqueue_at)
          < hwe.current_time() - make_interval(secs => %(ttl_seconds)s)
    ORDER BY task_id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), runs AS (
    DELETE FROM {runs} WHERE task_id IN (SELECT task_id FROM old)
), checkpoints AS (
    DELETE FROM {checkpoints} WHERE task_id IN (SELECT task_id FROM old)
), waits AS (
    DELETE FROM {waits} WHERE task_id IN (SELECT task_id FROM old)
)
DELETE FROM {tasks} WHERE task_id IN (SELECT task_id FROM old)
RETURNING task_id
