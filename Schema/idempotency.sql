-- Commands a client may have to repeat after losing its connection: the
-- same --idempotency-key makes them happen once.

-- Claims `key` for this request. Returns the stored result when the same
-- request already ran (a concurrent first run is waited for), NULL when this
-- run is the first; refuses the same key with a different request.
CREATE OR REPLACE FUNCTION newsroom.claim_idempotency(key text, action text, request jsonb) RETURNS jsonb
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

CREATE OR REPLACE FUNCTION newsroom.remember_idempotency(key text, response jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    UPDATE newsroom.idempotency i SET response = remember_idempotency.response
    WHERE i.actor = session_user::text AND i.key = remember_idempotency.key;
    SELECT response
$$;

-- `newsdesk story new --idempotency-key`: creating a story twice by retrying
-- is the costly duplicate, so story creation takes a key too.
CREATE OR REPLACE FUNCTION desk.create_story_once(idempotency_key text, lang text, headline text, lead text DEFAULT '', body text DEFAULT '',
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
