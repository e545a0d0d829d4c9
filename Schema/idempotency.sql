-- Commands a client may have to repeat after losing its connection: the
-- same --idempotency-key makes them happen once. Every keyed desk action
-- claims and remembers its key through these two (newsroom.offer_at_desk,
-- Schema/access.sql).

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
