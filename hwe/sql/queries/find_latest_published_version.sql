-- The id of an app's newest published version, if it has one.
SELECT version_id FROM hwe.app_version
WHERE app_id = %(app_id)s AND state = 'published'
ORDER BY version_key DESC
LIMIT 1
