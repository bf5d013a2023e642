-- How many of the given runs are not yet terminal, and how many webhook deliveries are still pending.
SELECT
    (SELECT count(*) FROM hwe.workflow_run
     WHERE workflow_run_id = ANY(%(run_ids)s::uuid[]) AND state NOT IN ('completed', 'failed', 'cancelled')) AS runs,
    (SELECT count(*) FROM hwe.webhook_delivery WHERE state = 'pending') AS deliveries
