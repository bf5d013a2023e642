-- One page of an installation's log, newest first; action and the time bounds may be NULL.
SELECT log_id, installation_id, action, actor, details, created_at
FROM hwe.app_installation_log
WHERE installation_id = %(installation_id)s
  AND (%(action)s::text IS NULL OR action = %(action)s)
  AND (%(start_time)s::timestamptz IS NULL OR created_at >= %(start_time)s)
  AND (%(end_time)s::timestamptz IS NULL OR created_at <= %(end_time)s)
ORDER BY log_id DESC
LIMIT %(limit)s OFFSET %(offset)s
