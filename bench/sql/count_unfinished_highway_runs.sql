-- How many of the bench's Highway runs have not reached a terminal state yet.
SELECT count(*) AS unfinished
FROM hwe.workflow_run
WHERE workflow_run_id = ANY(%(run_ids)s) AND state NOT IN ('completed', 'failed', 'cancelled')
