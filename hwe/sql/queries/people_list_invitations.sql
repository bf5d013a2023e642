-- A page of a tenant's invitations, newest first, optionally of one status or one email, with the count of all.
SELECT *, count(*) OVER () AS total
FROM hwe.invitation_view
WHERE tenant_id = %(tenant_id)s
  AND (%(status)s::text IS NULL OR status = %(status)s::text)
  AND (%(email)s::text IS NULL OR email = %(email)s::text)
ORDER BY created_at DESC, invitation_id
LIMIT %(limit)s OFFSET %(offset)s
