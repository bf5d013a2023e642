-- How many seconds from now until the queue's earliest future wake time (a timer, a retry back-off, an event
-- wait's timeout), NULL when none is scheduled, so an idle worker sleeps until then instead of until its next
-- poll. Runs already due are left out: a claim takes them, or another worker holds them. Read-only; no lock.
-- "now" is read once, in an init plan, so the claimable index (available_at WHERE state pending or sleeping)
-- answers from its first entry past now; a volatile clock call in the WHERE clause could not use the index.
WITH clock AS MATERIALIZED (SELECT hwe.current_time() AS now)
SELECT extract(epoch FROM (
           SELECT r.available_at
           FROM {runs} r
           WHERE r.state IN ('pending', 'sleeping')
             AND r.available_at > (SELECT now FROM clock) AND r.available_at < 'infinity'
           ORDER BY r.available_at
           LIMIT 1
       ) - (SELECT now FROM clock))::float8 AS seconds
