-- highway 0.1.80: audit log queries.
--
-- The admin audit-log listing (`GET /api/v1/admin/audit-logs`) reads one tenant's records newest
-- first, optionally between two times, and counts them. Without this index every page of a tenant
-- would scan the whole event_log; with it a page is a backward index range scan that stops at the
-- LIMIT. Runs with a run filter keep using event_log_run_idx. Built inside the migration's
-- transaction (CREATE INDEX CONCURRENTLY cannot run in one), so appends to event_log wait while it
-- builds: on a large log, apply it in a quiet moment. Idempotent.

CREATE INDEX IF NOT EXISTS event_log_tenant_time_idx ON hwe.event_log (tenant_id, created_at, event_id);
