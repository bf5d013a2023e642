-- Claims a publisher name for a tenant if no tenant has it; returns the tenant that owns it now.
INSERT INTO hwe.app_publisher (publisher, tenant_id)
VALUES (%(publisher)s, %(tenant_id)s)
ON CONFLICT (publisher) DO UPDATE SET publisher = excluded.publisher
RETURNING tenant_id
