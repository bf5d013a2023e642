-- When a live API key (found by its public prefix) expires; NULL when it never does.
SELECT expires_at FROM hwe.api_key WHERE prefix = %(prefix)s
