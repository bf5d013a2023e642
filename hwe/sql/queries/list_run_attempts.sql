-- Lists the queue attempts (claims) of a run's root task, oldest first: who claimed each, when it
-- first started and how it ended. Read-only; takes no lock.
SELECT run_id, attempt, state, claimed_by, created_at, started_at, completed_at, failed_at, failure_reason
FROM {runs}
WHERE task_id = %(task_id)s
ORDER BY attempt
