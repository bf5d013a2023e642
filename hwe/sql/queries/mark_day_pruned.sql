-- Marks one UTC day's archive rows pruned (its partition was dropped in this transaction). Locks those rows.
UPDATE hwe.event_log_archive
SET pruned_at = hwe.current_time()
WHERE day = %(day)s::date AND pruned_at IS NULL
