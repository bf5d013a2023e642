-- Fills the engine's tables with %(count)s more finished runs, each a copy of one real finished run (the template,
-- run through the engine by bench/history.py) in every table that run wrote to: its workflow_run row, its task, run
-- and checkpoints in the queue's t_/r_/c_ tables and its event_log records. A copy is the template's row with the
-- template's three ids (workflow run, task, queue run) replaced by fresh random ones wherever they occur (any
-- column, JSON included, such as the task's idempotency key), its time columns shifted so that copy number i was
-- created at %(newest)s - i * %(spacing)s, and a fresh event_id per audit record. Every other value is the
-- template's own, copied as stored. Reads the template's rows; locks nothing but the new rows.
WITH template AS MATERIALIZED (
    SELECT w.workflow_run_id::text AS workflow_run_id, w.task_id::text AS task_id, r.run_id::text AS run_id,
           w.created_at
    FROM hwe.workflow_run w
    JOIN {runs} r ON r.task_id = w.task_id
    WHERE w.workflow_run_id = %(template_id)s
), copy AS MATERIALIZED (
    SELECT gen_random_uuid()::text AS workflow_run_id, gen_random_uuid()::text AS task_id,
           gen_random_uuid()::text AS run_id,
           %(newest)s::timestamptz - i * %(spacing)s::interval - template.created_at AS shift
    FROM template, generate_series(%(first)s::bigint, %(first)s::bigint + %(count)s - 1) AS i
), template_rows AS (
    SELECT 'workflow_run' AS source, '' AS row_key, to_jsonb(w) AS j
    FROM hwe.workflow_run w, template t WHERE w.workflow_run_id = t.workflow_run_id::uuid
    UNION ALL
    SELECT 'task', '', to_jsonb(k) FROM {tasks} k, template t WHERE k.task_id = t.task_id::uuid
    UNION ALL
    SELECT 'run', '', to_jsonb(r) FROM {runs} r, template t WHERE r.task_id = t.task_id::uuid
    UNION ALL
    SELECT 'checkpoint', p.step_name, to_jsonb(p) FROM {checkpoints} p, template t WHERE p.task_id = t.task_id::uuid
    UNION ALL
    SELECT 'event', e.event_id::text, to_jsonb(e)
    FROM hwe.event_log e, template t WHERE e.workflow_run_id = t.workflow_run_id::uuid
), id_columns AS MATERIALIZED (
    -- Of each template row, the columns whose value holds one of the template's ids, as JSON text.
    SELECT x.source, x.row_key,
           (SELECT jsonb_object_agg(key, value) FROM jsonb_each(x.j)
            WHERE strpos(value::text, t.workflow_run_id) > 0 OR strpos(value::text, t.task_id) > 0
               OR strpos(value::text, t.run_id) > 0)::text AS ids
    FROM template_rows x, template t
), patches AS MATERIALIZED (
    -- Per copy and template row: its id columns with the copy's ids.
    SELECT x.source, x.row_key, c.shift,
           replace(replace(replace(x.ids, t.workflow_run_id, c.workflow_run_id), t.task_id, c.task_id),
                   t.run_id, c.run_id)::jsonb AS ids
    FROM template t, copy c, id_columns x
), workflow_runs AS (
    INSERT INTO hwe.workflow_run
    SELECT copied.*
    FROM template t
    JOIN hwe.workflow_run w ON w.workflow_run_id = t.workflow_run_id::uuid
    JOIN patches p ON p.source = 'workflow_run',
    jsonb_populate_record(w, p.ids || jsonb_build_object(
        'created_at', w.created_at + p.shift, 'started_at', w.started_at + p.shift,
        'finished_at', w.finished_at + p.shift, 'updated_at', w.updated_at + p.shift,
        'deadline_at', w.deadline_at + p.shift)) AS copied
    RETURNING 1
), tasks AS (
    INSERT INTO {tasks}
    SELECT copied.*
    FROM template t
    JOIN {tasks} k ON k.task_id = t.task_id::uuid
    JOIN patches p ON p.source = 'task',
    jsonb_populate_record(k, p.ids || jsonb_build_object(
        'enqueue_at', k.enqueue_at + p.shift, 'first_started_at', k.first_started_at + p.shift,
        'completed_at', k.completed_at + p.shift, 'cancelled_at', k.cancelled_at + p.shift)) AS copied
    RETURNING 1
), runs AS (
    INSERT INTO {runs}
    SELECT copied.*
    FROM template t
    JOIN {runs} r ON r.task_id = t.task_id::uuid
    JOIN patches p ON p.source = 'run',
    jsonb_populate_record(r, p.ids || jsonb_build_object(
        'created_at', r.created_at + p.shift, 'available_at', r.available_at + p.shift,
        'claim_expires_at', r.claim_expires_at + p.shift, 'started_at', r.started_at + p.shift,
        'completed_at', r.completed_at + p.shift, 'failed_at', r.failed_at + p.shift)) AS copied
    RETURNING 1
), checkpoints AS (
    INSERT INTO {checkpoints}
    SELECT copied.*
    FROM template t
    JOIN {checkpoints} k ON k.task_id = t.task_id::uuid
    JOIN patches p ON p.source = 'checkpoint' AND p.row_key = k.step_name,
    jsonb_populate_record(k, p.ids || jsonb_build_object('created_at', k.created_at + p.shift)) AS copied
    RETURNING 1
), events AS (
    -- Oldest first, so that event ids rise with time within one fill.
    INSERT INTO hwe.event_log
    SELECT copied.*
    FROM (SELECT e, p.ids || jsonb_build_object('created_at', e.created_at + p.shift,
                     'event_id', nextval(pg_get_serial_sequence('hwe.event_log', 'event_id'))) AS patch
          FROM template t
          JOIN hwe.event_log e ON e.workflow_run_id = t.workflow_run_id::uuid
          JOIN patches p ON p.source = 'event' AND p.row_key = e.event_id::text
          ORDER BY p.shift, e.event_id) ordered,
    jsonb_populate_record(ordered.e, ordered.patch) AS copied
    RETURNING 1
)
SELECT (SELECT count(*) FROM workflow_runs) AS workflow_runs, (SELECT count(*) FROM tasks) AS tasks,
       (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM checkpoints) AS checkpoints,
       (SELECT count(*) FROM events) AS events
