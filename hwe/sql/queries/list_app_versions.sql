-- An app's versions, newest first; `drafts` false leaves out the drafts (for tenants other than the owner).
SELECT version_id, app_id, version, state, artifact_id, actions, required_secrets, configuration_schema,
       changelog, created_at, published_at, deprecated_at
FROM hwe.app_version
WHERE app_id = %(app_id)s AND (%(drafts)s OR state <> 'draft')
ORDER BY version_key DESC
LIMIT 1000
