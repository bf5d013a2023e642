-- The prefixes of a person's live tokens, so the API can forget them at once when the person's rights change.
SELECT prefix FROM hwe.api_key
WHERE tenant_id = %(tenant_id)s AND user_email = %(email)s AND revoked_at IS NULL
