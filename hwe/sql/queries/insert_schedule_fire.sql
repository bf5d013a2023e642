-- Records that a fire time was handled (fired, or skipped because max_active_runs were active).
-- The primary key (schedule_id, fire_time) refuses a second record of the same fire time: then no
-- row is returned and the caller submits nothing. Locks only the new row.
INSERT INTO hwe.schedule_fire (schedule_id, fire_time, state)
VALUES (%(schedule_id)s, %(fire_time)s, %(state)s)
ON CONFLICT (schedule_id, fire_time) DO NOTHING
RETURNING fire_time
