-- Per engine table (its partitions, TOAST and indexes included), the blocks found in shared buffers (hit) and those
-- read in from the kernel (read) so far. Cumulative statistics: a backend reports them at the latest when it exits.
SELECT c.relname AS table_name,
       sum(coalesce(s.heap_blks_hit, 0) + coalesce(s.idx_blks_hit, 0) + coalesce(s.toast_blks_hit, 0)
           + coalesce(s.tidx_blks_hit, 0))::bigint AS hit,
       sum(coalesce(s.heap_blks_read, 0) + coalesce(s.idx_blks_read, 0) + coalesce(s.toast_blks_read, 0)
           + coalesce(s.tidx_blks_read, 0))::bigint AS read
FROM pg_statio_user_tables s
JOIN pg_class c ON c.oid = coalesce(pg_partition_root(s.relid), s.relid)
WHERE s.schemaname = 'hwe'
GROUP BY c.relname
ORDER BY c.relname
