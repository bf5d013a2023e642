-- One version of an app; `drafts` false does not find a draft (for tenants other than the owner).
SELECT version_id, app_id, version, state, artifact_id, actions, required_secrets, configuration_schema,
       changelog, created_at, published_at, deprecated_at
FROM hwe.app_version
WHERE app_id = %(app_id)s AND version_id = %(version_id)s AND (%(drafts)s OR state <> 'draft')
