-- Locks the invitation a one-time token belongs to, for its acceptance, with its status.
SELECT i.invitation_id, i.tenant_id, i.email, i.roles, v.status
FROM hwe.invitation i
JOIN hwe.invitation_view v USING (invitation_id)
WHERE i.token_hash = %(token_hash)s
FOR UPDATE OF i
