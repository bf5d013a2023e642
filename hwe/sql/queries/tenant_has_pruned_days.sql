-- Answers whether some of the tenant's audit records exist only in the archive now (a day of theirs was pruned).
-- Reads only; takes no locks. Served by event_log_archive_pruned_idx.
SELECT EXISTS (
    SELECT 1 FROM hwe.event_log_archive WHERE tenant_id = %(tenant_id)s AND pruned_at IS NOT NULL
) AS pruned
