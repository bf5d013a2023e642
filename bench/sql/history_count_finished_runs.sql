-- How many workflow runs have finished (completed, failed or cancelled) so far.
SELECT count(*) AS finished
FROM hwe.workflow_run
WHERE state IN ('completed', 'failed', 'cancelled')
