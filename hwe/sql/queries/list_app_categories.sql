-- The categories of the live apps a tenant can see (its own and the public ones), with how many each has.
SELECT category, count(*) AS app_count
FROM hwe.marketplace_app
WHERE deleted_at IS NULL AND (tenant_id = %(tenant_id)s OR visibility = 'public')
GROUP BY category
ORDER BY category
LIMIT 1000
