-- Forgets one of an installation's secrets; returns nothing when it had none of that name.
DELETE FROM hwe.app_installation_secret
WHERE installation_id = %(installation_id)s AND secret_name = %(secret_name)s
RETURNING secret_name
