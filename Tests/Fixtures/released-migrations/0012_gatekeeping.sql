-- The database as the only gatekeeper (SPEC §3, §4, §7).
--
-- 1. Nothing that runs with the owner's rights reads, calls or resolves an
--    object a caller can create: import takes its rows as an argument
--    instead of reading the caller's temporary table.
-- 2. The owner of the newsroom's tables and functions has no power over
--    roles. Staff logins are made, switched off and their sessions ended by
--    a separate role, newsdesk_gatekeeper, through four narrow functions in
--    schema `logins` that only the owner may call.
-- 3. Plain SQL cannot slip past the audit log: a write made as the owner by
--    anyone but a staff login inside a desk function is recorded, the audit
--    triggers fire even under session_replication_role = replica, TRUNCATE
--    and DDL on the newsroom's schemas are recorded.
-- 4. One open transaction cannot freeze the newsroom: staff logins have
--    bounded timeouts, desk functions wait at most five seconds for a lock,
--    and a staff session that sits on a lock others need is ended.
-- 5. The text rules hold for every path, psql and the superuser included:
--    CHECK constraints on every column people type into.
-- 6. Smaller rules: reporters do not edit translations, a withdrawn update is
--    not translated, translators manage their own translated updates, a
--    deactivated login's sessions end, photos are web addresses.

-- Roles ---------------------------------------------------------------------------

-- Roles belong to the whole cluster, and another newsroom database may be
-- migrating at this moment: each change is made only when it is missing, and
-- a concurrent one is accepted once it shows.
DO $$
DECLARE
    step record;
    done boolean;
BEGIN
    BEGIN
        -- Creates, enables and disables staff logins; nothing else.
        CREATE ROLE newsdesk_gatekeeper NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
    END;
    FOR step IN SELECT * FROM (VALUES
        ($q$SELECT rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = 'newsdesk_gatekeeper'$q$,
         'ALTER ROLE newsdesk_gatekeeper CREATEROLE'),
        ($q$SELECT NOT rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = 'newsdesk_owner'$q$,
         'ALTER ROLE newsdesk_owner NOCREATEROLE'),
        -- To end the sessions of a deactivated or stuck login, and to see how long they have been idle.
        ($q$SELECT pg_catalog.pg_has_role('newsdesk_gatekeeper', 'pg_signal_backend', 'MEMBER')$q$,
         'GRANT pg_signal_backend TO newsdesk_gatekeeper'),
        ($q$SELECT pg_catalog.pg_has_role('newsdesk_gatekeeper', 'pg_read_all_stats', 'MEMBER')$q$,
         'GRANT pg_read_all_stats TO newsdesk_gatekeeper')
    ) AS s (done, change) LOOP
        EXECUTE step.done INTO done;
        CONTINUE WHEN done;
        BEGIN
            EXECUTE step.change;
        EXCEPTION WHEN OTHERS THEN
            EXECUTE step.done INTO done;
            IF NOT done THEN
                RAISE;
            END IF;
        END;
    END LOOP;
END
$$;

-- Staff logins ------------------------------------------------------------------------

CREATE SCHEMA logins AUTHORIZATION newsdesk_gatekeeper;
COMMENT ON SCHEMA logins IS 'Staff logins: made, switched on and off, their sessions ended. Only the owner calls these.';
REVOKE ALL ON SCHEMA logins FROM PUBLIC;
GRANT USAGE ON SCHEMA logins TO newsdesk_owner;

-- What every staff login is held to, whatever its session sets: an open
-- transaction cannot sit on locks for ever, nor a statement run for ever.
CREATE FUNCTION logins.session_limits() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['lock_timeout=5s', 'statement_timeout=2min', 'idle_in_transaction_session_timeout=30s']
$$;

-- Why `login` cannot be a staff login, or NULL when it can: a name of the
-- newsroom's pattern and, when the role exists already (another newsroom
-- database of the cluster made it), one with no powers of its own: no
-- attribute, no membership but newsdesk_staff, owning and granted nothing.
CREATE FUNCTION logins.refusal(login text) RETURNS text
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
CREATE FUNCTION logins.change_once(done text, change text) RETURNS void
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
CREATE FUNCTION logins.admit(login text) RETURNS void
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
CREATE FUNCTION logins.shut_out(login text) RETURNS integer
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
-- sit on locks of `contended`: idle inside a transaction for five seconds,
-- or in one transaction for thirty (desk work takes milliseconds; only an
-- import of hundreds of thousands of editions runs that long, and only a
-- writer waiting for it ends it). Desk functions call this when a row lock
-- they need is not released in time, so one person's open transaction cannot
-- stop everyone's work. Holders are found by their lock on the table, which
-- every row locker takes, not by the row's xmax: a row locked and updated in
-- different subtransactions carries a MultiXact id there, not a
-- transaction's. Returns the logins whose sessions were ended.
CREATE FUNCTION logins.end_stuck_holders(contended regclass) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    stuck record;
    ended text[] := '{}';
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
          AND ((a.state LIKE 'idle in transaction%' AND a.state_change < pg_catalog.clock_timestamp() - interval '5 seconds')
               OR a.xact_start < pg_catalog.clock_timestamp() - interval '30 seconds')
    LOOP
        IF pg_catalog.pg_terminate_backend(stuck.pid) THEN
            ended := ended || stuck.login;
        END IF;
    END LOOP;
    RETURN ended;
END
$$;

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

-- Who may connect to the newsroom's database is the newsroom's decision:
-- staff logins get CONNECT from staff add and lose it on deactivation
-- (superusers and the database's owner connect as before).
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO newsdesk_gatekeeper WITH GRANT OPTION', current_database());
END
$$;

-- Staff logins made before this migration get CONNECT and the session limits.
DO $$
DECLARE
    person text;
BEGIN
    FOR person IN SELECT s.login FROM newsroom.staff s
                  WHERE s.active AND EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = s.login)
                    AND logins.refusal(s.login) IS NULL LOOP
        PERFORM logins.admit(person);
    END LOOP;
END
$$;

-- Staff actions, through the gatekeeper -------------------------------------------------

CREATE OR REPLACE FUNCTION desk.staff_add(login text, roles text[], names jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    problem text;
BEGIN
    IF NOT newsroom.actor_is('admin') THEN
        RETURN newsroom.refusal('staff.add', 'admin', 'Adding staff needs the admin role.');
    END IF;
    problem := logins.refusal(login);
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = 'login: ' || problem;
    END IF;
    PERFORM newsroom.check_roles(roles);
    IF EXISTS (SELECT 1 FROM newsroom.staff s WHERE s.login = staff_add.login) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('%s is already on the staff; use staff grant to add a role.', login);
    END IF;
    INSERT INTO newsroom.staff (login, names) VALUES (staff_add.login, coalesce(names, '{}'));
    INSERT INTO newsroom.staff_role (login, role) SELECT staff_add.login, r FROM unnest(roles) AS r ON CONFLICT DO NOTHING;
    PERFORM logins.admit(login);
    PERFORM newsroom.audit('staff.add', NULL, NULL, NULL, jsonb_build_object('after', newsroom.staff_document(login)));
    RETURN newsroom.staff_document(login);
END
$$;

CREATE OR REPLACE FUNCTION desk.staff_grant(login text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    before jsonb;
    member newsroom.staff;
BEGIN
    IF NOT newsroom.actor_is('admin') THEN
        RETURN newsroom.refusal('staff.grant', 'admin', 'Granting roles needs the admin role.');
    END IF;
    PERFORM newsroom.check_roles(ARRAY[role]);
    member := newsroom.staff_member(login);
    IF NOT member.active THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('%s is deactivated: a role for them would never be used.', login);
    END IF;
    before := newsroom.staff_document(login);
    INSERT INTO newsroom.staff_role (login, role) VALUES (staff_grant.login, staff_grant.role) ON CONFLICT DO NOTHING;
    PERFORM newsroom.audit('staff.grant', NULL, NULL, NULL,
        jsonb_build_object('before', before, 'after', newsroom.staff_document(login)));
    RETURN newsroom.staff_document(login);
END
$$;

-- Someone leaves: their login stops working and their open sessions end;
-- their work and history stay.
CREATE OR REPLACE FUNCTION desk.staff_deactivate(login text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    member newsroom.staff;
    ended integer;
BEGIN
    IF NOT newsroom.actor_is('admin') THEN
        RETURN newsroom.refusal('staff.deactivate', 'admin', 'Deactivating staff needs the admin role.');
    END IF;
    member := newsroom.staff_member(login);
    IF NOT member.active THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('%s is already deactivated.', login);
    END IF;
    UPDATE newsroom.staff s SET active = false WHERE s.login = staff_deactivate.login;
    ended := logins.shut_out(login);
    PERFORM newsroom.audit('staff.deactivate', NULL, NULL, NULL, jsonb_build_object('login', login, 'sessions_ended', ended));
    RETURN newsroom.staff_document(login);
END
$$;

-- Import: rows as an argument ---------------------------------------------------------

-- One document of an import, as `newsdesk import` stages it.
CREATE TYPE desk.import_row AS (
    line integer, uri text, lang text, slug text, headline text, lead text, body text, status text,
    published_at timestamptz, updated_at timestamptz, embargo_until timestamptz, subjects text[]
);

-- A document that will become a new story, with the ids and slug it gets.
CREATE TYPE newsroom.import_plan AS (
    line integer, uri text, lang text, headline text, lead text, body text, status text,
    published_at timestamptz, updated_at timestamptz, embargo_until timestamptz, subjects text[],
    story_id bigint, edition_id bigint, slug text, slug_use bigint
);

DROP FUNCTION desk.import_staged();

-- Imports `staged` (the caller reads its own staging table into the
-- argument, with its own rights; nothing here reads an object the caller
-- made). Editors and admins only: imported editions may be published. The
-- first line of each uri counts; a uri imported before, or exported from
-- this very newsroom, is skipped. Set-based: slugs in one statement, then
-- stories, editions, revisions, uris and tags in another; only a slug that
-- is taken already (or used twice) goes through newsroom.claim_slug() one at
-- a time.
CREATE FUNCTION desk.import_editions(staged desk.import_row[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    site text := (SELECT value FROM newsroom.newsroom_setting WHERE key = 'site_url');
    story_ids regclass := pg_get_serial_sequence('newsroom.story', 'id');
    edition_ids regclass := pg_get_serial_sequence('newsroom.edition', 'id');
    documents integer;
    plan newsroom.import_plan[];
    imported integer;
    first_uses integer;
    claimed integer;
    unknown record;
    taken record;
    late_ids bigint[] := '{}';
    late_slugs text[] := '{}';
BEGIN
    IF NOT newsroom.actor_is('editor', 'admin') THEN
        RETURN newsroom.refusal('edition.import', 'editor', 'Importing editions needs the editor or admin role.');
    END IF;
    SELECT count(DISTINCT s.uri) INTO documents FROM unnest(staged) s;

    SELECT coalesce(array_agg(ROW(d.line, d.uri, d.lang, d.headline, d.lead, d.body, d.status, d.published_at,
                                  d.updated_at, d.embargo_until, d.subjects, nextval(story_ids), nextval(edition_ids),
                                  d.slug, d.slug_use)::newsroom.import_plan ORDER BY d.line), '{}')
    INTO plan
    FROM (SELECT f.*, row_number() OVER (PARTITION BY f.lang, f.slug ORDER BY f.line) AS slug_use
          FROM (SELECT DISTINCT ON (s.uri) s.line, s.uri, s.lang, coalesce(nullif(s.slug, ''), 'story') AS slug,
                       s.headline, s.lead, s.body, s.status, s.published_at, s.updated_at, s.embargo_until, s.subjects
                FROM unnest(staged) s ORDER BY s.uri, s.line) f
          WHERE NOT EXISTS (SELECT 1 FROM newsroom.edition_import i WHERE i.uri = f.uri)
            AND NOT (starts_with(f.uri, site || '/editions/')
                     AND substr(f.uri, length(site) + 11) ~ '^[0-9]{1,18}$'
                     AND EXISTS (SELECT 1 FROM newsroom.edition x WHERE x.id = substr(f.uri, length(site) + 11)::bigint))) d;
    SELECT count(*), count(*) FILTER (WHERE p.slug_use = 1) INTO imported, first_uses FROM unnest(plan) p;

    SELECT p.line, p.lang INTO unknown FROM unnest(plan) p
    WHERE NOT EXISTS (SELECT 1 FROM newsroom.language l WHERE l.tag = p.lang) ORDER BY p.line LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('line %s: language "%s" is not one this newsroom publishes in.', unknown.line, unknown.lang);
    END IF;
    -- A publication date still to come would hold the top of every feed until then.
    SELECT p.line, p.published_at INTO unknown FROM unnest(plan) p
    WHERE p.status IN ('published', 'withdrawn') AND p.published_at > now() ORDER BY p.line LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('line %s: firstCreated %s is in the future; import it as a draft and schedule it with publish --at.',
                             unknown.line, newsroom.rfc3339(unknown.published_at));
    END IF;

    -- Slugs: every first use of a free slug in one statement, the rest one by one.
    WITH first_claims AS (
        INSERT INTO newsroom.edition_slug (lang, slug, edition_id)
        SELECT p.lang, p.slug, p.edition_id FROM unnest(plan) p WHERE p.slug_use = 1
        ON CONFLICT DO NOTHING
        RETURNING 1)
    SELECT count(*) INTO claimed FROM first_claims;
    FOR taken IN
        SELECT p.lang, p.slug, p.edition_id FROM unnest(plan) p
        WHERE p.slug_use > 1
           OR (claimed < first_uses AND NOT EXISTS (
                  SELECT 1 FROM newsroom.edition_slug s
                  WHERE s.lang = p.lang AND s.slug = p.slug AND s.edition_id = p.edition_id))
        ORDER BY p.line
    LOOP
        late_ids := late_ids || taken.edition_id;
        late_slugs := late_slugs || newsroom.claim_slug(taken.lang, taken.slug, taken.edition_id);
    END LOOP;
    IF cardinality(late_ids) > 0 THEN
        SELECT array_agg(ROW(p.line, p.uri, p.lang, p.headline, p.lead, p.body, p.status, p.published_at, p.updated_at,
                             p.embargo_until, p.subjects, p.story_id, p.edition_id, coalesce(l.slug, p.slug),
                             p.slug_use)::newsroom.import_plan ORDER BY p.line)
        INTO plan
        FROM unnest(plan) p LEFT JOIN unnest(late_ids, late_slugs) AS l (edition_id, slug) ON l.edition_id = p.edition_id;
    END IF;

    -- Stories, editions, their first revisions, the uri map and the tags in one
    -- statement, which reads the plan once (foreign keys are checked at its end).
    WITH p AS MATERIALIZED (SELECT * FROM unnest(plan)),
    stories AS (
        INSERT INTO newsroom.story (id) OVERRIDING SYSTEM VALUE SELECT p.story_id FROM p),
    editions AS (
        INSERT INTO newsroom.edition (id, story_id, lang, slug, headline, lead, body, bylines, status,
                                      published_at, updated_at, embargo_until)
        SELECT p.edition_id, p.story_id, p.lang, p.slug, p.headline, coalesce(p.lead, ''), coalesce(p.body, ''),
               ARRAY[session_user::text], p.status::newsroom.edition_status,
               CASE WHEN p.status IN ('published', 'withdrawn') THEN coalesce(p.published_at, now()) END,
               CASE WHEN p.status IN ('published', 'withdrawn') THEN coalesce(p.updated_at, p.published_at, now()) END,
               p.embargo_until
        FROM p),
    -- Version 1 of each edition, as newsroom.save_revision() records it for any new edition.
    revisions AS (
        INSERT INTO newsroom.edition_revision (edition_id, version, slug, headline, lead, body, bylines, video,
                                               embargo_until, change, note)
        SELECT p.edition_id, 1, p.slug, p.headline, coalesce(p.lead, ''), coalesce(p.body, ''),
               ARRAY[session_user::text], false, p.embargo_until, 'create', 'imported from ' || p.uri
        FROM p),
    uris AS (
        INSERT INTO newsroom.edition_import (uri, edition_id) SELECT p.uri, p.edition_id FROM p)
    INSERT INTO newsroom.story_subject (story_id, subject)
    SELECT p.story_id, s FROM p CROSS JOIN LATERAL unnest(p.subjects) AS s
    WHERE EXISTS (SELECT 1 FROM newsroom.subject x WHERE x.slug = s)
    ON CONFLICT DO NOTHING;

    PERFORM newsroom.audit('edition.import', NULL, NULL, NULL,
        jsonb_build_object('imported', imported, 'skipped', documents - imported));
    RETURN jsonb_build_object('imported', imported, 'skipped', documents - imported);
END
$$;

-- Locks: bounded waits, and no one sits on them --------------------------------------------

-- Called when a row of `contended` that a desk function needs was not
-- released within its lock_timeout: ends the sessions of staff logins
-- sitting on locks of that table (logins.end_stuck_holders) and returns, so
-- the caller waits again; otherwise refuses as busy (55P03, which newsdesk
-- reports as "try again").
CREATE FUNCTION newsroom.outwait(contended regclass, what text) RETURNS void
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


-- Claims the first free slug of `base`, `base-2`, `base-3` … in a language.
-- Concurrent claims of the same slug wait for each other, so none fails;
-- a claim that waits on a session sitting on it ends that session, as
-- newsroom.outwait() does for the audit log and editions.
CREATE OR REPLACE FUNCTION newsroom.claim_slug(language text, base text, target bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    stem text := coalesce(nullif(base, ''), 'story');
    candidate text;
    attempt integer := 1;
BEGIN
    LOOP
        candidate := CASE WHEN attempt = 1 THEN stem
                          ELSE rtrim(left(stem, 80 - length('-' || attempt)), '-') || '-' || attempt END;
        BEGIN
            INSERT INTO newsroom.edition_slug (lang, slug, edition_id) VALUES (language, candidate, target)
            ON CONFLICT DO NOTHING;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM newsroom.outwait('newsroom.edition_slug', format('The slug %s/%s', language, candidate));
            INSERT INTO newsroom.edition_slug (lang, slug, edition_id) VALUES (language, candidate, target)
            ON CONFLICT DO NOTHING;
        END;
        IF FOUND THEN
            RETURN candidate;
        END IF;
        attempt := attempt + 1;
    END LOOP;
END
$$;

-- Locks and returns an edition (publishing it first if its time has come).
CREATE OR REPLACE FUNCTION newsroom.locked_edition(reference text) RETURNS newsroom.edition
LANGUAGE plpgsql AS $$
DECLARE
    target bigint := desk.resolve_edition(reference);
    locked newsroom.edition;
BEGIN
    PERFORM newsroom.settle(target);
    -- As in newsroom.audit(): no wait when uncontended, a bounded one when it is.
    SELECT * INTO locked FROM newsroom.edition WHERE id = target FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        BEGIN
            SELECT * INTO locked FROM newsroom.edition WHERE id = target FOR UPDATE;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM newsroom.outwait('newsroom.edition', format('Edition %s', target));
            SELECT * INTO locked FROM newsroom.edition WHERE id = target FOR UPDATE;
        END;
        PERFORM newsroom.settle(target);
        SELECT * INTO locked FROM newsroom.edition WHERE id = target;
    END IF;
    RETURN locked;
END
$$;

CREATE OR REPLACE FUNCTION newsroom.locked_update(reference text) RETURNS newsroom.live_update
LANGUAGE plpgsql AS $$
DECLARE
    found_update newsroom.live_update;
BEGIN
    IF reference !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('update: "%s" is not a live update id.', reference);
    END IF;
    SELECT * INTO found_update FROM newsroom.live_update WHERE id = reference::bigint FOR UPDATE SKIP LOCKED;
    IF NOT FOUND AND EXISTS (SELECT 1 FROM newsroom.live_update WHERE id = reference::bigint) THEN
        BEGIN
            SELECT * INTO found_update FROM newsroom.live_update WHERE id = reference::bigint FOR UPDATE;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM newsroom.outwait('newsroom.live_update', format('Live update %s', reference));
            SELECT * INTO found_update FROM newsroom.live_update WHERE id = reference::bigint FOR UPDATE;
        END;
    END IF;
    IF found_update.id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('There is no live update %s.', reference);
    END IF;
    RETURN found_update;
END
$$;

-- The audit log: no way around it for plain SQL -------------------------------------------

-- A write made with the owner's rights is the desk's own (already recorded
-- by the desk function) only when a staff login is acting: a staff login
-- holds the owner's rights only inside a desk function, which runs as the
-- owner. Anyone else writing as the owner — a member of newsdesk_owner after
-- SET ROLE — is recorded like any plain SQL. A staff login can become
-- neither the owner nor a member of it (logins.refusal); only a superuser
-- could grant that.

-- Records a plain-SQL change of a row. Which changes are plain SQL is the
-- trigger's WHEN condition (newsroom.watch), decided before this is called.
CREATE OR REPLACE FUNCTION newsroom.audit_plain_sql() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
    row_data jsonb := coalesce(new_row, old_row);
BEGIN
    PERFORM newsroom.audit('sql.' || lower(TG_OP),
        CASE WHEN TG_TABLE_NAME = 'story' THEN (row_data->>'id')::bigint ELSE (row_data->>'story_id')::bigint END,
        CASE WHEN TG_TABLE_NAME = 'edition' THEN (row_data->>'id')::bigint ELSE (row_data->>'edition_id')::bigint END,
        NULL,
        jsonb_build_object('table', TG_TABLE_NAME, 'before', old_row, 'after', new_row));
    RETURN NULL;
END
$$;

-- TRUNCATE removes rows without row triggers: recorded per statement.
CREATE FUNCTION newsroom.audit_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM newsroom.audit('sql.truncate', NULL, NULL, NULL, jsonb_build_object('table', TG_TABLE_NAME));
    RETURN NULL;
END
$$;

-- Puts a table under the plain-SQL audit triggers. ENABLE ALWAYS: they fire
-- under session_replication_role = replica too.
CREATE OR REPLACE PROCEDURE newsroom.watch(target regclass)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER audit_plain_sql AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW
                    WHEN (current_user <> ''newsdesk_owner'' OR NOT pg_catalog.pg_has_role(session_user, ''newsdesk_staff'', ''MEMBER''))
                    EXECUTE FUNCTION newsroom.audit_plain_sql()', target);
    EXECUTE format('CREATE TRIGGER audit_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT
                    EXECUTE FUNCTION newsroom.audit_truncate()', target);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_plain_sql', target);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_truncate', target);
END
$$;

DO $$
DECLARE
    watched regclass;
BEGIN
    FOR watched IN SELECT t.tgrelid::regclass FROM pg_trigger t WHERE t.tgname = 'audit_plain_sql' LOOP
        EXECUTE format('DROP TRIGGER audit_plain_sql ON %s', watched);
        CALL newsroom.watch(watched);
    END LOOP;
END
$$;

DO $$
DECLARE
    watched record;
BEGIN
    -- Every table of the newsroom but the log itself is watched; the history
    -- and log triggers fire under any session_replication_role too.
    FOR watched IN
        SELECT c.oid::regclass AS name FROM pg_class c
        WHERE c.relnamespace = 'newsroom'::regnamespace AND c.relkind IN ('r', 'p')
          AND c.relname NOT IN ('audit_event', 'audit_head')
          AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'audit_plain_sql')
    LOOP
        CALL newsroom.watch(watched.name);
    END LOOP;
    FOR watched IN
        SELECT t.tgrelid::regclass AS name, t.tgname FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = 'newsroom'::regnamespace AND NOT t.tgisinternal AND t.tgenabled <> 'A'
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', watched.name, watched.tgname);
    END LOOP;
END
$$;

CREATE TRIGGER audit_head_is_not_truncated BEFORE TRUNCATE ON newsroom.audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.refuse_audit_change();
ALTER TABLE newsroom.audit_head ENABLE ALWAYS TRIGGER audit_head_is_not_truncated;

-- DDL on the newsroom's schemas: each command recorded as sql.ddl. The
-- migrations `newsdesk db migrate` applies (a superuser holding the
-- migration lock) are not: the schema_migration table records those.
CREATE FUNCTION newsroom.audit_ddl() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    command record;
BEGIN
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user)
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
                   WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid() AND l.granted
                     AND l.classid = 1852143475 AND l.objid = 1684370283 AND l.objsubid = 1) THEN
        RETURN;
    END IF;
    IF TG_EVENT = 'sql_drop' THEN
        FOR command IN SELECT d.object_type, d.object_identity FROM pg_catalog.pg_event_trigger_dropped_objects() d
                       WHERE d.schema_name IN ('newsroom', 'desk', 'logins') AND d.original LOOP
            PERFORM newsroom.audit('sql.ddl', NULL, NULL, NULL, jsonb_build_object(
                'command', 'DROP ' || upper(command.object_type), 'object', command.object_identity));
        END LOOP;
    ELSE
        FOR command IN SELECT c.command_tag, c.object_identity FROM pg_catalog.pg_event_trigger_ddl_commands() c
                       WHERE c.schema_name IN ('newsroom', 'desk', 'logins') LOOP
            PERFORM newsroom.audit('sql.ddl', NULL, NULL, NULL, jsonb_build_object(
                'command', command.command_tag, 'object', command.object_identity));
        END LOOP;
    END IF;
END
$$;

-- Text rules, for every path ------------------------------------------------------------------

-- Whether `value` is text the newsroom stores (SPEC §7, the same rules as
-- newsdesk's TextField, which says which rule a text breaks): no control
-- characters but (in multi-line fields) newline and tab; no line or
-- paragraph separators; no bidirectional marks, embeddings, overrides or
-- isolates, nor invisible characters that disguise text (zero-width and
-- Hangul fillers, word joiners, invisible operators, tag characters,
-- interlinear annotation); no noncharacters (U+FFFE and U+FFFF cannot be
-- carried by XML at all); and NFC. One character class per kind of field,
-- so a body is scanned once (the check runs on every row an import writes);
-- ASCII text is NFC already, and counting is cheaper than normalising. The
-- patterns are E'' strings, read the same whatever standard_conforming_strings
-- a session sets.
CREATE FUNCTION newsroom.is_clean_text(value text, multiline boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT value IS NULL OR (
        value !~ CASE WHEN multiline
                      THEN E'[\\u0001-\\u0008\\u000B-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u115F\\u1160\\u180E\\u200B\\u2060-\\u2064\\u206A-\\u206F\\u3164\\uFEFF\\uFFA0\\uFFF9-\\uFFFB\\U000E0000-\\U000E007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF\\U0001FFFE\\U0001FFFF\\U0002FFFE\\U0002FFFF\\U0003FFFE\\U0003FFFF\\U0004FFFE\\U0004FFFF\\U0005FFFE\\U0005FFFF\\U0006FFFE\\U0006FFFF\\U0007FFFE\\U0007FFFF\\U0008FFFE\\U0008FFFF\\U0009FFFE\\U0009FFFF\\U000AFFFE\\U000AFFFF\\U000BFFFE\\U000BFFFF\\U000CFFFE\\U000CFFFF\\U000DFFFE\\U000DFFFF\\U000EFFFE\\U000EFFFF\\U000FFFFE\\U000FFFFF\\U0010FFFE\\U0010FFFF]'
                      ELSE E'[\\u0001-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u115F\\u1160\\u180E\\u200B\\u2060-\\u2064\\u206A-\\u206F\\u3164\\uFEFF\\uFFA0\\uFFF9-\\uFFFB\\U000E0000-\\U000E007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF\\U0001FFFE\\U0001FFFF\\U0002FFFE\\U0002FFFF\\U0003FFFE\\U0003FFFF\\U0004FFFE\\U0004FFFF\\U0005FFFE\\U0005FFFF\\U0006FFFE\\U0006FFFF\\U0007FFFE\\U0007FFFF\\U0008FFFE\\U0008FFFF\\U0009FFFE\\U0009FFFF\\U000AFFFE\\U000AFFFF\\U000BFFFE\\U000BFFFF\\U000CFFFE\\U000CFFFF\\U000DFFFE\\U000DFFFF\\U000EFFFE\\U000EFFFF\\U000FFFFE\\U000FFFFF\\U0010FFFE\\U0010FFFF]' END
        AND (octet_length(value) = char_length(value) OR value IS NFC NORMALIZED))
$$;

-- Names in several languages ({"uk": "…", "en": "…"}): each key a language
-- tag, each value one line of clean text.
CREATE FUNCTION newsroom.are_clean_names(names jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM jsonb_each(names) n
                       WHERE n.key !~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'
                          OR jsonb_typeof(n.value) <> 'string'
                          OR NOT newsroom.is_clean_text(n.value #>> '{}', false)
                          OR octet_length(n.value #>> '{}') > 200)
$$;

-- A web address (a photo, a Media Topic): http or https, a host, no spaces.
CREATE FUNCTION newsroom.is_web_address(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT value IS NULL OR value ~ E'^[Hh][Tt][Tt][Pp][Ss]?://[^[:space:]/?#@]+([/?#][^[:space:]]*)?$'
$$;

-- Adds the checks. Text stored before these rules may break them: then the
-- check holds for new rows only (NOT VALID), and a notice names it.
DO $$
DECLARE
    rule record;
BEGIN
    FOR rule IN SELECT * FROM (VALUES
        ('edition', 'headline', 'newsroom.is_clean_text(headline, false)'),
        ('edition', 'lead', 'newsroom.is_clean_text(lead, true)'),
        ('edition', 'body', 'newsroom.is_clean_text(body, true)'),
        ('edition', 'photo_url', 'newsroom.is_clean_text(photo_url, false) AND newsroom.is_web_address(photo_url)'),
        ('edition', 'photo_caption', 'newsroom.is_clean_text(photo_caption, false)'),
        ('edition', 'photo_credit', 'newsroom.is_clean_text(photo_credit, false)'),
        ('edition', 'review_note', 'newsroom.is_clean_text(review_note, true)'),
        ('edition', 'withdrawal_reason', 'newsroom.is_clean_text(withdrawal_reason, true)'),
        ('edition_revision', 'headline', 'newsroom.is_clean_text(headline, false)'),
        ('edition_revision', 'lead', 'newsroom.is_clean_text(lead, true)'),
        ('edition_revision', 'body', 'newsroom.is_clean_text(body, true)'),
        ('edition_revision', 'photo_url', 'newsroom.is_clean_text(photo_url, false) AND newsroom.is_web_address(photo_url)'),
        ('edition_revision', 'photo_caption', 'newsroom.is_clean_text(photo_caption, false)'),
        ('edition_revision', 'photo_credit', 'newsroom.is_clean_text(photo_credit, false)'),
        ('edition_revision', 'note', 'newsroom.is_clean_text(note, true)'),
        ('edition_correction', 'note', 'newsroom.is_clean_text(note, true)'),
        ('edition_event', 'note', 'newsroom.is_clean_text(note, true)'),
        ('live_update', 'body', 'newsroom.is_clean_text(body, true)'),
        ('live_update', 'withdrawal_reason', 'newsroom.is_clean_text(withdrawal_reason, true)'),
        ('live_update_revision', 'body', 'newsroom.is_clean_text(body, true)'),
        ('live_update_revision', 'note', 'newsroom.is_clean_text(note, true)'),
        ('staff', 'names', 'newsroom.are_clean_names(names)'),
        ('subject', 'names', 'newsroom.are_clean_names(names)'),
        ('subject', 'mediatopic', 'newsroom.is_clean_text(mediatopic, false) AND newsroom.is_web_address(mediatopic)'),
        ('idempotency', 'key', 'newsroom.is_clean_text(key, false)'),
        ('idempotency', 'action', $c$action ~ '^[a-z][a-z._:]*$'$c$),
        ('edition_import', 'uri', 'newsroom.is_clean_text(uri, false)')
    ) AS r (tab, field, test) LOOP
        EXECUTE format('ALTER TABLE newsroom.%I ADD CONSTRAINT %I CHECK (%s) NOT VALID',
                       rule.tab, rule.field || '_is_clean_text', rule.test);
        BEGIN
            EXECUTE format('ALTER TABLE newsroom.%I VALIDATE CONSTRAINT %I', rule.tab, rule.field || '_is_clean_text');
        EXCEPTION WHEN check_violation THEN
            RAISE NOTICE '%.% holds text stored before the text rules; the rule holds for new text only.', rule.tab, rule.field;
        END;
    END LOOP;
END
$$;

-- Who may do what: the smaller rules ----------------------------------------------------------

-- SPEC §3: editors and admins edit anything; reporters edit drafts they are
-- bylined on that are not translations; translators edit draft translations
-- they are bylined on. (A translation carries its source's byline, so the
-- reporter of the source is on it, but translating is the translators' job.)
CREATE OR REPLACE FUNCTION newsroom.may_edit(e newsroom.edition) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT newsroom.actor_is('editor', 'admin')
        OR (e.status = 'draft' AND session_user::text = ANY (e.bylines)
            AND CASE WHEN e.translated_from IS NULL THEN newsroom.actor_is('reporter')
                     ELSE newsroom.actor_is('translator') END)
$$;

-- Authors change their own updates — reporters theirs, translators the
-- translated updates they posted; editors and admins anyone's.
CREATE OR REPLACE FUNCTION newsroom.may_change_update(u newsroom.live_update) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT newsroom.actor_is('editor', 'admin')
        OR (u.author = session_user::text
            AND (newsroom.actor_is('reporter') OR (u.translation_of IS NOT NULL AND newsroom.actor_is('translator'))))
$$;

-- A withdrawn update is not news any more: it is not translated, nor is a
-- translation of it.
CREATE FUNCTION newsroom.refuse_withdrawn_source() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (WITH RECURSIVE origin AS (
                   SELECT s.id, s.translation_of, s.withdrawn_at FROM newsroom.live_update s WHERE s.id = NEW.translation_of
                   UNION ALL
                   SELECT s.id, s.translation_of, s.withdrawn_at FROM newsroom.live_update s JOIN origin o ON s.id = o.translation_of)
               SELECT 1 FROM origin WHERE origin.withdrawn_at IS NOT NULL) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('Update %s was withdrawn; it is not translated.', NEW.translation_of);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER translation_of_a_live_source BEFORE INSERT ON newsroom.live_update
    FOR EACH ROW WHEN (NEW.translation_of IS NOT NULL) EXECUTE FUNCTION newsroom.refuse_withdrawn_source();
ALTER TABLE newsroom.live_update ENABLE ALWAYS TRIGGER translation_of_a_live_source;

-- Live updates and translations: who posts where ---------------------------------------

-- `newsdesk update add`: appends an update to a published edition. Reporters
-- post on editions they are bylined on that are not translations (a
-- translation carries its source's byline; its updates are translated with
-- update translate); editors and admins on any.
CREATE OR REPLACE FUNCTION desk.add_update(
    reference text, body text, kind text DEFAULT 'update', key boolean DEFAULT false, idempotency_key text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
#variable_conflict use_variable
DECLARE
    earlier jsonb := newsroom.claim_idempotency(idempotency_key, 'update.add',
        jsonb_build_object('edition', reference, 'body', body, 'kind', kind, 'key', key));
    e newsroom.edition;
    added newsroom.live_update;
    document jsonb;
BEGIN
    IF earlier IS NOT NULL THEN
        RETURN earlier;
    END IF;
    e := newsroom.locked_edition(reference);
    IF NOT (newsroom.actor_is('editor', 'admin')
            OR (newsroom.actor_is('reporter') AND session_user::text = ANY (e.bylines) AND e.translated_from IS NULL)) THEN
        RETURN newsroom.refusal('update.add', 'reporter', CASE WHEN e.translated_from IS NULL
            THEN format('Adding an update to %s/%s needs your name on its byline as a reporter, or the editor role.', e.lang, e.slug)
            ELSE format('%s/%s is a translation: its updates are translated from the source (update translate), or added by an editor.',
                        e.lang, e.slug) END,
            e.story_id, e.id);
    END IF;
    IF e.status <> 'published' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format(
            'Cannot add an update to %s/%s: it is %s; updates go on published editions.', e.lang, e.slug, replace(e.status::text, '_', ' '));
    END IF;
    IF kind IS NULL OR kind NOT IN ('update', 'correction', 'clarification') THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = 'kind: must be update, correction or clarification.';
    END IF;
    UPDATE newsroom.edition SET update_count = update_count + 1, updated_at = now() WHERE id = e.id
    RETURNING update_count INTO e.update_count;
    INSERT INTO newsroom.live_update (edition_id, seq, kind, body, key)
    VALUES (e.id, e.update_count, kind::newsroom.update_kind, body, coalesce(key, false))
    RETURNING * INTO added;
    INSERT INTO newsroom.live_update_revision (update_id, version, kind, body, key, change)
    VALUES (added.id, 1, added.kind, added.body, added.key, 'add');
    document := newsroom.update_document(added);
    PERFORM newsroom.audit('update.add', e.story_id, e.id, added.id, jsonb_build_object('after', document - 'local_time'));
    RETURN newsroom.remember_idempotency(idempotency_key, document);
END
$$;

-- `newsdesk update translate UPDATE --to LANG`: the update in the story's
-- LANG edition, which must be a translation, linked to its source update.
CREATE OR REPLACE FUNCTION desk.translate_update(reference text, to_lang text, body text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    source newsroom.live_update;
    source_edition newsroom.edition;
    e newsroom.edition;
    added newsroom.live_update;
    document jsonb;
BEGIN
    IF reference !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('update: "%s" is not a live update id.', reference);
    END IF;
    SELECT * INTO source FROM newsroom.live_update WHERE id = reference::bigint;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('There is no live update %s.', reference);
    END IF;
    SELECT * INTO source_edition FROM newsroom.edition WHERE id = source.edition_id;
    SELECT x.id INTO e.id FROM newsroom.edition x WHERE x.story_id = source_edition.story_id AND x.lang = to_lang;
    IF e.id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0',
            MESSAGE = format('The story has no %s edition yet; translate the story first (newsdesk translate %s/%s --to %s).',
                             to_lang, source_edition.lang, source_edition.slug, to_lang);
    END IF;
    e := newsroom.locked_edition(e.id::text);
    IF NOT newsroom.actor_is('translator', 'editor', 'admin') THEN
        RETURN newsroom.refusal('update.translate', 'translator',
            'Translating a live update needs the translator, editor or admin role.', e.story_id, e.id);
    END IF;
    IF e.id = source.edition_id THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('to: update %s is already in %s.', source.id, to_lang);
    END IF;
    IF e.translated_from IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('%s/%s is the story''s original, not a translation: its updates are written there, not translated into it.',
                             e.lang, e.slug);
    END IF;
    IF source.withdrawn_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('Update %s was withdrawn; it is not translated.', source.id);
    END IF;
    IF e.status = 'withdrawn' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('Cannot add to %s/%s: it is withdrawn.', e.lang, e.slug);
    END IF;
    IF EXISTS (SELECT 1 FROM newsroom.live_update t WHERE t.edition_id = e.id AND t.translation_of = source.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('Update %s is already translated in %s/%s; change it with update edit.', source.id, e.lang, e.slug);
    END IF;
    UPDATE newsroom.edition SET update_count = update_count + 1,
        updated_at = CASE WHEN status = 'published' THEN now() ELSE updated_at END
    WHERE id = e.id RETURNING update_count INTO e.update_count;
    INSERT INTO newsroom.live_update (edition_id, seq, posted_at, kind, body, key, translation_of)
    VALUES (e.id, e.update_count, source.posted_at, source.kind, translate_update.body, source.key, source.id)
    RETURNING * INTO added;
    INSERT INTO newsroom.live_update_revision (update_id, version, kind, body, key, change, note)
    VALUES (added.id, 1, added.kind, added.body, added.key, 'add', format('translation of update %s', source.id));
    document := newsroom.update_document(added);
    PERFORM newsroom.audit('update.translate', e.story_id, e.id, added.id,
        jsonb_build_object('source_update', source.id, 'after', document - 'local_time'));
    RETURN document;
END
$$;

-- A withdrawn update stays as it was: it is neither pinned nor unpinned.
CREATE FUNCTION newsroom.refuse_key_change_when_withdrawn() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('Update %s was withdrawn; it is no longer pinned or unpinned.', OLD.id);
END
$$;
CREATE TRIGGER withdrawn_update_keeps_its_key BEFORE UPDATE ON newsroom.live_update
    FOR EACH ROW WHEN (OLD.withdrawn_at IS NOT NULL AND NEW.key IS DISTINCT FROM OLD.key)
    EXECUTE FUNCTION newsroom.refuse_key_change_when_withdrawn();
ALTER TABLE newsroom.live_update ENABLE ALWAYS TRIGGER withdrawn_update_keeps_its_key;

-- Idempotency keys the tool claims around an action -----------------------------------------

-- The tool's own claims are kept apart from those the desk functions make
-- themselves (story.create, update.add), whose remembered results those
-- functions trust: a client could otherwise remember a forged result under
-- such an action. Only staff claim keys, and a result is remembered once.
CREATE OR REPLACE FUNCTION desk.claim_idempotency_key(key text, action text, request jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(newsroom.actor_roles()) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'Idempotency keys are for the newsroom''s staff.';
    END IF;
    RETURN newsroom.claim_idempotency(key, 'client:' || action, request);
END
$$;

CREATE OR REPLACE FUNCTION desk.remember_idempotency_key(key text, response jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    IF octet_length(response::text) > 1048576 THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = 'response: a remembered result is at most 1 MiB.';
    END IF;
    UPDATE newsroom.idempotency i SET response = remember_idempotency_key.response
    WHERE i.actor = session_user::text AND i.key = remember_idempotency_key.key
      AND starts_with(i.action, 'client:') AND i.response IS NULL;
    RETURN response;
END
$$;

-- Advisory locks: `newsdesk db migrate` (a superuser) takes one, and the DDL
-- record above trusts it; nobody else needs them in a newsroom database.
REVOKE EXECUTE ON FUNCTION pg_catalog.pg_advisory_lock(bigint), pg_catalog.pg_advisory_lock_shared(bigint),
    pg_catalog.pg_try_advisory_lock(bigint), pg_catalog.pg_try_advisory_lock_shared(bigint),
    pg_catalog.pg_advisory_xact_lock(bigint), pg_catalog.pg_advisory_xact_lock_shared(bigint),
    pg_catalog.pg_try_advisory_xact_lock(bigint), pg_catalog.pg_try_advisory_xact_lock_shared(bigint)
    FROM PUBLIC;

-- A TIME argument, as before; its patterns are written without backslashes,
-- so a session's standard_conforming_strings cannot change them.
CREATE OR REPLACE FUNCTION desk.parse_time(input text, field text DEFAULT 'time') RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
    zone text := newsroom.timezone();
    wall timestamp;
    matches timestamptz[] := '{}';
    candidate timestamptz;
    shift interval;
BEGIN
    IF input IS NULL THEN
        RETURN NULL;
    END IF;
    IF input ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN
        BEGIN
            RETURN input::timestamptz;
        EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('%s: "%s" is not a real date and time.', field, input);
        END;
    END IF;
    IF input !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}$' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('%s: "%s" is not a time. Give an instant with an offset (2023-10-26T16:43+03:00) or a local time in %s (2023-10-26 16:43).', field, input, zone);
    END IF;
    BEGIN
        wall := input::timestamp;
    EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('%s: "%s" is not a real date and time.', field, input);
    END;
    -- Try the offsets in force a day before and a day after: around a clock
    -- change a wall time maps to none of them (skipped) or to both (repeated).
    FOREACH shift IN ARRAY ARRAY[
        ((wall - interval '1 day') AT TIME ZONE 'UTC' AT TIME ZONE zone) - (wall - interval '1 day'),
        ((wall + interval '1 day') AT TIME ZONE 'UTC' AT TIME ZONE zone) - (wall + interval '1 day')]
    LOOP
        candidate := (wall - shift) AT TIME ZONE 'UTC';
        IF candidate AT TIME ZONE zone = wall AND NOT candidate = ANY (matches) THEN
            matches := matches || candidate;
        END IF;
    END LOOP;
    IF cardinality(matches) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('%s: %s does not exist in %s: the clocks were moved forward over it. Give the time with an offset instead.', field, input, zone);
    ELSIF cardinality(matches) > 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('%s: %s happens twice in %s because the clocks were moved back. Give it with an offset: %s or %s.', field, input, zone,
                to_char(wall, 'YYYY-MM-DD"T"HH24:MI') || newsroom.offset_text(matches[1] AT TIME ZONE zone - matches[1] AT TIME ZONE 'UTC'),
                to_char(wall, 'YYYY-MM-DD"T"HH24:MI') || newsroom.offset_text(matches[2] AT TIME ZONE zone - matches[2] AT TIME ZONE 'UTC'));
    END IF;
    RETURN matches[1];
END
$$;

-- Refusals hold no lock -------------------------------------------------------------------

-- A refusal is recorded without taking the chain's head: it waits here until
-- the next append (or a read of the log) chains it, in the order refused. A
-- refused call left open in a transaction then blocks no one.
CREATE TABLE newsroom.audit_pending (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    story_id   bigint,
    edition_id bigint,
    detail     jsonb NOT NULL,
    client     text NOT NULL
);
COMMENT ON TABLE newsroom.audit_pending IS 'Refusals not yet in the hash chain; the next append moves them there.';
CREATE INDEX audit_pending_by_actor ON newsroom.audit_pending (actor);
CREATE TRIGGER audit_pending_is_not_changed BEFORE UPDATE ON newsroom.audit_pending
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_audit_change();
CREATE TRIGGER audit_pending_is_not_truncated BEFORE TRUNCATE ON newsroom.audit_pending
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.refuse_audit_change();
ALTER TABLE newsroom.audit_pending ENABLE ALWAYS TRIGGER audit_pending_is_not_changed;
ALTER TABLE newsroom.audit_pending ENABLE ALWAYS TRIGGER audit_pending_is_not_truncated;

-- A refused action: recorded (pending) and returned as {"refused": {...}}
-- instead of being carried out. The returned object carries what the record
-- needs, so a caller that rolls back the refused work can record it again.
CREATE OR REPLACE FUNCTION newsroom.refusal(action text, needs text, message text, story bigint DEFAULT NULL, edition bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    refused jsonb := jsonb_build_object('refused', jsonb_strip_nulls(jsonb_build_object(
        'action', action, 'needs', needs, 'message', message, 'story_id', story, 'edition_id', edition)));
BEGIN
    PERFORM newsroom.record_refusal(refused);
    RETURN refused;
END
$$;

-- Records a refusal as newsroom.refusal() returned it. At most 100 of one
-- login's refusals wait to be chained: a flood of refused calls cannot grow
-- the backlog that the next writer must chain while holding the log's head.
-- Beyond that a refused call fails, unrecorded, until the backlog is chained.
CREATE FUNCTION newsroom.record_refusal(refused jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM newsroom.audit_pending p WHERE p.actor = session_user::text) >= 100 THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('%s has 100 refused requests waiting to be recorded; this one was refused and not recorded.',
                             session_user),
            HINT = 'The waiting refusals are recorded with the next change anyone makes.';
    END IF;
    INSERT INTO newsroom.audit_pending (at, actor, action, story_id, edition_id, detail, client)
    VALUES (now(), session_user::text, 'refused', (refused #>> '{refused,story_id}')::bigint,
            (refused #>> '{refused,edition_id}')::bigint,
            jsonb_build_object('attempted', refused #>> '{refused,action}', 'needs', refused #>> '{refused,needs}',
                               'roles', to_jsonb(newsroom.actor_roles())),
            coalesce(current_setting('application_name', true), ''));
END
$$;

-- Appends the pending refusals to the chain after `head` (which the caller
-- has locked) and returns the new head, not yet written back.
CREATE FUNCTION newsroom.chain_pending(head newsroom.audit_head) RETURNS newsroom.audit_head
LANGUAGE plpgsql AS $$
DECLARE
    waiting newsroom.audit_pending;
    digest bytea;
BEGIN
    -- A bounded batch, so the head is held for a bounded time whatever the
    -- backlog (each login's is bounded too, by newsroom.record_refusal).
    FOR waiting IN SELECT * FROM newsroom.audit_pending ORDER BY id LIMIT 1000 LOOP
        digest := sha256(head.hash || newsroom.audit_canonical(head.seq + 1, waiting.at, waiting.actor, waiting.action,
            waiting.story_id, waiting.edition_id, NULL, waiting.client, waiting.detail));
        INSERT INTO newsroom.audit_event (seq, at, actor, action, story_id, edition_id, update_id, detail, client, prev_hash, hash)
        VALUES (head.seq + 1, waiting.at, waiting.actor, waiting.action, waiting.story_id, waiting.edition_id, NULL,
                waiting.detail, waiting.client, head.hash, digest);
        DELETE FROM newsroom.audit_pending WHERE id = waiting.id;
        head.seq := head.seq + 1;
        head.hash := digest;
    END LOOP;
    RETURN head;
END
$$;

-- Takes the chain's head for an append: at once when it is free; else waits
-- (lock_timeout) and, if the holder sits on it, ends its session and waits
-- once more. Pending refusals are chained first.
CREATE FUNCTION newsroom.take_audit_head() RETURNS newsroom.audit_head
LANGUAGE plpgsql AS $$
DECLARE
    head newsroom.audit_head;
BEGIN
    SELECT * INTO head FROM newsroom.audit_head FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        BEGIN
            SELECT * INTO head FROM newsroom.audit_head FOR UPDATE;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM newsroom.outwait('newsroom.audit_head', 'The audit log');
            SELECT * INTO head FROM newsroom.audit_head FOR UPDATE;
        END;
    END IF;
    RETURN newsroom.chain_pending(head);
END
$$;

CREATE OR REPLACE FUNCTION newsroom.audit(action text, story bigint, edition bigint, live_update bigint, detail jsonb)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    head newsroom.audit_head := newsroom.take_audit_head();
    next_seq bigint := head.seq + 1;
    happened timestamptz := now();
    who text := session_user::text;
    client text := coalesce(current_setting('application_name', true), '');
    body jsonb := coalesce(detail, '{}');
    digest bytea;
BEGIN
    digest := sha256(head.hash || newsroom.audit_canonical(next_seq, happened, who, action, story, edition, live_update, client, body));
    INSERT INTO newsroom.audit_event (seq, at, actor, action, story_id, edition_id, update_id, detail, client, prev_hash, hash)
    VALUES (next_seq, happened, who, action, story, edition, live_update, body, client, head.hash, digest);
    UPDATE newsroom.audit_head SET seq = next_seq, hash = digest;
    RETURN next_seq;
END
$$;

-- Chains the pending refusals now, if there are any: before the log is read.
CREATE FUNCTION newsroom.settle_audit() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    head newsroom.audit_head;
BEGIN
    IF EXISTS (SELECT 1 FROM newsroom.audit_pending) THEN
        head := newsroom.take_audit_head();
        UPDATE newsroom.audit_head h SET seq = head.seq, hash = head.hash;
    END IF;
END
$$;

-- Records a refusal when the actor may not read the audit log; '{}' when
-- they may, after chaining the pending refusals, so the log read next is
-- whole. (newsdesk calls this before reading the log.)
CREATE OR REPLACE FUNCTION desk.audit_access() RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT newsroom.actor_is('editor', 'admin') THEN
        RETURN newsroom.refusal('audit.read', 'editor', 'Reading the audit log needs the editor or admin role.');
    END IF;
    PERFORM newsroom.settle_audit();
    RETURN '{}';
END
$$;

-- Every desk function that can refuse decides inside a subtransaction: on a
-- refusal the subtransaction is rolled back, so the row locks the function
-- took to decide (an edition, a live update) are released at once, and the
-- refusal is recorded again outside it. The function's body moves to schema
-- newsroom under the same name; desk.NAME is the wrapper.
DO $do$
DECLARE
    f record;
    inner_name text;
    wrapper text;
BEGIN
    FOR f IN
        SELECT p.oid, p.proname, pg_get_function_arguments(p.oid) AS arguments,
               pg_get_function_identity_arguments(p.oid) AS identity, p.pronargs
        FROM pg_proc p
        WHERE p.pronamespace = 'desk'::regnamespace AND p.prorettype = 'jsonb'::regtype
          AND p.prosrc ~ 'newsroom\.[a-z_]*refusal\('
    LOOP
        -- The same name: bodies qualify their parameters with it (staff_add.login).
        inner_name := f.proname;
        EXECUTE format('ALTER FUNCTION desk.%I(%s) SET SCHEMA newsroom', inner_name, f.identity);
        EXECUTE format('ALTER FUNCTION newsroom.%I(%s) SECURITY INVOKER', inner_name, f.identity);
        EXECUTE format('ALTER FUNCTION newsroom.%I(%s) RESET ALL', inner_name, f.identity);
        wrapper := format($w$
            CREATE FUNCTION desk.%1$I(%2$s) RETURNS jsonb LANGUAGE plpgsql AS $body$
            DECLARE
                result jsonb;
            BEGIN
                BEGIN
                    result := newsroom.%3$I(%4$s);
                    IF result ? 'refused' THEN
                        RAISE EXCEPTION USING ERRCODE = 'NDRF0', DETAIL = result::text;
                    END IF;
                EXCEPTION WHEN SQLSTATE 'NDRF0' THEN
                    GET STACKED DIAGNOSTICS result = PG_EXCEPTION_DETAIL;
                    PERFORM newsroom.record_refusal(result);
                END;
                RETURN result;
            END
            $body$ $w$, f.proname, f.arguments, inner_name,
            (SELECT string_agg('$' || n, ', ') FROM generate_series(1, f.pronargs) n));
        EXECUTE wrapper;
    END LOOP;
END
$do$;

-- Every desk function: the owner's rights, a search path that finds the
-- catalog first and never a caller's temporary function or operator, and a
-- bounded wait for locks whatever the session set.
CREATE OR REPLACE PROCEDURE newsroom.secure_objects()
LANGUAGE plpgsql AS $$
DECLARE
    item record;
BEGIN
    ALTER SCHEMA newsroom OWNER TO newsdesk_owner;
    ALTER SCHEMA desk OWNER TO newsdesk_owner;
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
        WHERE n.nspname IN ('newsroom', 'desk')
          -- Functions of extensions (levenshtein) stay with their extension.
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO newsdesk_owner',
                       CASE WHEN item.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, item.name);
        IF item.nspname = 'desk' THEN
            EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = ''5s''',
                           item.name);
        END IF;
    END LOOP;
    REVOKE ALL ON SCHEMA newsroom FROM PUBLIC;
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA newsroom FROM PUBLIC;
    REVOKE ALL ON ALL PROCEDURES IN SCHEMA newsroom FROM PUBLIC;
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA desk FROM PUBLIC;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA newsroom TO newsdesk_owner;
    GRANT USAGE ON SCHEMA desk TO newsdesk_staff;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA desk TO newsdesk_staff;
END
$$;

CALL newsroom.secure_objects();

-- The audit_ddl function keeps its own rights (it is not in schema desk).
ALTER FUNCTION newsroom.audit_ddl() OWNER TO newsdesk_owner;
CREATE EVENT TRIGGER newsroom_ddl_is_recorded ON ddl_command_end EXECUTE FUNCTION newsroom.audit_ddl();
CREATE EVENT TRIGGER newsroom_drops_are_recorded ON sql_drop EXECUTE FUNCTION newsroom.audit_ddl();
