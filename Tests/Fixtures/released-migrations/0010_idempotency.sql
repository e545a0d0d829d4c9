-- --idempotency-key on every mutating command: the tool claims the key, runs
-- the action and remembers its result, all in one transaction; a repeated
-- command with the same key and request gets the remembered result. (update
-- add and story new do this inside their own function, in one round trip.)
CREATE FUNCTION desk.claim_idempotency_key(key text, action text, request jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT newsroom.claim_idempotency(key, action, request)
$$;

CREATE FUNCTION desk.remember_idempotency_key(key text, response jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT newsroom.remember_idempotency(key, response)
$$;

CALL newsroom.secure_objects();
