-- Rewrites a key's legacy argon2id hash in the HMAC form once the key was verified with it; only while the row
-- still holds the hash that was verified, so two first requests at once write it once.
UPDATE hwe.api_key SET key_hash = %(key_hash)s
WHERE prefix = %(prefix)s AND key_hash = %(old_hash)s
