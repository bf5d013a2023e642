-- Moves a version from one state to the next (draft → published → deprecated), stamping when; returns it if moved.
UPDATE hwe.app_version SET
    state = %(to_state)s,
    published_at = CASE WHEN %(to_state)s = 'published' THEN hwe.current_time() ELSE published_at END,
    deprecated_at = CASE WHEN %(to_state)s = 'deprecated' THEN hwe.current_time() ELSE deprecated_at END
WHERE app_id = %(app_id)s AND version_id = %(version_id)s AND state = %(from_state)s
RETURNING version_id
