-- Every table of the engine schema (a partitioned table once, by its parent's name) with its size on disk, TOAST and
-- indexes included, and of that its indexes' (a partitioned table's: the sum over its partitions).
SELECT c.relname AS table_name,
       CASE WHEN c.relkind = 'p'
            THEN (SELECT sum(pg_total_relation_size(p.relid)) FROM pg_partition_tree(c.oid) p)
            ELSE pg_total_relation_size(c.oid) END::bigint AS total_bytes,
       CASE WHEN c.relkind = 'p'
            THEN (SELECT sum(pg_indexes_size(p.relid)) FROM pg_partition_tree(c.oid) p WHERE p.isleaf)
            ELSE pg_indexes_size(c.oid) END::bigint AS index_bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'hwe' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname
