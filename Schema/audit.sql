-- The audit log (SPEC §4): one hash-chained event per change, refusals
-- recorded without holding a lock, plain SQL, TRUNCATE and DDL recorded too,
-- and the readers of the log.

-- The bytes an event's hash covers. Each field is written as
-- "<byte length>:<UTF-8 text>;" in a fixed order; the time as microseconds
-- since 1970, so no TimeZone, DateStyle or extra_float_digits setting can
-- change them. newsdesk computes the same bytes to verify the chain.
-- PL/pgSQL for its plans, kept for the session (see newsroom.edition_extras).
CREATE OR REPLACE FUNCTION newsroom.audit_canonical(
    seq bigint, at timestamptz, actor text, action text, story_id bigint, edition_id bigint, update_id bigint,
    client text, detail jsonb
) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT convert_to(string_agg(octet_length(field)::text || ':' || field || ';', '' ORDER BY position), 'UTF8')
    FROM unnest(ARRAY[
        seq::text, (extract(epoch FROM at) * 1000000)::bigint::text, actor, action,
        coalesce(story_id::text, ''), coalesce(edition_id::text, ''), coalesce(update_id::text, ''),
        client, detail::text]) WITH ORDINALITY AS fields (field, position));
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

CREATE OR REPLACE FUNCTION newsroom.refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = 'The audit log is append-only: its events cannot be changed or removed.';
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
    -- An edition's search vectors are an index of its own text, rebuilt
    -- whenever the lexicon changes (a million editions at once). A write of
    -- them alone that makes them what the text gives is not recorded; one
    -- that makes them anything else (to hide an edition from search, or
    -- plant it under other words) is, like any change.
    vectors constant text[] := ARRAY['search', 'headline_search', 'lead_search'];
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'edition' AND old_row - vectors = new_row - vectors
       AND (SELECT v.search::text = new_row->>'search' AND v.headline::text = new_row->>'headline_search'
                   AND v.lead::text = new_row->>'lead_search'
            FROM newsroom.search_vectors(new_row->>'lang', new_row->>'headline', new_row->>'lead', new_row->>'body') v) THEN
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

-- Puts a table under the plain-SQL audit triggers. ENABLE ALWAYS: they fire
-- under session_replication_role = replica too.
--
-- The Ukrainian lexicon is reference data loaded in millions of rows at
-- once: each plain-SQL statement on it is recorded, not each row.
CREATE OR REPLACE PROCEDURE newsroom.watch(target regclass)
LANGUAGE plpgsql AS $$
DECLARE
    plain_sql constant text :=
        'WHEN (current_user <> ''newsdesk_owner'' OR NOT pg_catalog.pg_has_role(session_user, ''newsdesk_staff'', ''MEMBER''))';
BEGIN
    IF target IN ('newsroom.ukrainian_word_form'::regclass, 'newsroom.ukrainian_word_form_load'::regclass) THEN
        -- (A trigger with transition tables serves one event.)
        EXECUTE format('DROP TRIGGER IF EXISTS audit_plain_sql ON %s', target);
        EXECUTE format('CREATE OR REPLACE TRIGGER audit_plain_sql_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS added
                        FOR EACH STATEMENT %s EXECUTE FUNCTION newsroom.audit_plain_sql_statement()', target, plain_sql);
        EXECUTE format('CREATE OR REPLACE TRIGGER audit_plain_sql_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS removed NEW TABLE AS added
                        FOR EACH STATEMENT %s EXECUTE FUNCTION newsroom.audit_plain_sql_statement()', target, plain_sql);
        EXECUTE format('CREATE OR REPLACE TRIGGER audit_plain_sql_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS removed
                        FOR EACH STATEMENT %s EXECUTE FUNCTION newsroom.audit_plain_sql_statement()', target, plain_sql);
    ELSE
        EXECUTE format('CREATE OR REPLACE TRIGGER audit_plain_sql AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW %s
                        EXECUTE FUNCTION newsroom.audit_plain_sql()', target, plain_sql);
    END IF;
    EXECUTE format('CREATE OR REPLACE TRIGGER audit_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT
                    EXECUTE FUNCTION newsroom.audit_truncate()', target);
END
$$;

-- Records a plain-SQL statement on a table watched per statement: how many
-- rows it wrote, and the first 20 of them as they were and became.
CREATE OR REPLACE FUNCTION newsroom.audit_plain_sql_statement() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    detail jsonb := jsonb_build_object('table', TG_TABLE_NAME);
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        detail := detail || jsonb_build_object('rows', (SELECT count(*) FROM added),
            'after', (SELECT jsonb_agg(to_jsonb(a)) FROM (SELECT * FROM added LIMIT 20) a));
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        detail := detail || jsonb_build_object('rows', (SELECT count(*) FROM removed),
            'before', (SELECT jsonb_agg(to_jsonb(r)) FROM (SELECT * FROM removed LIMIT 20) r));
    END IF;
    PERFORM newsroom.audit('sql.' || lower(TG_OP), NULL, NULL, NULL, detail);
    RETURN NULL;
END
$$;

-- Records a refusal when the actor may not read the audit log; '{}' when
-- they may, after chaining the pending refusals, so the log read next is
-- whole. (newsdesk calls this before reading the log.)
CREATE OR REPLACE FUNCTION newsroom.audit_access() RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT newsroom.actor_is('editor', 'admin') THEN
        RETURN newsroom.refusal('audit.read', 'editor', 'Reading the audit log needs the editor or admin role.');
    END IF;
    PERFORM newsroom.settle_audit();
    RETURN '{}'::jsonb;
END
$$;
CALL newsroom.offer_at_desk('audit_access', keyed => false);

-- `newsdesk audit`: events matching every filter given, oldest first, the newest `max_events`.
CREATE OR REPLACE FUNCTION newsroom.audit_events(
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
    -- A filter that can match nothing is a typo, not an empty log: say so,
    -- and for an action list the ones the log holds (a walk of its index).
    IF audit_events.action IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM newsroom.audit_event e WHERE e.action = audit_events.action) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('action: no event in the log is "%s"; it holds %s.',
            audit_events.action, (
                WITH RECURSIVE kinds (action) AS (
                    SELECT min(e.action) FROM newsroom.audit_event e
                    UNION ALL
                    SELECT (SELECT min(e.action) FROM newsroom.audit_event e WHERE e.action > k.action)
                    FROM kinds k WHERE k.action IS NOT NULL)
                SELECT coalesce(string_agg(k.action, ', '), 'no events yet') FROM kinds k WHERE k.action IS NOT NULL));
    END IF;
    IF audit_events.actor IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM newsroom.staff s WHERE s.login = audit_events.actor)
       AND NOT EXISTS (SELECT 1 FROM newsroom.audit_event e WHERE e.actor = audit_events.actor) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format(
            'actor: there is no staff login "%s", and no event by it; see newsdesk staff list.', audit_events.actor);
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
CALL newsroom.offer_at_desk('audit_events', keyed => false);

-- The whole chain, for `newsdesk audit verify` to recompute on its side.
CREATE OR REPLACE FUNCTION desk.audit_chain()
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

CREATE OR REPLACE FUNCTION desk.audit_head() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('seq', seq, 'hash', encode(hash, 'hex')) FROM newsroom.audit_head
$$;

-- TRUNCATE removes rows without row triggers: recorded per statement.
CREATE OR REPLACE FUNCTION newsroom.audit_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM newsroom.audit('sql.truncate', NULL, NULL, NULL, jsonb_build_object('table', TG_TABLE_NAME));
    RETURN NULL;
END
$$;

-- DDL on the newsroom's schemas: each command recorded as sql.ddl. The
-- migrations `newsdesk db migrate` applies (a superuser holding the
-- migration lock) are not: the schema_migration table records those.
CREATE OR REPLACE FUNCTION newsroom.audit_ddl() RETURNS event_trigger
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
                       WHERE d.schema_name IN ('newsroom', 'desk', 'site', 'logins') AND d.original LOOP
            PERFORM newsroom.audit('sql.ddl', NULL, NULL, NULL, jsonb_build_object(
                'command', 'DROP ' || upper(command.object_type), 'object', command.object_identity));
        END LOOP;
    ELSE
        FOR command IN SELECT c.command_tag, c.object_identity FROM pg_catalog.pg_event_trigger_ddl_commands() c
                       WHERE c.schema_name IN ('newsroom', 'desk', 'site', 'logins') LOOP
            PERFORM newsroom.audit('sql.ddl', NULL, NULL, NULL, jsonb_build_object(
                'command', command.command_tag, 'object', command.object_identity));
        END LOOP;
    END IF;
END
$$;

-- Records a refusal as newsroom.refusal() returned it. At most 100 of one
-- login's refusals wait to be chained: a flood of refused calls cannot grow
-- the backlog that the next writer must chain while holding the log's head.
-- Beyond that a refused call fails, unrecorded, until the backlog is chained.
CREATE OR REPLACE FUNCTION newsroom.record_refusal(refused jsonb) RETURNS void
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
CREATE OR REPLACE FUNCTION newsroom.chain_pending(head newsroom.audit_head) RETURNS newsroom.audit_head
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
CREATE OR REPLACE FUNCTION newsroom.take_audit_head() RETURNS newsroom.audit_head
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

-- Chains the pending refusals now, if there are any: before the log is read.
CREATE OR REPLACE FUNCTION newsroom.settle_audit() RETURNS void
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

-- The log cannot be changed ---------------------------------------------------------------

CREATE OR REPLACE TRIGGER audit_event_is_append_only BEFORE UPDATE OR DELETE ON newsroom.audit_event
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_audit_change();
CREATE OR REPLACE TRIGGER audit_event_is_not_truncated BEFORE TRUNCATE ON newsroom.audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.refuse_audit_change();
CREATE OR REPLACE TRIGGER audit_head_is_not_truncated BEFORE TRUNCATE ON newsroom.audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.refuse_audit_change();
CREATE OR REPLACE TRIGGER audit_pending_is_not_changed BEFORE UPDATE ON newsroom.audit_pending
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_audit_change();
CREATE OR REPLACE TRIGGER audit_pending_is_not_truncated BEFORE TRUNCATE ON newsroom.audit_pending
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.refuse_audit_change();

-- Every table of the newsroom but the log itself is watched.
DO $$
DECLARE
    watched regclass;
BEGIN
    FOR watched IN
        SELECT c.oid::regclass FROM pg_class c
        WHERE c.relnamespace = 'newsroom'::regnamespace AND c.relkind IN ('r', 'p')
          AND c.relname NOT IN ('audit_event', 'audit_head', 'audit_pending')
    LOOP
        CALL newsroom.watch(watched);
    END LOOP;
END
$$;

-- DDL is recorded whoever runs it (an event trigger has no CREATE OR REPLACE).
ALTER FUNCTION newsroom.audit_ddl() OWNER TO newsdesk_owner;
DROP EVENT TRIGGER IF EXISTS newsroom_ddl_is_recorded;
CREATE EVENT TRIGGER newsroom_ddl_is_recorded ON ddl_command_end EXECUTE FUNCTION newsroom.audit_ddl();
DROP EVENT TRIGGER IF EXISTS newsroom_drops_are_recorded;
CREATE EVENT TRIGGER newsroom_drops_are_recorded ON sql_drop EXECUTE FUNCTION newsroom.audit_ddl();
