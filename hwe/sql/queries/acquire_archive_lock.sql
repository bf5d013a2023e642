-- Tries to take the session advisory lock of the audit archive, so one archive pass runs at a time across every
-- process (audit service replicas, `hwe audit archive`); answers at once whether it got it. Locks no rows.
SELECT pg_try_advisory_lock(%(lock_key)s) AS locked
