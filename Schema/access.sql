-- Who may call what, in one place: how a desk action is offered to staff,
-- and the rights every object of the newsroom shares. The migrator calls
-- newsroom.secure_objects() after applying every file in Schema/.
--
-- Errors raised by the desk functions carry SQLSTATEs of class ND, which
-- newsdesk maps to its exit codes: NDNF0 not found, NDST0 wrong state, NDCF0
-- version conflict, NDIN0 bad input, NDRF0 refused. Their messages are
-- written for people.

-- A desk action that can refuse. Staff call desk.NAME, which runs as the
-- owner and carries out newsroom.NAME (the action itself) inside a
-- subtransaction: on a refusal the subtransaction is rolled back, so the row
-- locks the action took to decide (an edition, a live update) are released
-- at once, and the refusal is recorded outside it. Each area file offers its
-- actions right after defining them.
--
-- A change (keyed) takes one more argument, idempotency_key: with a key, the
-- first call claims it under a fingerprint of every argument, carries the
-- action out and remembers its result, all in the call's own transaction; a
-- repeat with the same arguments changes nothing and returns the remembered
-- first result (waiting for a first call still running), and a repeat with
-- other arguments is refused. A refusal or an error releases the key with
-- everything else the call did. Reads of the log (audit_events) take no key.
CREATE OR REPLACE PROCEDURE newsroom.offer_at_desk(action text, keyed boolean DEFAULT true)
LANGUAGE plpgsql AS $do$
DECLARE
    f record;
    arguments text;
BEGIN
    SELECT p.oid, pg_get_function_arguments(p.oid) AS arguments, p.pronargs INTO STRICT f
    FROM pg_proc p
    WHERE p.pronamespace = 'newsroom'::regnamespace AND p.proname = action AND p.prorettype = 'jsonb'::regtype;
    arguments := (SELECT string_agg('$' || n, ', ') FROM generate_series(1, f.pronargs) n);
    -- The same name in both schemas: bodies qualify their parameters with it (staff_add.login).
    EXECUTE format($w$
            CREATE OR REPLACE FUNCTION desk.%1$I(%2$s) RETURNS jsonb LANGUAGE plpgsql AS $body$
            DECLARE
                result jsonb;
            BEGIN
                BEGIN
                    %4$s
                    IF result IS NULL THEN
                        result := newsroom.%1$I(%3$s);
                        IF result ? 'refused' THEN
                            RAISE EXCEPTION USING ERRCODE = 'NDRF0', DETAIL = result::text;
                        END IF;
                        %5$s
                    END IF;
                EXCEPTION WHEN SQLSTATE 'NDRF0' THEN
                    GET STACKED DIAGNOSTICS result = PG_EXCEPTION_DETAIL;
                    PERFORM newsroom.record_refusal(result);
                END;
                RETURN result;
            END
            $body$ $w$, action,
            concat_ws(', ', nullif(f.arguments, ''), CASE WHEN keyed THEN 'idempotency_key text DEFAULT NULL' END),
            arguments,
            CASE WHEN keyed THEN format(
                'IF idempotency_key IS NOT NULL THEN result := newsroom.claim_idempotency(idempotency_key, %L, jsonb_build_array(%s)); END IF;',
                'desk.' || action, arguments) ELSE '' END,
            CASE WHEN keyed THEN
                'IF idempotency_key IS NOT NULL THEN PERFORM newsroom.remember_idempotency(idempotency_key, result); END IF;'
            ELSE '' END);
END
$do$;

-- Every object of the newsroom belongs to the owner. Every desk function: the owner's rights, a search path that finds the
-- catalog first and never a caller's temporary function or operator, and a
-- bounded wait for locks whatever the session set.
CREATE OR REPLACE PROCEDURE newsroom.secure_objects()
LANGUAGE plpgsql AS $$
DECLARE
    item record;
BEGIN
    ALTER SCHEMA newsroom OWNER TO newsdesk_owner;
    ALTER SCHEMA desk OWNER TO newsdesk_owner;
    ALTER SCHEMA site OWNER TO newsdesk_owner;
    FOR item IN
        SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'newsroom' AND c.relkind IN ('r', 'v', 'm', 'p')
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO newsdesk_owner', item.name);
    END LOOP;
    FOR item IN
        SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        LEFT JOIN pg_class c ON c.oid = t.typrelid
        WHERE n.nspname IN ('newsroom', 'desk')
          AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND c.relkind = 'c'))
    LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO newsdesk_owner', item.name);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name, p.prokind, n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('newsroom', 'desk', 'site')
          -- Functions of extensions (levenshtein) stay with their extension.
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO newsdesk_owner',
                       CASE WHEN item.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, item.name);
        IF item.nspname IN ('desk', 'site') THEN
            EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = ''5s''',
                           item.name);
        END IF;
    END LOOP;
    -- The history and log triggers fire under any session_replication_role.
    FOR item IN
        SELECT t.tgrelid::regclass AS name, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = 'newsroom'::regnamespace AND NOT t.tgisinternal AND t.tgenabled <> 'A'
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', item.name, item.tgname);
    END LOOP;
    REVOKE ALL ON SCHEMA newsroom FROM PUBLIC;
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA newsroom FROM PUBLIC;
    -- (A desk action's body moved here from schema desk in an earlier release kept staff's EXECUTE.)
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA newsroom FROM newsdesk_staff;
    REVOKE ALL ON ALL PROCEDURES IN SCHEMA newsroom FROM PUBLIC;
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA desk FROM PUBLIC;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA newsroom TO newsdesk_owner;
    GRANT USAGE ON SCHEMA desk TO newsdesk_staff;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA desk TO newsdesk_staff;
    -- What readers see (Schema/site.sql): for the site's login, and for staff.
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA site FROM PUBLIC;
    GRANT USAGE ON SCHEMA site TO newsdesk_reader, newsdesk_staff;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA site TO newsdesk_reader, newsdesk_staff;
END
$$;
