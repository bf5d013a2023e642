-- highway 0.2.10: a database role for the services that cannot change the audit trail, whatever a bug or an
-- attacker with the services' credentials tries.
--
-- The schema's owner (the role that migrates) runs `hwe grant ROLE` (hwe.grant_service_role) for the role the
-- services log in as. That role may read and write every engine table and create queue tables, but on hwe.event_log
-- and each of its partitions it holds only SELECT and INSERT: UPDATE, DELETE and TRUNCATE are refused by the grants
-- before the append-only triggers are even reached. Partitions created later (hwe.protect_event_log_partition runs
-- for each) get the same revocations for every role recorded in hwe.service_roles.
--
-- The one sanctioned removal, dropping a day's partition once the archive holds it, is DDL the service role may not
-- do itself: hwe.drop_event_log_partition and hwe.ensure_event_log_partitions run as the owner (SECURITY DEFINER),
-- and the drop now also refuses a partition with more rows than the archive ledger (hwe.event_log_archive) verified
-- for its day. Idempotent.

CREATE TABLE IF NOT EXISTS hwe.service_roles (
    role_name   text PRIMARY KEY,
    granted_at  timestamptz NOT NULL DEFAULT hwe.current_time()
);

CREATE OR REPLACE FUNCTION hwe.protect_event_log_partition(p_name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_role text;
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS event_log_no_truncate ON hwe.%I', p_name);
    EXECUTE format('CREATE TRIGGER event_log_no_truncate BEFORE TRUNCATE ON hwe.%I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION hwe.reject_event_log_change()', p_name);
    FOR v_role IN SELECT role_name FROM hwe.service_roles LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON hwe.%I FROM %I', p_name, v_role);
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION hwe.drop_event_log_partition(p_day date, p_expected_rows bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text := 'event_log_p' || to_char(p_day, 'YYYYMMDD');
    v_rows bigint;
    v_archived bigint;
BEGIN
    IF to_regclass(format('hwe.%I', v_name)) IS NULL THEN
        RETURN false;
    END IF;
    PERFORM set_config('lock_timeout', '10s', true);
    LOCK TABLE ONLY hwe.event_log IN ACCESS EXCLUSIVE MODE;
    EXECUTE format('SELECT count(*) FROM hwe.%I', v_name) INTO v_rows;
    SELECT coalesce(sum(record_count - kept_rows), 0) INTO v_archived FROM hwe.event_log_archive WHERE day = p_day;
    IF v_rows <> p_expected_rows OR v_rows > v_archived THEN
        RETURN false;
    END IF;
    EXECUTE format('DROP TABLE hwe.%I', v_name);
    RETURN true;
END
$$;

ALTER FUNCTION hwe.ensure_event_log_partitions(int) SECURITY DEFINER;
ALTER FUNCTION hwe.ensure_event_log_partitions(int) SET search_path = pg_catalog, pg_temp;

-- Grants the services' role what the engine needs, and on the audit trail only reading and appending.
CREATE OR REPLACE FUNCTION hwe.grant_service_role(p_role text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_table regclass;
BEGIN
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA hwe TO %I', p_role);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA hwe TO %I', p_role);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA hwe TO %I', p_role);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA hwe TO %I', p_role);
    -- Tables and functions the owner creates later (migrations, queues of tenants made from the CLI).
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA hwe GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
                   p_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA hwe GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', p_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA hwe GRANT EXECUTE ON FUNCTIONS TO %I', p_role);
    INSERT INTO hwe.service_roles (role_name) VALUES (p_role) ON CONFLICT (role_name) DO NOTHING;
    FOR v_table IN
        SELECT 'hwe.event_log'::regclass
        UNION ALL
        SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'hwe.event_log'::regclass
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM %I', v_table, p_role);
    END LOOP;
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON hwe.service_roles, hwe.schema_migrations FROM %I',
                   p_role);
END
$$;
