-- Links a fire record to the workflow run it submitted, in the transaction that inserted both.
-- Touches only that fire row.
UPDATE hwe.schedule_fire
SET workflow_run_id = %(workflow_run_id)s
WHERE schedule_id = %(schedule_id)s AND fire_time = %(fire_time)s
