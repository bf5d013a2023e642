-- Finds the oldest event of this name in the tenant that this task has not taken yet: a task's wait
-- checkpoints record the event_seq they took (buffered events wait here for later waits, in order).
-- Runs under lock_event_name; reads only.
SELECT e.event_seq, e.payload
FROM {events} e
WHERE e.tenant_id = %(tenant_id)s AND e.event_name = %(event_name)s
  AND e.event_seq > coalesce((
      SELECT max((c.state ->> 'event_seq')::bigint)
      FROM {checkpoints} c
      WHERE c.task_id = %(task_id)s AND c.step_name LIKE 'wait_for_event:%%'
        AND c.state ->> 'event_name' = %(event_name)s AND jsonb_typeof(c.state -> 'event_seq') = 'number'
  ), 0)
ORDER BY e.event_seq
LIMIT 1
