-- WAL written and WAL fsyncs of the whole server so far (PostgreSQL 18 counts WAL I/O in pg_stat_io; earlier
-- versions give NULL fsyncs). Only the engine under test is busy during its window, so the deltas are its own.
SELECT (SELECT wal_bytes FROM pg_stat_wal)::bigint AS wal_bytes,
       (SELECT sum(fsyncs) FROM pg_stat_io WHERE object = 'wal')::bigint AS wal_fsyncs
