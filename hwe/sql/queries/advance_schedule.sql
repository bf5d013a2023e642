-- Moves a claimed schedule's next fire time past the fire times just handled (NULL: it never fires
-- again). The caller holds the row's lock from claim_due_schedule.
UPDATE hwe.schedule
SET next_fire_at = %(next_fire_at)s, updated_at = hwe.current_time()
WHERE schedule_id = %(schedule_id)s
