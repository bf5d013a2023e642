-- Counts a schedule's handled fire times (run by schedules.list_schedule_history). Locks nothing.
SELECT count(*)::integer AS total FROM hwe.schedule_fire WHERE schedule_id = %(schedule_id)s
