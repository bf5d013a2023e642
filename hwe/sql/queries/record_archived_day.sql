-- Records what the archive holds of one UTC day, one row per tenant (given as parallel arrays): the count and
-- checksum verified at a DataShard snapshot and how many of them stayed in PostgreSQL. A day archived again
-- (new rows in the DEFAULT partition) overwrites its counts and keeps its pruned_at. Locks those rows.
INSERT INTO hwe.event_log_archive AS a (day, tenant_id, record_count, checksum, kept_rows, snapshot_id, archived_at)
SELECT %(day)s::date, t.tenant_id, t.record_count, t.checksum, t.kept_rows, %(snapshot_id)s, hwe.current_time()
FROM unnest(%(tenant_ids)s::text[], %(record_counts)s::bigint[], %(checksums)s::text[], %(kept_rows)s::bigint[])
     AS t (tenant_id, record_count, checksum, kept_rows)
ON CONFLICT (day, tenant_id) DO UPDATE
SET record_count = excluded.record_count,
    checksum = excluded.checksum,
    kept_rows = excluded.kept_rows,
    snapshot_id = excluded.snapshot_id,
    archived_at = excluded.archived_at
