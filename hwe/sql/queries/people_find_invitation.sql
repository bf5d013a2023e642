-- One of a tenant's invitations by id, with its status; another tenant's id matches no row.
SELECT * FROM hwe.invitation_view
WHERE tenant_id = %(tenant_id)s AND invitation_id = %(invitation_id)s
