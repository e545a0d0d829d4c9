-- Live updates on published editions (SPEC §1, §2, §8): timestamped
-- entries, each version kept.

-- Readers see updates in the order they happened; a translated update keeps
-- its source's time, so it takes its place in the story even when
-- translated later. One query for the whole list, the time zone read once:
-- a live story has hundreds of updates, and a call per update (with its own
-- lookups of the edition, the author and the zone) cost 25 µs each.
-- The edition's updates that stand (or, `withdrawn`, those withdrawn), in
-- the edition's language and the newsroom's zone, which the caller has at
-- hand; for readers without the withdrawal reason (none stands withdrawn),
-- which staff's lists add (built without it rather than taken out after:
-- a fifth of a reader's list).
-- PL/pgSQL for its plan, as newsroom.edition_extras (Schema/subjects.sql).
CREATE OR REPLACE FUNCTION newsroom.updates_of(
    target bigint, lang text, zone text, withdrawn boolean, for_readers boolean
) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
        SELECT to_jsonb(ARRAY(
            SELECT CASE WHEN for_readers
                        THEN newsroom.update_json(u, lang, s.names, s.login, zone)
                        ELSE newsroom.staff_update_json(u, lang, s.names, s.login, zone) END
            FROM newsroom.live_update u LEFT JOIN newsroom.staff s ON s.login = u.author
            WHERE u.edition_id = target AND (u.withdrawn_at IS NOT NULL) = withdrawn
            ORDER BY u.posted_at, u.seq)));
END
$$;

-- One live update's document, as staff see it.
CREATE OR REPLACE FUNCTION newsroom.update_document(u newsroom.live_update) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
        SELECT newsroom.staff_update_json(u, e.lang, s.names, s.login, newsroom.timezone())
        FROM newsroom.edition e LEFT JOIN newsroom.staff s ON s.login = u.author
        WHERE e.id = u.edition_id);
END
$$;

-- The document's one shape as readers see it (newsroom.staff_update_json
-- adds the withdrawal reason), from the update and what it needs from
-- elsewhere: its edition's language, its author's staff names and login
-- (NULL without a staff row), the newsroom's time zone. Plain SQL, which the
-- planner inlines into the query that lists updates.
CREATE OR REPLACE FUNCTION newsroom.update_json(
    u newsroom.live_update, lang text, author_names jsonb, author_login text, zone text
) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', u.id, 'edition_id', u.edition_id, 'seq', u.seq, 'posted_at', newsroom.rfc3339(u.posted_at),
        'local_time', newsroom.local_time_in(u.posted_at, zone), 'kind', u.kind, 'key', u.key, 'author', u.author,
        'author_name', coalesce(author_names->>lang, author_names->>'en', author_login),
        'body', u.body, 'version', u.version, 'edited_at', newsroom.rfc3339(u.edited_at),
        'edited_local', newsroom.local_time_in(u.edited_at, zone), 'withdrawn_at', newsroom.rfc3339(u.withdrawn_at),
        'translation_of', u.translation_of)
$$;

-- The same as staff see it: with the withdrawal reason, which readers never get.
CREATE OR REPLACE FUNCTION newsroom.staff_update_json(
    u newsroom.live_update, lang text, author_names jsonb, author_login text, zone text
) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT newsroom.update_json(u, lang, author_names, author_login, zone)
        || jsonb_build_object('withdrawal_reason', u.withdrawal_reason)
$$;

-- A live update named by its id, or as EDITION#N (uk/kyivrada-sklykaie-sesiiu#2,
-- 17#2): its number within the edition, the one readers see on the page.
CREATE OR REPLACE FUNCTION newsroom.resolve_update(reference text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    found bigint;
BEGIN
    IF reference ~ '^[0-9]{1,18}$' THEN
        SELECT u.id INTO found FROM newsroom.live_update u WHERE u.id = reference::bigint;
    ELSIF reference ~ '^.+#[0-9]{1,9}$' THEN
        SELECT u.id INTO found FROM newsroom.live_update u
        WHERE u.edition_id = desk.resolve_edition(substring(reference FROM '^(.+)#[0-9]+$'))
          AND u.seq = substring(reference FROM '#([0-9]+)$')::integer;
    ELSE
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('update: "%s" is neither a live update id nor EDITION#N (such as uk/kyivrada-sklykaie-sesiiu#2).',
                             reference);
    END IF;
    IF found IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('There is no live update %s.', reference);
    END IF;
    RETURN found;
END
$$;

CREATE OR REPLACE FUNCTION newsroom.locked_update(reference text) RETURNS newsroom.live_update
LANGUAGE plpgsql AS $$
DECLARE
    target bigint := newsroom.resolve_update(reference);
    found_update newsroom.live_update;
BEGIN
    SELECT * INTO found_update FROM newsroom.live_update WHERE id = target FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        BEGIN
            SELECT * INTO found_update FROM newsroom.live_update WHERE id = target FOR UPDATE;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM newsroom.outwait('newsroom.live_update', format('Live update %s', reference));
            SELECT * INTO found_update FROM newsroom.live_update WHERE id = target FOR UPDATE;
        END;
    END IF;
    RETURN found_update;
END
$$;

-- `newsdesk update list`: every update of an edition, withdrawn ones included.
CREATE OR REPLACE FUNCTION desk.list_updates(reference text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('edition_id', target, 'updates',
        coalesce((SELECT jsonb_agg(newsroom.update_document(u) ORDER BY u.seq) FROM newsroom.live_update u
                  WHERE u.edition_id = target), '[]'))
    FROM desk.resolve_edition(reference) AS target
$$;

-- `newsdesk update history`: every version of one update.
CREATE OR REPLACE FUNCTION desk.update_history(reference text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    target bigint := newsroom.resolve_update(reference);
BEGIN
    RETURN jsonb_build_object('update_id', target, 'versions', (
        SELECT jsonb_agg(jsonb_build_object('version', r.version, 'kind', r.kind, 'body', r.body, 'key', r.key,
            'saved_at', newsroom.rfc3339(r.saved_at), 'local_time', newsroom.local_time(r.saved_at),
            'saved_by', r.saved_by, 'change', r.change, 'note', r.note) ORDER BY r.version)
        FROM newsroom.live_update_revision r WHERE r.update_id = target));
END
$$;

-- Live updates and translations: who posts where ---------------------------------------

-- `newsdesk update add`: appends an update to a published edition. Reporters
-- post on editions they are bylined on that are not translations (a
-- translation carries its source's byline; its updates are translated with
-- update translate); editors and admins on any.
CREATE OR REPLACE FUNCTION newsroom.add_update(
    reference text, body text, kind text DEFAULT 'update', key boolean DEFAULT false
) RETURNS jsonb
LANGUAGE plpgsql AS $$
#variable_conflict use_variable
DECLARE
    e newsroom.edition;
    added newsroom.live_update;
    document jsonb;
BEGIN
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
    INSERT INTO newsroom.live_update (story_id, edition_id, seq, kind, body, key)
    VALUES (e.story_id, e.id, e.update_count, kind::newsroom.update_kind, body, coalesce(key, false))
    RETURNING * INTO added;
    INSERT INTO newsroom.live_update_revision (story_id, update_id, version, kind, body, key, change)
    VALUES (added.story_id, added.id, 1, added.kind, added.body, added.key, 'add');
    document := newsroom.update_document(added);
    PERFORM newsroom.audit('update.add', e.story_id, e.id, added.id, jsonb_build_object('after', document - 'local_time'));
    RETURN document;
END
$$;
CALL newsroom.offer_at_desk('add_update');

-- Authors change their own updates — reporters theirs, translators the
-- translated updates they posted; editors and admins anyone's.
CREATE OR REPLACE FUNCTION newsroom.may_change_update(u newsroom.live_update) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT newsroom.actor_is('editor', 'admin')
        OR (u.author = session_user::text
            AND (newsroom.actor_is('reporter') OR (u.translation_of IS NOT NULL AND newsroom.actor_is('translator'))))
$$;

-- Why someone may not change an update.
CREATE OR REPLACE FUNCTION newsroom.update_refusal(action text, u newsroom.live_update, verb text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT newsroom.refusal(action, 'editor', CASE
        WHEN u.author = session_user::text
            THEN format('To %s update %s you need the reporter role (for your own updates) or the editor role.', verb, u.id)
        ELSE format('Update %s is %s''s: to %s it you need the editor role.', u.id, u.author, verb) END)
$$;

-- Saves the update's new state as its next version and records it.
CREATE OR REPLACE FUNCTION newsroom.save_update(u newsroom.live_update, change text, note text, action text, before jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition;
    document jsonb;
BEGIN
    UPDATE newsroom.live_update SET kind = u.kind, body = u.body, key = u.key, version = u.version,
        edited_at = u.edited_at, withdrawn_at = u.withdrawn_at, withdrawal_reason = u.withdrawal_reason
    WHERE id = u.id;
    INSERT INTO newsroom.live_update_revision (story_id, update_id, version, kind, body, key, change, note)
    VALUES (u.story_id, u.id, u.version, u.kind, u.body, u.key, change, note);
    -- A changed or withdrawn update is a public change of a published edition;
    -- a minor fix of one is silent (no "updated" for readers).
    UPDATE newsroom.edition SET updated_at = now() WHERE id = u.edition_id AND status = 'published' AND change <> 'minor';
    SELECT * INTO e FROM newsroom.edition WHERE id = u.edition_id;
    document := newsroom.update_document(u);
    PERFORM newsroom.audit(action, e.story_id, e.id, u.id,
        newsroom.changes(before, document - 'local_time' - 'edited_local')
            || jsonb_strip_nulls(jsonb_build_object('note', note, 'minor', CASE WHEN change = 'minor' THEN true END)));
    RETURN document;
END
$$;

CREATE OR REPLACE FUNCTION newsroom.edit_update(
    reference text, body text DEFAULT NULL, kind text DEFAULT NULL, minor boolean DEFAULT false
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    u newsroom.live_update := newsroom.locked_update(reference);
    before jsonb := newsroom.update_document(u) - 'local_time' - 'edited_local';
BEGIN
    IF NOT newsroom.may_change_update(u) THEN
        RETURN newsroom.update_refusal('update.edit', u, 'edit');
    END IF;
    IF u.withdrawn_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('Update %s was withdrawn; it cannot be edited.', u.id);
    END IF;
    IF kind IS NOT NULL AND kind NOT IN ('update', 'correction', 'clarification') THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = 'kind: must be update, correction or clarification.';
    END IF;
    u.body := coalesce(edit_update.body, u.body);
    u.kind := coalesce(edit_update.kind::newsroom.update_kind, u.kind);
    u.version := u.version + 1;
    -- A minor fix leaves the update's "edited" time as it was.
    u.edited_at := CASE WHEN edit_update.minor THEN u.edited_at ELSE now() END;
    RETURN newsroom.save_update(u, CASE WHEN edit_update.minor THEN 'minor' ELSE 'edit' END, NULL, 'update.edit', before);
END
$$;
CALL newsroom.offer_at_desk('edit_update');

CREATE OR REPLACE FUNCTION newsroom.withdraw_update(reference text, reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    u newsroom.live_update := newsroom.locked_update(reference);
    before jsonb := newsroom.update_document(u) - 'local_time' - 'edited_local';
BEGIN
    IF NOT newsroom.may_change_update(u) THEN
        RETURN newsroom.update_refusal('update.withdraw', u, 'withdraw');
    END IF;
    IF u.withdrawn_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('Update %s is already withdrawn.', u.id);
    END IF;
    u.version := u.version + 1;
    u.withdrawn_at := now();
    u.withdrawal_reason := reason;
    RETURN newsroom.save_update(u, 'withdraw', reason, 'update.withdraw', before);
END
$$;
CALL newsroom.offer_at_desk('withdraw_update');

-- `newsdesk update key|unkey`: pin an update as a key event, or unpin it.
CREATE OR REPLACE FUNCTION newsroom.set_update_key(reference text, key boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
#variable_conflict use_variable
DECLARE
    u newsroom.live_update := newsroom.locked_update(reference);
    before jsonb := newsroom.update_document(u) - 'local_time' - 'edited_local';
BEGIN
    IF NOT newsroom.may_change_update(u) THEN
        RETURN newsroom.update_refusal(CASE WHEN key THEN 'update.key' ELSE 'update.unkey' END, u,
                                       CASE WHEN key THEN 'pin' ELSE 'unpin' END);
    END IF;
    IF u.key = key THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('Update %s is %s a key event.', u.id, CASE WHEN key THEN 'already' ELSE 'not' END);
    END IF;
    u.key := key;
    u.version := u.version + 1;
    RETURN newsroom.save_update(u, CASE WHEN key THEN 'key' ELSE 'unkey' END, NULL,
                                CASE WHEN key THEN 'update.key' ELSE 'update.unkey' END, before);
END
$$;
CALL newsroom.offer_at_desk('set_update_key');

-- A withdrawn update stays as it was: it is neither pinned nor unpinned.
CREATE OR REPLACE FUNCTION newsroom.refuse_key_change_when_withdrawn() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('Update %s was withdrawn; it is no longer pinned or unpinned.', OLD.id);
END
$$;

-- History is never rewritten (newsroom.refuse_change, Schema/editions.sql).
CREATE OR REPLACE TRIGGER live_update_revision_is_immutable BEFORE UPDATE OR DELETE ON newsroom.live_update_revision
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_change();
CREATE OR REPLACE TRIGGER withdrawn_update_keeps_its_key BEFORE UPDATE ON newsroom.live_update
    FOR EACH ROW WHEN (OLD.withdrawn_at IS NOT NULL AND NEW.key IS DISTINCT FROM OLD.key)
    EXECUTE FUNCTION newsroom.refuse_key_change_when_withdrawn();
