-- Creates a workflow run, its root task with the task's first run (claimable at once) and the run's
-- `submitted` audit record, then the `api_request` record of the API call that submitted it (when
-- api_detail is not NULL), in one statement: one round trip, and one commit when it runs on its own.
-- With store_definition, the definition also becomes the next stored version of its name unless the
-- tenant has its content already (one index probe on a resubmission); `definition_stored` is false only
-- when a concurrent store took that version number first, and the caller then stores it on its own.
-- All rows are new, so nothing is locked but the unique keys. With an idempotency key the tenant already
-- used, nothing is inserted and no row is returned; the caller then reads the existing run
-- (find_run_by_idempotency_key). Wakes listening workers on commit.
WITH workflow AS (
    INSERT INTO hwe.workflow_run (
        workflow_run_id, tenant_id, workflow_name, workflow_version, definition, inputs,
        idempotency_key, request_hash, queue_name, task_id, progress_total, parent_run_id, deadline_at, deadline_action,
        definition_hash
    ) VALUES (
        %(workflow_run_id)s, %(tenant_id)s, %(workflow_name)s, %(workflow_version)s, %(definition)s, %(inputs)s,
        %(idempotency_key)s, %(request_hash)s, %(queue_name)s, %(task_id)s, %(progress_total)s, %(parent_run_id)s,
        hwe.current_time() + make_interval(secs => %(deadline_seconds)s::float8), %(deadline_action)s,
        %(definition_hash)s
    )
    ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
    RETURNING workflow_run_id, tenant_id, task_id
), task AS (
    INSERT INTO {tasks} (task_id, workflow_run_id, task_name, params, retry_strategy, max_attempts,
                         state, attempts, idempotency_key, enqueue_at)
    SELECT task_id, workflow_run_id, %(task_name)s, '{{}}', %(retry_strategy)s, %(max_attempts)s,
           'pending', 1, 'run:' || workflow_run_id, hwe.current_time()
    FROM workflow
    RETURNING task_id
), run AS (
    INSERT INTO {runs} (run_id, task_id, attempt, state, available_at, created_at)
    SELECT %(queue_run_id)s, task_id, 1, 'pending', hwe.current_time(), hwe.current_time() FROM task
    RETURNING run_id
), audit AS (
    -- One INSERT for both records, ordered, so `submitted` takes the lower event id as when they were two.
    INSERT INTO hwe.event_log (workflow_run_id, tenant_id, event_type, run_id, detail)
    SELECT workflow.workflow_run_id, workflow.tenant_id, record.event_type, NULL, record.detail
    FROM workflow,
         (VALUES (1, 'submitted', %(detail)s::jsonb), (2, 'api_request', %(api_detail)s::jsonb))
             AS record (position, event_type, detail)
    WHERE record.detail IS NOT NULL
    ORDER BY record.position
), known AS (
    -- One probe of the content hash, read by both below (a CTE used twice is evaluated once).
    SELECT NOT %(store_definition)s OR EXISTS (
        SELECT 1 FROM hwe.workflow_definition
        WHERE tenant_id = %(tenant_id)s AND content_hash = %(definition_hash)s
    ) AS found
), stored AS (
    INSERT INTO hwe.workflow_definition (tenant_id, name, version, content_hash, definition)
    SELECT workflow.tenant_id, %(workflow_name)s,
           coalesce((SELECT max(version) FROM hwe.workflow_definition
                     WHERE tenant_id = %(tenant_id)s AND name = %(workflow_name)s), 0) + 1,
           %(definition_hash)s, %(definition)s
    FROM workflow, known
    WHERE NOT known.found
    ON CONFLICT DO NOTHING
    RETURNING version
)
SELECT run.run_id, pg_notify(%(channel)s, ''),
       (SELECT found FROM known) OR EXISTS (SELECT 1 FROM stored) AS definition_stored
FROM run
