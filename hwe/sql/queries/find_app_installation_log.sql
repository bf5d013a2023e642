-- One entry of an installation's log.
SELECT log_id, installation_id, action, actor, details, created_at
FROM hwe.app_installation_log
WHERE installation_id = %(installation_id)s AND log_id = %(log_id)s
