-- Writes a schedule's changeable fields, pause flag and next fire time. The caller has locked the
-- row with lock_schedule in the same transaction; this statement touches only that row.
UPDATE hwe.schedule
SET cron = %(cron)s, timezone = %(timezone)s, definition = %(definition)s, inputs = %(inputs)s,
    start_date = %(start_date)s, catchup = %(catchup)s, max_active_runs = %(max_active_runs)s,
    is_paused = %(is_paused)s, next_fire_at = %(next_fire_at)s, updated_at = hwe.current_time()
WHERE schedule_id = %(schedule_id)s
RETURNING *
