-- Drops the partition of one archived UTC day if it still holds exactly the rows the archive verified; answers
-- whether it did. Takes ACCESS EXCLUSIVE on event_log (parent first, at most 10 s), in the caller's transaction.
SELECT hwe.drop_event_log_partition(%(day)s::date, %(expected_rows)s) AS dropped
