-- The server settings that decide what a commit costs, reported with every run.
SELECT name, setting
FROM pg_settings
WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes',
               'commit_delay', 'shared_buffers', 'max_connections')
ORDER BY name
