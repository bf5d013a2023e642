-- Creates a schedule. Returns no row when the tenant already has a schedule of that name (the
-- unique (tenant_id, name) index decides; the existing row is left alone). Locks only the new row.
INSERT INTO hwe.schedule (
    schedule_id, tenant_id, name, cron, timezone, definition, inputs, start_date, catchup,
    max_active_runs, is_paused, next_fire_at, created_at, updated_at
) VALUES (
    %(schedule_id)s, %(tenant_id)s, %(name)s, %(cron)s, %(timezone)s, %(definition)s, %(inputs)s, %(start_date)s,
    %(catchup)s, %(max_active_runs)s, %(is_paused)s, %(next_fire_at)s, %(now)s, %(now)s
)
ON CONFLICT (tenant_id, name) DO NOTHING
RETURNING *
