-- Adds a draft version to an app; returns nothing when the app already has that version.
INSERT INTO hwe.app_version
    (version_id, app_id, version, artifact_id, actions, required_secrets, configuration_schema, changelog)
VALUES
    (%(version_id)s, %(app_id)s, %(version)s, %(artifact_id)s, %(actions)s, %(required_secrets)s,
     %(configuration_schema)s, %(changelog)s)
ON CONFLICT (app_id, version) DO NOTHING
RETURNING version_id
