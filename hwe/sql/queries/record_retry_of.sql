-- Links a retry to the run it retries and carries over the context of the steps it will not repeat.
UPDATE hwe.workflow_run
SET retry_of = %(retry_of)s, context = %(context)s, progress_completed = %(progress_completed)s
WHERE workflow_run_id = %(workflow_run_id)s
