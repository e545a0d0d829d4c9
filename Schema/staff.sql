-- Staff and who may do what (SPEC §3): the roles of whoever is acting, and
-- the staff actions.

-- The roles of whoever is acting. Superusers and members of newsdesk_owner
-- are the system's operators and hold every role.
-- PL/pgSQL for its plans, kept for the session (see newsroom.edition_extras).
CREATE OR REPLACE FUNCTION newsroom.actor_roles() RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN CASE
        WHEN (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = session_user)
             OR pg_catalog.pg_has_role(session_user, 'newsdesk_owner', 'MEMBER')
        THEN ARRAY['reporter', 'translator', 'editor', 'admin']
        ELSE coalesce((SELECT array_agg(r.role ORDER BY r.role)
                       FROM newsroom.staff s JOIN newsroom.staff_role r ON r.login = s.login
                       WHERE s.login = session_user::text AND s.active), '{}')
    END;
END
$$;

-- Whether the actor holds any of `roles`.
CREATE OR REPLACE FUNCTION newsroom.actor_is(VARIADIC roles text[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT newsroom.actor_roles() && roles
$$;

-- Staff actions ---------------------------------------------------------------------

CREATE OR REPLACE FUNCTION newsroom.staff_document(person text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'login', s.login, 'names', s.names, 'active', s.active,
        'roles', coalesce((SELECT jsonb_agg(r.role ORDER BY r.role) FROM newsroom.staff_role r WHERE r.login = s.login), '[]'),
        'created_at', newsroom.rfc3339(s.created_at))
    FROM newsroom.staff s WHERE s.login = person
$$;

CREATE OR REPLACE FUNCTION newsroom.check_roles(roles text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF roles IS NULL OR cardinality(roles) = 0 OR NOT roles <@ ARRAY['reporter', 'translator', 'editor', 'admin'] THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('role: %s is not a newsroom role; the roles are reporter, translator, editor and admin.',
                             coalesce(array_to_string(roles, ', '), 'nothing'));
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION newsroom.staff_member(person text) RETURNS newsroom.staff
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

-- Staff actions, through the gatekeeper -------------------------------------------------

CREATE OR REPLACE FUNCTION newsroom.staff_add(login text, roles text[], names jsonb DEFAULT '{}') RETURNS jsonb
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
CALL newsroom.offer_at_desk('staff_add');

CREATE OR REPLACE FUNCTION newsroom.staff_grant(login text, role text) RETURNS jsonb
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
CALL newsroom.offer_at_desk('staff_grant');

CREATE OR REPLACE FUNCTION newsroom.staff_revoke(login text, role text) RETURNS jsonb
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
CALL newsroom.offer_at_desk('staff_revoke');

-- Someone leaves: their login stops working and their open sessions end;
-- their work and history stay.
CREATE OR REPLACE FUNCTION newsroom.staff_deactivate(login text) RETURNS jsonb
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
CALL newsroom.offer_at_desk('staff_deactivate');

CREATE OR REPLACE FUNCTION desk.staff_list() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('staff', coalesce(jsonb_agg(newsroom.staff_document(login) ORDER BY login), '[]'))
    FROM newsroom.staff
$$;

-- Who is acting, and as what.
CREATE OR REPLACE FUNCTION desk.whoami() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('login', session_user::text, 'roles', to_jsonb(newsroom.actor_roles()))
$$;
