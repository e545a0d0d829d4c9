-- Staff logins and their sessions. Logins are made, switched off and their
-- sessions ended by newsdesk_gatekeeper, through these narrow functions in
-- schema logins that only the owner may call; the owner itself has no power
-- over roles.

-- What every staff login is held to, whatever its session sets: an open
-- transaction cannot sit on locks for ever, nor a statement run for ever.
CREATE OR REPLACE FUNCTION logins.session_limits() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['lock_timeout=5s', 'statement_timeout=2min', 'idle_in_transaction_session_timeout=30s']
$$;

-- Why `login` cannot be a staff login, or NULL when it can: a name of the
-- newsroom's pattern and, when the role exists already (another newsroom
-- database of the cluster made it), one with no powers of its own: no
-- attribute, no membership but newsdesk_staff, owning and granted nothing.
CREATE OR REPLACE FUNCTION logins.refusal(login text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    existing pg_catalog.pg_roles;
BEGIN
    IF login IS NULL OR login !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RETURN format('"%s" must be lower-case Latin letters, digits and _ (up to 63), starting with a letter.', login);
    END IF;
    IF starts_with(login, 'pg_') OR starts_with(login, 'newsdesk_') OR login IN ('postgres', 'public') THEN
        RETURN format('%s is a name kept for the database''s own roles.', login);
    END IF;
    SELECT * INTO existing FROM pg_catalog.pg_roles r WHERE r.rolname = login;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- A staff login of the cluster already (its temporary tables make it
    -- own things for a while) is not asked what it owns. A role with
    -- members (a group) would pass its staff membership on to them, and a
    -- role that cannot log in was kept from it for a reason.
    IF existing.rolsuper OR existing.rolcreaterole OR existing.rolcreatedb OR existing.rolbypassrls OR existing.rolreplication
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                  WHERE m.member = existing.oid AND m.roleid <> 'newsdesk_staff'::pg_catalog.regrole)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m WHERE m.roleid = existing.oid)
       OR NOT existing.rolcanlogin AND NOT pg_catalog.pg_has_role(existing.oid, 'newsdesk_staff', 'MEMBER')
       OR NOT pg_catalog.pg_has_role(existing.oid, 'newsdesk_staff', 'MEMBER') AND EXISTS (SELECT 1 FROM pg_catalog.pg_shdepend d
                  WHERE d.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass AND d.refobjid = existing.oid
                    AND d.deptype IN ('o', 'a', 'r')) THEN
        RETURN format('%s is a database role with powers of its own; staff log in with roles made for them.', login);
    END IF;
    RETURN NULL;
END
$$;

-- Runs `change` unless `done` (a query returning a boolean) already holds;
-- when a concurrent session made the same change first, accepts it.
CREATE OR REPLACE FUNCTION logins.change_once(done text, change text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    finished boolean;
BEGIN
    EXECUTE done INTO finished;
    IF finished THEN
        RETURN;
    END IF;
    BEGIN
        EXECUTE change;
    EXCEPTION WHEN OTHERS THEN
        EXECUTE done INTO finished;
        IF NOT finished THEN
            RAISE;
        END IF;
    END;
END
$$;

-- Lets `login` work in this newsroom: LOGIN, CONNECT on this database,
-- membership of newsdesk_staff (which may call the desk functions and
-- nothing else) and the session limits. Creates the role when it does not
-- exist.
CREATE OR REPLACE FUNCTION logins.admit(login text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    problem text := logins.refusal(login);
    setting text;
BEGIN
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = 'login: ' || problem;
    END IF;
    BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION', login);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
    END;
    PERFORM logins.change_once(format('SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = %L', login),
                               format('ALTER ROLE %I LOGIN', login));
    PERFORM logins.change_once(format('SELECT pg_catalog.pg_has_role(%L, ''newsdesk_staff'', ''MEMBER'')', login),
                               format('GRANT newsdesk_staff TO %I', login));
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', pg_catalog.current_database(), login);
    FOREACH setting IN ARRAY logins.session_limits() LOOP
        PERFORM logins.change_once(
            format('SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting s
                                   WHERE s.setrole = %L::pg_catalog.regrole AND s.setdatabase = 0 AND %L = ANY (s.setconfig))',
                   login, setting),
            format('ALTER ROLE %I SET %s TO %L', login, split_part(setting, '=', 1), split_part(setting, '=', 2)));
    END LOOP;
END
$$;

-- Shuts `login` out of this newsroom: no CONNECT on this database any more,
-- and its open sessions here end. (A login is shared by every database of
-- the cluster; another newsroom there decides for itself.) Returns how many
-- sessions were ended.
CREATE OR REPLACE FUNCTION logins.shut_out(login text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    problem text := logins.refusal(login);
    ended integer;
BEGIN
    IF problem IS NOT NULL OR NOT pg_catalog.pg_has_role(login, 'newsdesk_staff', 'MEMBER') THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('login: %s', coalesce(problem, login || ' is not a staff login.'));
    END IF;
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', pg_catalog.current_database(), login);
    SELECT count(*) FILTER (WHERE pg_catalog.pg_terminate_backend(a.pid)) INTO ended
    FROM pg_catalog.pg_stat_activity a
    WHERE a.usename = login AND a.datname = pg_catalog.current_database() AND a.pid <> pg_catalog.pg_backend_pid();
    RETURN ended;
END
$$;

-- Ends the sessions of staff logins (never an operator or superuser) that
-- sit on locks of `contended` in a transaction begun five seconds ago or
-- more, idle or busy. Desk work takes milliseconds, and the writer calling
-- this has itself waited five seconds: a session kept busy in its
-- transaction (pg_sleep, a slow query) blocks as surely as an idle one,
-- and only a long import or subject rename that someone waits for is ended
-- with it (it is one transaction, and can be run again). Desk functions
-- call this when a row lock they need is not released in time, so one
-- person's open transaction cannot stop everyone's work. Holders are found
-- by their lock on the table, which every row locker takes, not by the
-- row's xmax: a row locked and updated in different subtransactions
-- carries a MultiXact id there, not a transaction's. Returns the logins
-- whose sessions were ended.
CREATE OR REPLACE FUNCTION logins.end_stuck_holders(contended regclass) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    stuck record;
    ended text[] := '{}'::text[];
BEGIN
    FOR stuck IN
        SELECT DISTINCT a.pid, a.usename::text AS login
        FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
        JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid
        WHERE l.locktype = 'relation' AND l.relation = contended AND l.granted
          AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
          AND l.mode IN ('RowShareLock', 'RowExclusiveLock')
          AND a.pid <> pg_catalog.pg_backend_pid()
          AND NOT r.rolsuper AND pg_catalog.pg_has_role(r.oid, 'newsdesk_staff', 'MEMBER')
          AND NOT pg_catalog.pg_has_role(r.oid, 'newsdesk_owner', 'MEMBER')
          AND a.xact_start < pg_catalog.clock_timestamp() - interval '5 seconds'
    LOOP
        IF pg_catalog.pg_terminate_backend(stuck.pid) THEN
            ended := ended || stuck.login;
        END IF;
    END LOOP;
    RETURN ended;
END
$$;

-- Locks: bounded waits, and no one sits on them --------------------------------------------

-- Called when a row of `contended` that a desk function needs was not
-- released within its lock_timeout: ends the sessions of staff logins
-- sitting on locks of that table (logins.end_stuck_holders) and returns, so
-- the caller waits again; otherwise refuses as busy (55P03, which newsdesk
-- reports as "try again").
CREATE OR REPLACE FUNCTION newsroom.outwait(contended regclass, what text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    ended text[] := logins.end_stuck_holders(contended);
    login text;
BEGIN
    IF cardinality(ended) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = '55P03',
            MESSAGE = format('%s is being changed by another session, which has not finished.', what),
            HINT = 'Try again in a moment.';
    END IF;
    -- Whose session was ended, and why, is part of the record.
    FOREACH login IN ARRAY ended LOOP
        PERFORM newsroom.audit('session.ended', NULL, NULL, NULL,
            jsonb_build_object('login', login, 'reason', format('held %s and did not finish', lower(what))));
    END LOOP;
END
$$;

-- The gatekeeper owns these and runs them with its rights; only the owner may call them.
DO $$
DECLARE
    item regprocedure;
BEGIN
    FOR item IN SELECT p.oid FROM pg_proc p WHERE p.pronamespace = 'logins'::regnamespace LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO newsdesk_gatekeeper', item);
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp', item);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', item);
    END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION logins.admit(text), logins.shut_out(text), logins.end_stuck_holders(regclass), logins.refusal(text)
    TO newsdesk_owner;
