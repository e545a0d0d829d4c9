-- Live updates on published editions (SPEC §1, §2, §8), and idempotency keys
-- for commands that a client may have to repeat after losing its connection.

CREATE TYPE newsroom.update_kind AS ENUM ('update', 'correction', 'clarification');

-- Counts an edition's updates; appending locks the edition row, so seq is
-- gapless and updates commit in seq order.
ALTER TABLE newsroom.edition ADD COLUMN update_count integer NOT NULL DEFAULT 0;

CREATE TABLE newsroom.live_update (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    edition_id        bigint NOT NULL REFERENCES newsroom.edition,
    seq               integer NOT NULL CHECK (seq >= 1),
    posted_at         timestamptz NOT NULL DEFAULT now(),
    author            text NOT NULL DEFAULT session_user,
    kind              newsroom.update_kind NOT NULL DEFAULT 'update',
    body              text NOT NULL CHECK (body <> '' AND octet_length(body) <= 65536),
    key               boolean NOT NULL DEFAULT false,
    version           integer NOT NULL DEFAULT 1,
    edited_at         timestamptz,
    withdrawn_at      timestamptz,
    withdrawal_reason text,
    CONSTRAINT live_update_seq_unique UNIQUE (edition_id, seq)
);
COMMENT ON TABLE newsroom.live_update IS 'Timestamped entries appended to a published edition; seq is 1, 2, 3 … per edition.';

-- Every version of every update: edits and withdrawals keep the earlier text.
CREATE TABLE newsroom.live_update_revision (
    update_id bigint NOT NULL REFERENCES newsroom.live_update,
    version   integer NOT NULL,
    kind      newsroom.update_kind NOT NULL,
    body      text NOT NULL,
    key       boolean NOT NULL,
    saved_at  timestamptz NOT NULL DEFAULT now(),
    saved_by  text NOT NULL DEFAULT session_user,
    change    text NOT NULL CHECK (change IN ('add', 'edit', 'withdraw', 'key', 'unkey')),
    note      text,
    PRIMARY KEY (update_id, version)
);
CREATE TRIGGER live_update_revision_is_immutable BEFORE UPDATE OR DELETE ON newsroom.live_update_revision
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_change();

-- A command repeated with the same --idempotency-key happens once: the first
-- run stores its result, later runs with the same request get it back.
CREATE TABLE newsroom.idempotency (
    actor      text NOT NULL,
    key        text NOT NULL CHECK (key <> '' AND octet_length(key) <= 200),
    action     text NOT NULL,
    request    text NOT NULL,
    response   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);

-- Claims `key` for this request. Returns the stored result when the same
-- request already ran (a concurrent first run is waited for), NULL when this
-- run is the first; refuses the same key with a different request.
CREATE FUNCTION newsroom.claim_idempotency(key text, action text, request jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    fingerprint text := encode(sha256(convert_to(action || ':' || request::text, 'UTF8')), 'hex');
    existing newsroom.idempotency;
BEGIN
    IF key IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO newsroom.idempotency (actor, key, action, request)
    VALUES (session_user::text, claim_idempotency.key, claim_idempotency.action, fingerprint)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    SELECT * INTO existing FROM newsroom.idempotency i WHERE i.actor = session_user::text AND i.key = claim_idempotency.key;
    IF existing.request <> fingerprint THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('The idempotency key "%s" was already used for a different request (%s); use a new key for new content.',
                             key, existing.action);
    END IF;
    RETURN existing.response;
END
$$;

CREATE FUNCTION newsroom.remember_idempotency(key text, response jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    UPDATE newsroom.idempotency i SET response = remember_idempotency.response
    WHERE i.actor = session_user::text AND i.key = remember_idempotency.key;
    SELECT response
$$;

-- Reading ------------------------------------------------------------------------

CREATE FUNCTION newsroom.update_document(u newsroom.live_update) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', u.id, 'edition_id', u.edition_id, 'seq', u.seq, 'posted_at', newsroom.rfc3339(u.posted_at),
        'local_time', newsroom.local_time(u.posted_at), 'kind', u.kind, 'key', u.key, 'author', u.author,
        'author_name', (SELECT coalesce(s.names->>e.lang, s.names->>'en', s.login) FROM newsroom.staff s WHERE s.login = u.author),
        'body', u.body, 'version', u.version, 'edited_at', newsroom.rfc3339(u.edited_at),
        'edited_local', newsroom.local_time(u.edited_at), 'withdrawn_at', newsroom.rfc3339(u.withdrawn_at),
        'withdrawal_reason', u.withdrawal_reason, 'translation_of', NULL)
    FROM newsroom.edition e WHERE e.id = u.edition_id
$$;

-- What readers see: every update not withdrawn, in seq order.
CREATE OR REPLACE FUNCTION newsroom.edition_updates(target bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(newsroom.update_document(u) ORDER BY u.seq), '[]')
    FROM newsroom.live_update u WHERE u.edition_id = target AND u.withdrawn_at IS NULL
$$;

CREATE FUNCTION newsroom.locked_update(reference text) RETURNS newsroom.live_update
LANGUAGE plpgsql AS $$
DECLARE
    found_update newsroom.live_update;
BEGIN
    IF reference !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('update: "%s" is not a live update id.', reference);
    END IF;
    SELECT * INTO found_update FROM newsroom.live_update WHERE id = reference::bigint FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('There is no live update %s.', reference);
    END IF;
    RETURN found_update;
END
$$;

-- `newsdesk update list`: every update of an edition, withdrawn ones included.
CREATE FUNCTION desk.list_updates(reference text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('edition_id', target, 'updates',
        coalesce((SELECT jsonb_agg(newsroom.update_document(u) ORDER BY u.seq) FROM newsroom.live_update u
                  WHERE u.edition_id = target), '[]'))
    FROM desk.resolve_edition(reference) AS target
$$;

-- `newsdesk update history`: every version of one update.
CREATE FUNCTION desk.update_history(reference text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    target bigint;
BEGIN
    IF reference !~ '^[0-9]{1,18}$' OR NOT EXISTS (SELECT 1 FROM newsroom.live_update WHERE id = reference::bigint) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('There is no live update %s.', reference);
    END IF;
    target := reference::bigint;
    RETURN jsonb_build_object('update_id', target, 'versions', (
        SELECT jsonb_agg(jsonb_build_object('version', r.version, 'kind', r.kind, 'body', r.body, 'key', r.key,
            'saved_at', newsroom.rfc3339(r.saved_at), 'local_time', newsroom.local_time(r.saved_at),
            'saved_by', r.saved_by, 'change', r.change, 'note', r.note) ORDER BY r.version)
        FROM newsroom.live_update_revision r WHERE r.update_id = target));
END
$$;

-- Writing ------------------------------------------------------------------------

-- `newsdesk update add`: appends an update to a published edition.
CREATE FUNCTION desk.add_update(
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
            OR (newsroom.actor_is('reporter') AND session_user::text = ANY (e.bylines))) THEN
        RETURN newsroom.refusal('update.add', 'reporter', format(
            'Adding an update to %s/%s needs your name on its byline as a reporter, or the editor role.', e.lang, e.slug),
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

-- Authors change their own updates; editors and admins anyone's.
CREATE FUNCTION newsroom.may_change_update(u newsroom.live_update) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT newsroom.actor_is('editor', 'admin') OR (newsroom.actor_is('reporter') AND u.author = session_user::text)
$$;

-- Why someone may not change an update.
CREATE FUNCTION newsroom.update_refusal(action text, u newsroom.live_update, verb text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT newsroom.refusal(action, 'editor', CASE
        WHEN u.author = session_user::text
            THEN format('To %s update %s you need the reporter role (for your own updates) or the editor role.', verb, u.id)
        ELSE format('Update %s is %s''s: to %s it you need the editor role.', u.id, u.author, verb) END)
$$;

-- Saves the update's new state as its next version and records it.
CREATE FUNCTION newsroom.save_update(u newsroom.live_update, change text, note text, action text, before jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition;
    document jsonb;
BEGIN
    UPDATE newsroom.live_update SET kind = u.kind, body = u.body, key = u.key, version = u.version,
        edited_at = u.edited_at, withdrawn_at = u.withdrawn_at, withdrawal_reason = u.withdrawal_reason
    WHERE id = u.id;
    INSERT INTO newsroom.live_update_revision (update_id, version, kind, body, key, change, note)
    VALUES (u.id, u.version, u.kind, u.body, u.key, change, note);
    -- A changed or withdrawn update is a public change of a published edition.
    UPDATE newsroom.edition SET updated_at = now() WHERE id = u.edition_id AND status = 'published';
    SELECT * INTO e FROM newsroom.edition WHERE id = u.edition_id;
    document := newsroom.update_document(u);
    PERFORM newsroom.audit(action, e.story_id, e.id, u.id,
        newsroom.changes(before, document - 'local_time' - 'edited_local') || jsonb_strip_nulls(jsonb_build_object('note', note)));
    RETURN document;
END
$$;

CREATE FUNCTION desk.edit_update(reference text, body text DEFAULT NULL, kind text DEFAULT NULL) RETURNS jsonb
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
    u.edited_at := now();
    RETURN newsroom.save_update(u, 'edit', NULL, 'update.edit', before);
END
$$;

CREATE FUNCTION desk.withdraw_update(reference text, reason text) RETURNS jsonb
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

-- `newsdesk update key|unkey`: pin an update as a key event, or unpin it.
CREATE FUNCTION desk.set_update_key(reference text, key boolean) RETURNS jsonb
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

-- `newsdesk story new --idempotency-key`: creating a story twice by retrying
-- is the costly duplicate, so story creation takes a key too.
CREATE FUNCTION desk.create_story_once(idempotency_key text, lang text, headline text, lead text DEFAULT '', body text DEFAULT '',
    photo_url text DEFAULT NULL, photo_caption text DEFAULT NULL, photo_credit text DEFAULT NULL,
    bylines text[] DEFAULT NULL, video boolean DEFAULT false, slug text DEFAULT NULL, embargo_until text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    earlier jsonb := newsroom.claim_idempotency(idempotency_key, 'story.create', jsonb_build_object(
        'lang', lang, 'headline', headline, 'lead', lead, 'body', body, 'photo_url', photo_url,
        'photo_caption', photo_caption, 'photo_credit', photo_credit, 'bylines', bylines, 'video', video,
        'embargo_until', embargo_until));
BEGIN
    IF earlier IS NOT NULL THEN
        RETURN earlier;
    END IF;
    RETURN newsroom.remember_idempotency(idempotency_key, desk.create_story(lang, headline, lead, body, photo_url,
        photo_caption, photo_credit, bylines, video, slug, embargo_until));
END
$$;

CALL newsroom.watch('newsroom.live_update');
CALL newsroom.watch('newsroom.live_update_revision');
CALL newsroom.secure_objects();
