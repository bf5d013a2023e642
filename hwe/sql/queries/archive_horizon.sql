-- The first UTC day an archive pass keeps: every day before it ended at least `grace` before the cutoff
-- (the engine clock's now minus `older_than`), so no transaction still commits rows into it. Reads only.
SELECT ((hwe.current_time() - %(older_than)s::interval - %(grace)s::interval) AT TIME ZONE 'UTC')::date
       AS first_day_kept
