-- highway 0.2.00: hwe.event_log partitioned by UTC day, so the archive can drop whole archived days.
--
-- The audit trail stays append-only: no row is ever updated or deleted alone. The one sanctioned removal is
-- dropping a whole day's partition, `hwe.event_log_pYYYYMMDD`, which `hwe.archive` does only after every row in it
-- was appended to the DataShard archive, read back identical and recorded in `hwe.event_log_archive`. Rows whose
-- day has no partition land in `hwe.event_log_default`; they are archived too but never dropped.
--
-- Converting an existing table (detected through pg_partitioned_table; an already partitioned table is left as it
-- is) renames it, builds the partitioned table LIKE it (so every column, default, NOT NULL and CHECK is copied as
-- found, whatever later migrations changed), creates one partition per UTC day that has rows, copies the rows with
-- their event ids, drops the old table, and recreates its triggers (append-only, webhook announce, and any other)
-- and grants on the new one. The identity column becomes a sequence default continuing after the last id handed
-- out (identity columns on partitioned tables need PostgreSQL 17), and the primary key becomes (event_id,
-- created_at), as a partitioned table's keys must hold the partition key; event ids stay unique by the sequence.
-- The indexes of 0.1.00 and 0.1.80 are built on the parent. The conversion holds an ACCESS EXCLUSIVE lock on
-- event_log while it copies: on a large log, apply it in a quiet moment. Runs on PostgreSQL 14 and later.
-- Idempotent: applied again it changes nothing but pre-creating the coming days' partitions.

-- The DEFAULT partition and every day partition refuse TRUNCATE, as the parent does: a partition can be
-- truncated by its own name, which the parent's statement trigger would not see.
CREATE OR REPLACE FUNCTION hwe.protect_event_log_partition(p_name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS event_log_no_truncate ON hwe.%I', p_name);
    EXECUTE format('CREATE TRIGGER event_log_no_truncate BEFORE TRUNCATE ON hwe.%I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION hwe.reject_event_log_change()', p_name);
END
$$;

-- Creates the partition of one UTC day; returns false without creating it when it exists already, or when rows
-- of that day already sit in the DEFAULT partition (they would have to move, under a long lock: they stay there).
-- A concurrent creator or a row inserted meanwhile into the DEFAULT partition also answers false.
CREATE OR REPLACE FUNCTION hwe.create_event_log_partition(p_day date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_name text := 'event_log_p' || to_char(p_day, 'YYYYMMDD');
    v_from timestamptz := p_day::timestamp AT TIME ZONE 'UTC';
    v_to timestamptz := (p_day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
    IF p_day IS NULL OR to_regclass(format('hwe.%I', v_name)) IS NOT NULL THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT 1 FROM hwe.event_log_default WHERE created_at >= v_from AND created_at < v_to) THEN
        RETURN false;
    END IF;
    BEGIN
        EXECUTE format('CREATE TABLE hwe.%I PARTITION OF hwe.event_log FOR VALUES FROM (%L) TO (%L)',
                       v_name, v_from, v_to);
    EXCEPTION WHEN duplicate_table OR invalid_object_definition OR check_violation THEN
        RETURN false;
    END;
    PERFORM hwe.protect_event_log_partition(v_name);
    RETURN true;
END
$$;

-- Pre-creates the partitions of today (UTC, by the engine clock) and the next p_days_ahead days; returns how many
-- it created. Called by this migration and by the audit service on each archive tick.
CREATE OR REPLACE FUNCTION hwe.ensure_event_log_partitions(p_days_ahead int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v_today date := (hwe.current_time() AT TIME ZONE 'UTC')::date;
    v_created int := 0;
BEGIN
    FOR v_offset IN 0 .. greatest(p_days_ahead, 0) LOOP
        IF hwe.create_event_log_partition(v_today + v_offset) THEN
            v_created := v_created + 1;
        END IF;
    END LOOP;
    RETURN v_created;
END
$$;

-- Drops the partition of one archived day, only if it still holds exactly the p_expected_rows rows the archive
-- verified (rows are never deleted, so the same count is the same rows); returns whether it dropped one.
-- Locks the parent first (ACCESS EXCLUSIVE, waiting at most 10 s), in the order inserts take their locks
-- (parent, then partition), so it cannot deadlock with one.
CREATE OR REPLACE FUNCTION hwe.drop_event_log_partition(p_day date, p_expected_rows bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_name text := 'event_log_p' || to_char(p_day, 'YYYYMMDD');
    v_rows bigint;
BEGIN
    IF to_regclass(format('hwe.%I', v_name)) IS NULL THEN
        RETURN false;
    END IF;
    PERFORM set_config('lock_timeout', '10s', true);
    LOCK TABLE ONLY hwe.event_log IN ACCESS EXCLUSIVE MODE;
    EXECUTE format('SELECT count(*) FROM hwe.%I', v_name) INTO v_rows;
    IF v_rows <> p_expected_rows THEN
        RETURN false;
    END IF;
    EXECUTE format('DROP TABLE hwe.%I', v_name);
    RETURN true;
END
$$;

DO $$
DECLARE
    v_last bigint := 0;
    v_sequence text;
    v_triggers text[];
    v_trigger text;
    v_grant record;
    v_day date;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'hwe.event_log'::regclass) THEN
        RETURN;
    END IF;
    LOCK TABLE hwe.event_log IN ACCESS EXCLUSIVE MODE;

    -- The next id continues after the last one handed out, even by a transaction that rolled back.
    v_sequence := pg_get_serial_sequence('hwe.event_log', 'event_id');
    IF v_sequence IS NOT NULL THEN
        EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s',
                       v_sequence::regclass) INTO v_last;
    END IF;
    v_last := greatest(coalesce(v_last, 0), coalesce((SELECT max(event_id) FROM hwe.event_log), 0));

    -- Every trigger of the table as it is now, spelled with its current name `hwe.event_log`.
    SELECT coalesce(array_agg(pg_get_triggerdef(t.oid) ORDER BY t.tgname), '{}') INTO v_triggers
    FROM pg_trigger t WHERE t.tgrelid = 'hwe.event_log'::regclass AND NOT t.tgisinternal;

    ALTER TABLE hwe.event_log RENAME TO event_log_unpartitioned;
    CREATE TABLE hwe.event_log (LIKE hwe.event_log_unpartitioned INCLUDING ALL EXCLUDING INDEXES EXCLUDING IDENTITY)
        PARTITION BY RANGE (created_at);
    CREATE TABLE hwe.event_log_default PARTITION OF hwe.event_log DEFAULT;
    PERFORM hwe.protect_event_log_partition('event_log_default');
    FOR v_day IN
        SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date FROM hwe.event_log_unpartitioned
        WHERE created_at IS NOT NULL
    LOOP
        PERFORM hwe.create_event_log_partition(v_day);
    END LOOP;
    INSERT INTO hwe.event_log SELECT * FROM hwe.event_log_unpartitioned;

    FOR v_grant IN
        SELECT a.privilege_type, a.grantee FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = 'hwe.event_log_unpartitioned'::regclass AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('GRANT %s ON hwe.event_log TO %s', v_grant.privilege_type,
                       CASE WHEN v_grant.grantee = 0 THEN 'PUBLIC' ELSE v_grant.grantee::regrole::text END);
    END LOOP;
    -- Drops the old table's identity sequence, indexes and triggers with it.
    DROP TABLE hwe.event_log_unpartitioned;

    CREATE SEQUENCE hwe.event_log_event_id_seq AS bigint OWNED BY hwe.event_log.event_id;
    PERFORM setval('hwe.event_log_event_id_seq', greatest(v_last, 1), v_last > 0);
    ALTER TABLE hwe.event_log ALTER COLUMN event_id SET DEFAULT nextval('hwe.event_log_event_id_seq');
    ALTER TABLE hwe.event_log ADD CONSTRAINT event_log_pkey PRIMARY KEY (event_id, created_at);

    -- Row triggers on a partitioned table (PostgreSQL 13 and later) apply to every partition, present and future.
    FOREACH v_trigger IN ARRAY v_triggers LOOP
        EXECUTE v_trigger;
    END LOOP;
END
$$;

-- The indexes of 0.1.00 and 0.1.80, on the parent (so on every partition).
CREATE INDEX IF NOT EXISTS event_log_run_idx ON hwe.event_log (workflow_run_id, event_id);
CREATE INDEX IF NOT EXISTS event_log_tenant_time_idx ON hwe.event_log (tenant_id, created_at, event_id);

DROP TRIGGER IF EXISTS event_log_no_truncate ON hwe.event_log;
CREATE TRIGGER event_log_no_truncate BEFORE TRUNCATE ON hwe.event_log
    FOR EACH STATEMENT EXECUTE FUNCTION hwe.reject_event_log_change();

-- What the archive holds of each UTC day and tenant, verified: `record_count` records with the checksum
-- `checksum` (hwe.archive_store) as read back at DataShard snapshot `snapshot_id`, of which `kept_rows` stayed in
-- PostgreSQL (the DEFAULT partition). `pruned_at` is when the day's partition was dropped: from then on the
-- tenant's records of that day that were in it exist only in the archive.
CREATE TABLE IF NOT EXISTS hwe.event_log_archive (
    day           date NOT NULL,
    tenant_id     text NOT NULL,
    record_count  bigint NOT NULL,
    checksum      text NOT NULL,
    kept_rows     bigint NOT NULL DEFAULT 0,
    snapshot_id   bigint NOT NULL,
    archived_at   timestamptz NOT NULL DEFAULT hwe.current_time(),
    pruned_at     timestamptz,
    PRIMARY KEY (day, tenant_id)
);
-- The API asks, for each run-filtered page, whether the tenant has pruned days at all.
CREATE INDEX IF NOT EXISTS event_log_archive_pruned_idx ON hwe.event_log_archive (tenant_id, day)
    WHERE pruned_at IS NOT NULL;

SELECT hwe.ensure_event_log_partitions(7);
