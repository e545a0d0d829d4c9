-- Staff, who may do what, and the audit log (SPEC §3, §4).
--
-- Design: the newsroom's tables (schema newsroom) belong to the NOLOGIN role
-- newsdesk_owner, and nobody else has any right on them. People act only
-- through the functions in schema desk, which run as the owner (SECURITY
-- DEFINER), check the SPEC §3 matrix against the acting login (session_user,
-- never a value the client sends) and write one audit event per action in
-- the same transaction. A person with psql and their own login can call the
-- same functions, under the same rules, and nothing else.

CREATE SCHEMA newsroom;
COMMENT ON SCHEMA newsroom IS 'The newsroom''s tables; reachable only through the functions in schema desk.';
CREATE SCHEMA desk;
COMMENT ON SCHEMA desk IS 'The actions of the newsroom: one function each, checked and audited by the database.';

ALTER TABLE public.newsroom_setting SET SCHEMA newsroom;
ALTER TABLE public.language SET SCHEMA newsroom;

-- Time and text helpers ------------------------------------------------------------------

CREATE FUNCTION newsroom.timezone() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT value FROM newsroom.newsroom_setting WHERE key = 'timezone'), 'Europe/Kyiv')
$$;

-- RFC 3339 in UTC, whatever the session's TimeZone and DateStyle; microseconds
-- only when there are any.
CREATE FUNCTION newsroom.rfc3339(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN t IS NULL THEN NULL
        WHEN date_trunc('second', t) = t THEN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        ELSE to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    END
$$;

-- The newsroom-local wall time of an instant, as readers see it:
-- {"text": "2023-10-26 16:43", "weekday": 4} (ISO weekday, Monday = 1).
CREATE FUNCTION newsroom.local_time(t timestamptz) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN t IS NULL THEN NULL ELSE jsonb_build_object(
        'text', to_char(t AT TIME ZONE newsroom.timezone(), 'YYYY-MM-DD HH24:MI'),
        'weekday', extract(isodow FROM t AT TIME ZONE newsroom.timezone())::int)
    END
$$;

-- '+03:00' for an interval of three hours.
CREATE FUNCTION newsroom.offset_text(shift interval) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN shift < interval '0' THEN '-' ELSE '+' END
        || lpad(abs(extract(hour FROM shift))::int::text, 2, '0') || ':'
        || lpad(abs(extract(minute FROM shift))::int::text, 2, '0')
$$;

-- A TIME argument: an RFC 3339 instant with an offset, or a newsroom-local
-- 'YYYY-MM-DD HH:MM' that exists exactly once (not skipped or repeated by a
-- daylight-saving change).
CREATE FUNCTION desk.parse_time(input text, field text DEFAULT 'time') RETURNS timestamptz
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
    IF input ~ '^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}(:?\d{2})?)$' THEN
        BEGIN
            RETURN input::timestamptz;
        EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('%s: "%s" is not a real date and time.', field, input);
        END;
    END IF;
    IF input !~ '^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}$' THEN
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

-- Roles are shared by every database of a cluster, so they are created only
-- when missing.
-- Another database of the cluster may be creating them at this moment.
DO $$
BEGIN
    BEGIN
        -- Owns everything; creates the staff's login roles. Nobody logs in as it.
        CREATE ROLE newsdesk_owner NOLOGIN CREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
    END;
    BEGIN
        -- Every person's login is a member: it may call the desk functions, nothing more.
        CREATE ROLE newsdesk_staff NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
    END;
END
$$;

-- Staff ------------------------------------------------------------------------

CREATE TABLE newsroom.staff (
    login      text PRIMARY KEY CHECK (login ~ '^[a-z_][a-z0-9_]{0,62}$'),
    names      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(names) = 'object'),
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE newsroom.staff IS 'People of the newsroom; each is a PostgreSQL login role of the same name.';

CREATE TABLE newsroom.staff_role (
    login text NOT NULL REFERENCES newsroom.staff,
    role  text NOT NULL CHECK (role IN ('reporter', 'translator', 'editor', 'admin')),
    PRIMARY KEY (login, role)
);

-- The roles of whoever is acting. Superusers and members of newsdesk_owner
-- are the system's operators and hold every role.
CREATE FUNCTION newsroom.actor_roles() RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = session_user)
             OR pg_catalog.pg_has_role(session_user, 'newsdesk_owner', 'MEMBER')
        THEN ARRAY['reporter', 'translator', 'editor', 'admin']
        ELSE coalesce((SELECT array_agg(r.role ORDER BY r.role)
                       FROM newsroom.staff s JOIN newsroom.staff_role r ON r.login = s.login
                       WHERE s.login = session_user::text AND s.active), '{}')
    END
$$;

-- Whether the actor holds any of `roles`.
CREATE FUNCTION newsroom.actor_is(VARIADIC roles text[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT newsroom.actor_roles() && roles
$$;

-- The audit log -------------------------------------------------------------------

CREATE TABLE newsroom.audit_event (
    seq        bigint PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    story_id   bigint,
    edition_id bigint,
    update_id  bigint,
    detail     jsonb NOT NULL DEFAULT '{}',
    client     text NOT NULL DEFAULT '',
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL
);
CREATE INDEX audit_event_by_story ON newsroom.audit_event (story_id, seq);
CREATE INDEX audit_event_by_actor ON newsroom.audit_event (actor, seq);
CREATE INDEX audit_event_by_action ON newsroom.audit_event (action, seq);
CREATE INDEX audit_event_by_time ON newsroom.audit_event (at);
COMMENT ON TABLE newsroom.audit_event IS
    'One row per change, hash-chained: hash = sha256(prev_hash || canonical encoding of the row). Append-only.';

-- The newest event: appends lock this row, so concurrent writers take turns
-- and the chain never forks; seq has no gaps.
CREATE TABLE newsroom.audit_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq       bigint NOT NULL,
    hash      bytea NOT NULL
);
INSERT INTO newsroom.audit_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- The bytes an event's hash covers. Each field is written as
-- "<byte length>:<UTF-8 text>;" in a fixed order; the time as microseconds
-- since 1970, so no TimeZone, DateStyle or extra_float_digits setting can
-- change them. newsdesk computes the same bytes to verify the chain.
CREATE FUNCTION newsroom.audit_canonical(
    seq bigint, at timestamptz, actor text, action text, story_id bigint, edition_id bigint, update_id bigint,
    client text, detail jsonb
) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT convert_to(string_agg(octet_length(field)::text || ':' || field || ';', '' ORDER BY position), 'UTF8')
    FROM unnest(ARRAY[
        seq::text, (extract(epoch FROM at) * 1000000)::bigint::text, actor, action,
        coalesce(story_id::text, ''), coalesce(edition_id::text, ''), coalesce(update_id::text, ''),
        client, detail::text]) WITH ORDINALITY AS fields (field, position)
$$;

-- Appends one event to the chain and returns its seq.
CREATE FUNCTION newsroom.audit(action text, story bigint, edition bigint, live_update bigint, detail jsonb)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    head newsroom.audit_head;
    next_seq bigint;
    happened timestamptz := now();
    who text := session_user::text;
    client text := coalesce(current_setting('application_name', true), '');
    body jsonb := coalesce(detail, '{}');
    digest bytea;
BEGIN
    SELECT * INTO head FROM newsroom.audit_head FOR UPDATE;
    next_seq := head.seq + 1;
    digest := sha256(head.hash || newsroom.audit_canonical(next_seq, happened, who, action, story, edition, live_update, client, body));
    INSERT INTO newsroom.audit_event (seq, at, actor, action, story_id, edition_id, update_id, detail, client, prev_hash, hash)
    VALUES (next_seq, happened, who, action, story, edition, live_update, body, client, head.hash, digest);
    UPDATE newsroom.audit_head SET seq = next_seq, hash = digest;
    RETURN next_seq;
END
$$;

-- A refused action: recorded (the transaction commits), and returned as
-- {"refused": {...}} instead of being carried out.
CREATE FUNCTION newsroom.refusal(action text, needs text, message text, story bigint DEFAULT NULL, edition bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM newsroom.audit('refused', story, edition, NULL,
        jsonb_build_object('attempted', action, 'needs', needs, 'roles', to_jsonb(newsroom.actor_roles())));
    RETURN jsonb_build_object('refused', jsonb_build_object('action', action, 'needs', needs, 'message', message));
END
$$;

CREATE FUNCTION newsroom.refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = 'The audit log is append-only: its events cannot be changed or removed.';
END
$$;
CREATE TRIGGER audit_event_is_append_only BEFORE UPDATE OR DELETE ON newsroom.audit_event
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_audit_change();
CREATE TRIGGER audit_event_is_not_truncated BEFORE TRUNCATE ON newsroom.audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.refuse_audit_change();

-- Changes made with plain SQL (by an operator, outside the desk functions)
-- are recorded too, as sql.insert / sql.update / sql.delete. Runs with the
-- rights of whoever made the change: inside a desk function that is the
-- owner, whose action is already recorded.
CREATE FUNCTION newsroom.audit_plain_sql() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
    row_data jsonb := coalesce(new_row, old_row);
BEGIN
    IF current_user::text = 'newsdesk_owner' THEN
        RETURN NULL;
    END IF;
    PERFORM newsroom.audit('sql.' || lower(TG_OP),
        CASE WHEN TG_TABLE_NAME = 'story' THEN (row_data->>'id')::bigint ELSE (row_data->>'story_id')::bigint END,
        CASE WHEN TG_TABLE_NAME = 'edition' THEN (row_data->>'id')::bigint ELSE (row_data->>'edition_id')::bigint END,
        NULL,
        jsonb_build_object('table', TG_TABLE_NAME, 'before', old_row, 'after', new_row));
    RETURN NULL;
END
$$;

-- Puts a table under the plain-SQL audit trigger.
CREATE PROCEDURE newsroom.watch(target regclass)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER audit_plain_sql AFTER INSERT OR UPDATE OR DELETE ON %s
                    FOR EACH ROW EXECUTE FUNCTION newsroom.audit_plain_sql()', target);
END
$$;

CALL newsroom.watch('newsroom.staff');
CALL newsroom.watch('newsroom.staff_role');
CALL newsroom.watch('newsroom.newsroom_setting');
CALL newsroom.watch('newsroom.language');

-- Hands every object to newsdesk_owner, makes the desk functions run as it,
-- and lets staff call them and nothing else. Each migration ends with it.
CREATE PROCEDURE newsroom.secure_objects()
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
        WHERE n.nspname = 'newsroom' AND t.typtype IN ('e', 'd')
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
            EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp', item.name);
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

-- Staff actions ---------------------------------------------------------------------

CREATE FUNCTION newsroom.staff_document(person text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'login', s.login, 'names', s.names, 'active', s.active,
        'roles', coalesce((SELECT jsonb_agg(r.role ORDER BY r.role) FROM newsroom.staff_role r WHERE r.login = s.login), '[]'),
        'created_at', newsroom.rfc3339(s.created_at))
    FROM newsroom.staff s WHERE s.login = person
$$;

CREATE FUNCTION newsroom.check_roles(roles text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF roles IS NULL OR cardinality(roles) = 0 OR NOT roles <@ ARRAY['reporter', 'translator', 'editor', 'admin'] THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('role: %s is not a newsroom role; the roles are reporter, translator, editor and admin.',
                             coalesce(array_to_string(roles, ', '), 'nothing'));
    END IF;
END
$$;

CREATE FUNCTION newsroom.staff_member(person text) RETURNS newsroom.staff
LANGUAGE plpgsql AS $$
DECLARE
    member newsroom.staff;
BEGIN
    SELECT * INTO member FROM newsroom.staff WHERE login = person FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('%s is not on the staff.', person);
    END IF;
    RETURN member;
END
$$;

-- `newsdesk staff add`: a login role for the person, and their staff record.
CREATE FUNCTION desk.staff_add(login text, roles text[], names jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    existing pg_catalog.pg_roles;
BEGIN
    IF NOT newsroom.actor_is('admin') THEN
        RETURN newsroom.refusal('staff.add', 'admin', 'Adding staff needs the admin role.');
    END IF;
    IF login !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('login: "%s" must be lower-case Latin letters, digits and _ (up to 63), starting with a letter.', login);
    END IF;
    PERFORM newsroom.check_roles(roles);
    IF EXISTS (SELECT 1 FROM newsroom.staff s WHERE s.login = staff_add.login) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('%s is already on the staff; use staff grant to add a role.', login);
    END IF;
    SELECT * INTO existing FROM pg_catalog.pg_roles r WHERE r.rolname = staff_add.login;
    IF FOUND AND (existing.rolsuper OR existing.rolbypassrls OR existing.rolcreaterole OR existing.rolname LIKE 'newsdesk\_%') THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('login: %s is a database administrator''s role; staff log in with roles of their own.', login);
    END IF;
    -- Login roles belong to the whole cluster: another newsroom database may
    -- be creating the same one at this moment.
    BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', login);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
    END;
    -- Change the shared catalogs only where needed.
    IF NOT (SELECT rolcanlogin FROM pg_catalog.pg_roles r WHERE r.rolname = staff_add.login) THEN
        EXECUTE format('ALTER ROLE %I LOGIN', login);
    END IF;
    IF NOT pg_catalog.pg_has_role(login, 'newsdesk_staff', 'MEMBER') THEN
        EXECUTE format('GRANT newsdesk_staff TO %I', login);
    END IF;
    INSERT INTO newsroom.staff (login, names) VALUES (staff_add.login, coalesce(names, '{}'));
    INSERT INTO newsroom.staff_role (login, role) SELECT staff_add.login, r FROM unnest(roles) AS r ON CONFLICT DO NOTHING;
    PERFORM newsroom.audit('staff.add', NULL, NULL, NULL, jsonb_build_object('after', newsroom.staff_document(login)));
    RETURN newsroom.staff_document(login);
END
$$;

CREATE FUNCTION desk.staff_grant(login text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    before jsonb;
BEGIN
    IF NOT newsroom.actor_is('admin') THEN
        RETURN newsroom.refusal('staff.grant', 'admin', 'Granting roles needs the admin role.');
    END IF;
    PERFORM newsroom.check_roles(ARRAY[role]);
    PERFORM newsroom.staff_member(login);
    before := newsroom.staff_document(login);
    INSERT INTO newsroom.staff_role (login, role) VALUES (staff_grant.login, staff_grant.role) ON CONFLICT DO NOTHING;
    PERFORM newsroom.audit('staff.grant', NULL, NULL, NULL,
        jsonb_build_object('before', before, 'after', newsroom.staff_document(login)));
    RETURN newsroom.staff_document(login);
END
$$;

CREATE FUNCTION desk.staff_revoke(login text, role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    before jsonb;
BEGIN
    IF NOT newsroom.actor_is('admin') THEN
        RETURN newsroom.refusal('staff.revoke', 'admin', 'Revoking roles needs the admin role.');
    END IF;
    PERFORM newsroom.check_roles(ARRAY[role]);
    PERFORM newsroom.staff_member(login);
    before := newsroom.staff_document(login);
    DELETE FROM newsroom.staff_role r WHERE r.login = staff_revoke.login AND r.role = staff_revoke.role;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('%s does not have the %s role.', login, role);
    END IF;
    PERFORM newsroom.audit('staff.revoke', NULL, NULL, NULL,
        jsonb_build_object('before', before, 'after', newsroom.staff_document(login)));
    RETURN newsroom.staff_document(login);
END
$$;

-- Someone leaves: their login stops working, their work and history stay.
CREATE FUNCTION desk.staff_deactivate(login text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    member newsroom.staff;
BEGIN
    IF NOT newsroom.actor_is('admin') THEN
        RETURN newsroom.refusal('staff.deactivate', 'admin', 'Deactivating staff needs the admin role.');
    END IF;
    member := newsroom.staff_member(login);
    IF NOT member.active THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('%s is already deactivated.', login);
    END IF;
    UPDATE newsroom.staff s SET active = false WHERE s.login = staff_deactivate.login;
    EXECUTE format('ALTER ROLE %I NOLOGIN', login);
    PERFORM newsroom.audit('staff.deactivate', NULL, NULL, NULL, jsonb_build_object('login', login));
    RETURN newsroom.staff_document(login);
END
$$;

CREATE FUNCTION desk.staff_list() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('staff', coalesce(jsonb_agg(newsroom.staff_document(login) ORDER BY login), '[]'))
    FROM newsroom.staff
$$;

-- Who is acting, and as what.
CREATE FUNCTION desk.whoami() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('login', session_user::text, 'roles', to_jsonb(newsroom.actor_roles()))
$$;

-- Reading the audit log -----------------------------------------------------------------

-- Records a refusal when the actor may not read the audit log; '{}' when they may.
CREATE FUNCTION desk.audit_access() RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT newsroom.actor_is('editor', 'admin') THEN
        RETURN newsroom.refusal('audit.read', 'editor', 'Reading the audit log needs the editor or admin role.');
    END IF;
    RETURN '{}';
END
$$;

-- `newsdesk audit`: events matching every filter given, oldest first, the newest `max_events`.
CREATE FUNCTION desk.audit_events(
    story bigint DEFAULT NULL, actor text DEFAULT NULL, action text DEFAULT NULL, since text DEFAULT NULL,
    max_events integer DEFAULT 100
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    starting timestamptz := desk.parse_time(since, 'since');
    result jsonb;
BEGIN
    IF NOT newsroom.actor_is('editor', 'admin') THEN
        RETURN newsroom.refusal('audit.read', 'editor', 'Reading the audit log needs the editor or admin role.');
    END IF;
    SELECT jsonb_build_object('events', coalesce(jsonb_agg(jsonb_build_object(
        'seq', e.seq, 'at', newsroom.rfc3339(e.at), 'local_time', newsroom.local_time(e.at), 'actor', e.actor,
        'action', e.action, 'story_id', e.story_id, 'edition_id', e.edition_id, 'update_id', e.update_id,
        'detail', e.detail, 'client', e.client, 'hash', encode(e.hash, 'hex')) ORDER BY e.seq), '[]'))
    INTO result
    FROM (SELECT * FROM newsroom.audit_event e
          WHERE (audit_events.story IS NULL OR e.story_id = audit_events.story)
            AND (audit_events.actor IS NULL OR e.actor = audit_events.actor)
            AND (audit_events.action IS NULL OR e.action = audit_events.action)
            AND (starting IS NULL OR e.at >= starting)
          ORDER BY e.seq DESC LIMIT greatest(max_events, 0)) e;
    RETURN result;
END
$$;

-- The whole chain, for `newsdesk audit verify` to recompute on its side.
CREATE FUNCTION desk.audit_chain()
RETURNS TABLE (seq bigint, at_micros bigint, actor text, action text, story_id bigint, edition_id bigint,
               update_id bigint, client text, detail text, prev_hash bytea, hash bytea)
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT newsroom.actor_is('editor', 'admin') THEN
        RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'Reading the audit log needs the editor or admin role.';
    END IF;
    RETURN QUERY
        SELECT e.seq, (extract(epoch FROM e.at) * 1000000)::bigint, e.actor, e.action, e.story_id, e.edition_id,
               e.update_id, e.client, e.detail::text, e.prev_hash, e.hash
        FROM newsroom.audit_event e ORDER BY e.seq;
END
$$;

CREATE FUNCTION desk.audit_head() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('seq', seq, 'hash', encode(hash, 'hex')) FROM newsroom.audit_head
$$;

CALL newsroom.secure_objects();
