-- Counts one tenant's unfinished workflow runs in a queue by workflow name and state, with the oldest of each
-- name, the busiest names first. Driven by workflow_run_unfinished_idx: unfinished runs only. Reads only.
SELECT workflow_name,
       count(*) AS total,
       count(*) FILTER (WHERE state = 'pending') AS pending,
       count(*) FILTER (WHERE state = 'running') AS running,
       count(*) FILTER (WHERE state = 'sleeping') AS sleeping,
       count(*) FILTER (WHERE state = 'waiting') AS waiting,
       min(created_at) AS oldest_created_at
FROM hwe.workflow_run
WHERE queue_name = %(queue_name)s AND tenant_id = %(tenant_id)s
  AND state IN ('pending', 'running', 'sleeping', 'waiting')
GROUP BY workflow_name
ORDER BY count(*) DESC, workflow_name
LIMIT %(limit)s
