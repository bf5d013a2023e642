-- Lists the signals or updates sent to a run: the events it owns whose name starts with
-- `<kind>:<run id>:`, oldest first, each with the wait step of the run's root task that took it (its
-- checkpoint records the event_seq it took; NULL: not taken yet). Optional filters: one name, taken or
-- not, one sequence; `after` is the cursor. Read-only; takes no lock.
SELECT e.event_seq, substr(e.event_name, length(%(prefix)s) + 1) AS name, e.payload, e.emitted_at,
       c.step_name AS taken_by, c.created_at AS taken_at
FROM {events} e
LEFT JOIN {checkpoints} c
    ON c.task_id = %(task_id)s AND c.step_name LIKE 'wait_for_event:%%'
   AND c.state -> 'event_seq' = to_jsonb(e.event_seq)
WHERE e.workflow_run_id = %(workflow_run_id)s AND e.tenant_id = %(tenant_id)s
  AND starts_with(e.event_name, %(prefix)s)
  AND (%(name)s::text IS NULL OR e.event_name = %(prefix)s || %(name)s::text)
  AND (%(event_seq)s::bigint IS NULL OR e.event_seq = %(event_seq)s::bigint)
  AND (%(taken)s::boolean IS NULL OR (c.step_name IS NOT NULL) = %(taken)s::boolean)
  AND e.event_seq > %(after)s
ORDER BY e.event_seq
LIMIT %(limit)s
