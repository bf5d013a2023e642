-- Lists the UTC days before `before_day` that an archive pass has work on, oldest first: each day that still has
-- a partition (to archive and drop), and each day whose rows in the DEFAULT partition are not all archived yet
-- (a tenant's count there differs from the `kept_rows` last verified). Reads only; takes no row locks.
SELECT to_date(substr(c.relname, 12), 'YYYYMMDD') AS day
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'hwe.event_log'::regclass
  AND c.relname ~ '^event_log_p[0-9]{8}$'
  AND to_date(substr(c.relname, 12), 'YYYYMMDD') < %(before_day)s::date
UNION
SELECT d.day
FROM (
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, tenant_id, count(*) AS in_default
    FROM hwe.event_log_default
    WHERE created_at < (%(before_day)s::date::timestamp AT TIME ZONE 'UTC')
    GROUP BY 1, 2
) d
LEFT JOIN hwe.event_log_archive a ON a.day = d.day AND a.tenant_id = d.tenant_id
WHERE a.kept_rows IS DISTINCT FROM d.in_default
ORDER BY day
