-- Serializes emitters and waiters of one event name in one tenant for the rest of the transaction,
-- so an emit can never slip between a waiter's "not emitted yet" and its wait registration.
-- First in the lock order: event, then runs by id, then task.
SELECT pg_advisory_xact_lock(hashtextextended(%(tenant_id)s || '/' || %(event_name)s, 0))
