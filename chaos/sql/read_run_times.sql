-- When each of the given runs was created and finished (epoch seconds, NULL while unfinished).
SELECT workflow_run_id::text AS run_id,
       extract(epoch FROM created_at)::float8 AS created,
       extract(epoch FROM finished_at)::float8 AS finished
FROM hwe.workflow_run
WHERE workflow_run_id = ANY(%(run_ids)s::uuid[])
