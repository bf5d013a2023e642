-- The client backends connected to one database, and whether each one's last statement was a LISTEN (a ready
-- Highway worker's listener; the engine's statements start with a comment, so the LISTEN is on a later line).
SELECT pid, query ~ '(^|\n)\s*LISTEN\s' AS listening
FROM pg_stat_activity
WHERE datname = %(database)s AND backend_type = 'client backend'
