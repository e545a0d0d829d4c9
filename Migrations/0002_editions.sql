-- Stories, their language editions, immutable revisions, corrections, old
-- slugs and lifecycle events (SPEC §1, §2). Tables live in schema newsroom;
-- every action is a function in schema desk, so the rules hold the same for
-- the newsdesk tool and for anyone with psql.
--
-- Errors raised here carry SQLSTATEs of class ND that the tool maps to its
-- exit codes: NDNF0 not found (1), NDST0 wrong state (1), NDCF0 version
-- conflict (2), NDIN0 bad input (65). Their messages are written for people.

CREATE SCHEMA newsroom;
COMMENT ON SCHEMA newsroom IS 'The newsroom''s tables.';
CREATE SCHEMA desk;
COMMENT ON SCHEMA desk IS 'The actions of the newsroom: one function each.';

ALTER TABLE public.newsroom_setting SET SCHEMA newsroom;
ALTER TABLE public.language SET SCHEMA newsroom;

-- Helpers ------------------------------------------------------------------

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
    found timestamptz[] := '{}';
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
        IF candidate AT TIME ZONE zone = wall AND NOT candidate = ANY (found) THEN
            found := found || candidate;
        END IF;
    END LOOP;
    IF cardinality(found) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('%s: %s does not exist in %s: the clocks were moved forward over it. Give the time with an offset instead.', field, input, zone);
    ELSIF cardinality(found) > 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('%s: %s happens twice in %s because the clocks were moved back. Give it with an offset: %s or %s.', field, input, zone,
                to_char(wall, 'YYYY-MM-DD"T"HH24:MI') || newsroom.offset_text(found[1] AT TIME ZONE zone - found[1] AT TIME ZONE 'UTC'),
                to_char(wall, 'YYYY-MM-DD"T"HH24:MI') || newsroom.offset_text(found[2] AT TIME ZONE zone - found[2] AT TIME ZONE 'UTC'));
    END IF;
    RETURN found[1];
END
$$;

-- Tables -------------------------------------------------------------------

CREATE TYPE newsroom.edition_status AS ENUM ('draft', 'in_review', 'scheduled', 'published', 'withdrawn');

CREATE TABLE newsroom.story (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT session_user
);
COMMENT ON TABLE newsroom.story IS 'The language-independent news event; owns its editions and subjects.';

CREATE TABLE newsroom.edition (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    story_id         bigint NOT NULL REFERENCES newsroom.story,
    lang             text NOT NULL REFERENCES newsroom.language (tag),
    slug             text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND octet_length(slug) <= 80),
    headline         text NOT NULL CHECK (headline <> '' AND octet_length(headline) <= 400),
    lead             text NOT NULL DEFAULT '' CHECK (octet_length(lead) <= 4000),
    body             text NOT NULL DEFAULT '' CHECK (octet_length(body) <= 1048576),
    photo_url        text CHECK (octet_length(photo_url) <= 2000),
    photo_caption    text CHECK (octet_length(photo_caption) <= 1000),
    photo_credit     text CHECK (octet_length(photo_credit) <= 300),
    bylines          text[] NOT NULL DEFAULT '{}',
    video            boolean NOT NULL DEFAULT false,
    status           newsroom.edition_status NOT NULL DEFAULT 'draft',
    version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    published_at     timestamptz,
    updated_at       timestamptz,
    scheduled_at     timestamptz,
    embargo_until    timestamptz,
    saved_at         timestamptz NOT NULL DEFAULT now(),
    review_note      text,
    withdrawal_reason text,
    CONSTRAINT edition_one_per_language UNIQUE (story_id, lang),
    CONSTRAINT edition_slug_unique UNIQUE (lang, slug),
    CONSTRAINT edition_scheduled_has_time CHECK (status <> 'scheduled' OR scheduled_at IS NOT NULL)
);
COMMENT ON TABLE newsroom.edition IS 'A story in one language. version counts saved revisions.';
COMMENT ON COLUMN newsroom.edition.updated_at IS 'Last public change: a revision of a published edition, a live update, a correction.';

-- Every slug an edition has had, so old links keep working.
CREATE TABLE newsroom.edition_slug (
    lang       text NOT NULL,
    slug       text NOT NULL,
    edition_id bigint NOT NULL REFERENCES newsroom.edition DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (lang, slug)
);

CREATE TABLE newsroom.edition_revision (
    edition_id    bigint NOT NULL REFERENCES newsroom.edition,
    version       integer NOT NULL,
    slug          text NOT NULL,
    headline      text NOT NULL,
    lead          text NOT NULL,
    body          text NOT NULL,
    photo_url     text,
    photo_caption text,
    photo_credit  text,
    bylines       text[] NOT NULL,
    video         boolean NOT NULL,
    embargo_until timestamptz,
    saved_at      timestamptz NOT NULL DEFAULT now(),
    saved_by      text NOT NULL DEFAULT session_user,
    change        text NOT NULL CHECK (change IN ('create', 'edit', 'correction', 'restore')),
    note          text,
    PRIMARY KEY (edition_id, version)
);
COMMENT ON TABLE newsroom.edition_revision IS 'One immutable snapshot per saved version. Never updated, never deleted.';

CREATE TABLE newsroom.edition_correction (
    edition_id bigint NOT NULL REFERENCES newsroom.edition,
    version    integer NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    note       text NOT NULL CHECK (note <> ''),
    PRIMARY KEY (edition_id, version),
    FOREIGN KEY (edition_id, version) REFERENCES newsroom.edition_revision
);
COMMENT ON TABLE newsroom.edition_correction IS 'Public corrections: shown to readers with their time.';

CREATE TABLE newsroom.edition_event (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    edition_id bigint NOT NULL REFERENCES newsroom.edition,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL DEFAULT session_user,
    action     text NOT NULL CHECK (action IN ('submit', 'return', 'publish', 'schedule', 'unpublish', 'republish')),
    note       text
);
CREATE INDEX edition_event_by_edition ON newsroom.edition_event (edition_id, at);
COMMENT ON TABLE newsroom.edition_event IS 'Lifecycle changes of an edition: who submitted, published, withdrew it, and when.';

CREATE FUNCTION newsroom.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'NDST0',
        MESSAGE = format('%s is history and cannot be changed or removed.', TG_TABLE_NAME);
END
$$;
CREATE TRIGGER edition_revision_is_immutable BEFORE UPDATE OR DELETE ON newsroom.edition_revision
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_change();
CREATE TRIGGER edition_correction_is_immutable BEFORE UPDATE OR DELETE ON newsroom.edition_correction
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_change();
CREATE TRIGGER edition_event_is_immutable BEFORE UPDATE OR DELETE ON newsroom.edition_event
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_change();

-- Reading ------------------------------------------------------------------

-- The status readers and editors see: a scheduled edition whose time has come
-- is published, without any process having run at that time.
CREATE FUNCTION newsroom.effective_status(status newsroom.edition_status, scheduled_at timestamptz)
RETURNS newsroom.edition_status
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN status = 'scheduled' AND scheduled_at <= now() THEN 'published'::newsroom.edition_status ELSE status END
$$;

-- An edition named by id or as LANG/slug (old slugs too).
CREATE FUNCTION desk.resolve_edition(reference text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    found bigint;
BEGIN
    IF reference ~ '^[0-9]{1,18}$' THEN
        SELECT id INTO found FROM newsroom.edition WHERE id = reference::bigint;
    ELSIF reference ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*/.+$' THEN
        SELECT edition_id INTO found FROM newsroom.edition_slug
        WHERE lang = split_part(reference, '/', 1) AND slug = substr(reference, strpos(reference, '/') + 1);
    ELSE
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('edition: "%s" is neither an edition id nor LANG/slug (such as uk/kyivrada-sklykaie-sesiiu).', reference);
    END IF;
    IF found IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('There is no edition %s.', reference),
            HINT = 'Name an edition by its id or as LANG/slug.';
    END IF;
    RETURN found;
END
$$;

-- The edition as scripts see it (SPEC §5), at its current version or at an
-- earlier one. Later migrations add subjects, live updates and translations.
CREATE FUNCTION desk.edition_document(target bigint, at_version integer DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', e.id,
        'story_id', e.story_id,
        'lang', e.lang,
        'slug', coalesce(r.slug, e.slug),
        'headline', coalesce(r.headline, e.headline),
        'lead', coalesce(r.lead, e.lead),
        'body', coalesce(r.body, e.body),
        'status', newsroom.effective_status(e.status, e.scheduled_at),
        'version', coalesce(r.version, e.version),
        'current_version', e.version,
        'published_at', newsroom.rfc3339(CASE WHEN newsroom.effective_status(e.status, e.scheduled_at) = 'scheduled'
                                              THEN e.published_at ELSE coalesce(e.published_at, e.scheduled_at) END),
        'updated_at', newsroom.rfc3339(CASE WHEN e.updated_at IS NULL AND newsroom.effective_status(e.status, e.scheduled_at) = 'published'
                                            THEN e.scheduled_at ELSE e.updated_at END),
        'scheduled_at', newsroom.rfc3339(e.scheduled_at),
        'embargo_until', newsroom.rfc3339(CASE WHEN r.version IS NULL THEN e.embargo_until ELSE r.embargo_until END),
        'saved_at', newsroom.rfc3339(coalesce(r.saved_at, e.saved_at)),
        'saved_by', coalesce(r.saved_by, (SELECT saved_by FROM newsroom.edition_revision WHERE edition_id = e.id AND version = e.version)),
        'bylines', to_jsonb(coalesce(r.bylines, e.bylines)),
        'subjects', '[]'::jsonb,
        'photo', CASE WHEN coalesce(r.photo_url, CASE WHEN r.version IS NULL THEN e.photo_url END) IS NULL THEN NULL
                      ELSE jsonb_build_object(
                          'url', coalesce(r.photo_url, e.photo_url),
                          'caption', CASE WHEN r.version IS NULL THEN e.photo_caption ELSE r.photo_caption END,
                          'credit', CASE WHEN r.version IS NULL THEN e.photo_credit ELSE r.photo_credit END) END,
        'video', coalesce(r.video, e.video),
        'translated_from', NULL,
        'updates', '[]'::jsonb,
        'corrections', coalesce((
            SELECT jsonb_agg(jsonb_build_object('at', newsroom.rfc3339(c.at), 'note', c.note,
                                                'version', c.version, 'local_time', newsroom.local_time(c.at))
                             ORDER BY c.at)
            FROM newsroom.edition_correction c
            WHERE c.edition_id = e.id AND c.version <= coalesce(r.version, e.version)), '[]'::jsonb),
        'editions', (SELECT jsonb_object_agg(o.lang, o.id) FROM newsroom.edition o WHERE o.story_id = e.story_id),
        'review_note', e.review_note,
        'withdrawal_reason', e.withdrawal_reason,
        'timezone', newsroom.timezone(),
        'published_local', newsroom.local_time(CASE WHEN newsroom.effective_status(e.status, e.scheduled_at) = 'scheduled'
                                                    THEN e.published_at ELSE coalesce(e.published_at, e.scheduled_at) END),
        'updated_local', newsroom.local_time(e.updated_at),
        'scheduled_local', newsroom.local_time(e.scheduled_at))
    FROM newsroom.edition e
    LEFT JOIN newsroom.edition_revision r ON r.edition_id = e.id AND r.version = at_version
    WHERE e.id = target
$$;

-- `newsdesk show`: the edition by reference, at a version or as it stood at an instant.
CREATE FUNCTION desk.show_edition(reference text, at_version integer DEFAULT NULL, as_of text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    target bigint := desk.resolve_edition(reference);
    instant timestamptz := desk.parse_time(as_of, 'at');
    version integer := at_version;
BEGIN
    IF instant IS NOT NULL THEN
        SELECT max(r.version) INTO version FROM newsroom.edition_revision r WHERE r.edition_id = target AND r.saved_at <= instant;
        IF version IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('Edition %s did not exist yet at %s.', reference, as_of);
        END IF;
    ELSIF version IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM newsroom.edition_revision r WHERE r.edition_id = target AND r.version = at_version) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('Edition %s has no version %s.', reference, at_version);
    END IF;
    RETURN desk.edition_document(target, version);
END
$$;

-- `newsdesk history`: revisions and lifecycle events, oldest first.
CREATE FUNCTION desk.edition_history(reference text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH target AS (SELECT desk.resolve_edition(reference) AS id),
    entries AS (
        SELECT r.saved_at AS at, r.saved_by AS actor, r.change AS action, r.version, r.note, r.headline
        FROM newsroom.edition_revision r, target WHERE r.edition_id = target.id
        UNION ALL
        SELECT v.at, v.actor, v.action, NULL, v.note, NULL
        FROM newsroom.edition_event v, target WHERE v.edition_id = target.id
    )
    SELECT jsonb_build_object(
        'edition_id', (SELECT id FROM target),
        'entries', coalesce(jsonb_agg(jsonb_build_object(
            'at', newsroom.rfc3339(at), 'local_time', newsroom.local_time(at), 'actor', actor, 'action', action,
            'version', version, 'note', note, 'headline', headline) ORDER BY at, version NULLS LAST), '[]'::jsonb))
    FROM entries
$$;

-- Writing ------------------------------------------------------------------

-- Publishes a scheduled edition whose time has come, so that changes made
-- after that time see it as published.
CREATE FUNCTION newsroom.settle(target bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE newsroom.edition
    SET status = 'published', published_at = coalesce(published_at, scheduled_at), updated_at = coalesce(updated_at, scheduled_at)
    WHERE id = target AND status = 'scheduled' AND scheduled_at <= now()
$$;

-- Locks and returns an edition, refusing unless its status is one of `allowed`.
CREATE FUNCTION newsroom.edition_for_change(reference text, allowed newsroom.edition_status[], verb text, requirement text)
RETURNS newsroom.edition
LANGUAGE plpgsql AS $$
DECLARE
    target bigint := desk.resolve_edition(reference);
    locked newsroom.edition;
BEGIN
    PERFORM newsroom.settle(target);
    SELECT * INTO locked FROM newsroom.edition WHERE id = target FOR UPDATE;
    IF NOT locked.status = ANY (allowed) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('Cannot %s %s/%s: it is %s; %s.', verb, locked.lang, locked.slug,
                             replace(locked.status::text, '_', ' '), requirement);
    END IF;
    RETURN locked;
END
$$;

-- Claims the first free slug of `base`, `base-2`, `base-3` … in a language.
-- Concurrent claims of the same slug wait for each other, so none fails.
CREATE FUNCTION newsroom.claim_slug(language text, base text, target bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    stem text := coalesce(nullif(base, ''), 'story');
    candidate text;
    attempt integer := 1;
BEGIN
    LOOP
        candidate := CASE WHEN attempt = 1 THEN stem
                          ELSE rtrim(left(stem, 80 - length('-' || attempt)), '-') || '-' || attempt END;
        INSERT INTO newsroom.edition_slug (lang, slug, edition_id) VALUES (language, candidate, target)
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            RETURN candidate;
        END IF;
        attempt := attempt + 1;
    END LOOP;
END
$$;

CREATE FUNCTION newsroom.save_revision(e newsroom.edition, change text, note text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO newsroom.edition_revision
        (edition_id, version, slug, headline, lead, body, photo_url, photo_caption, photo_credit, bylines, video,
         embargo_until, change, note)
    VALUES (e.id, e.version, e.slug, e.headline, e.lead, e.body, e.photo_url, e.photo_caption, e.photo_credit,
            e.bylines, e.video, e.embargo_until, change, note)
$$;

-- `newsdesk story new`: a story and its first edition, as a draft.
CREATE FUNCTION desk.create_story(
    lang text, headline text, lead text DEFAULT '', body text DEFAULT '',
    photo_url text DEFAULT NULL, photo_caption text DEFAULT NULL, photo_credit text DEFAULT NULL,
    bylines text[] DEFAULT NULL, video boolean DEFAULT false, slug text DEFAULT NULL, embargo_until text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    story bigint;
    target bigint;
    e newsroom.edition;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM newsroom.language l WHERE l.tag = create_story.lang) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('lang: this newsroom does not publish in "%s"; it publishes in %s.', create_story.lang,
                             (SELECT string_agg(tag, ', ' ORDER BY position) FROM newsroom.language));
    END IF;
    INSERT INTO newsroom.story DEFAULT VALUES RETURNING id INTO story;
    target := nextval(pg_get_serial_sequence('newsroom.edition', 'id'));
    INSERT INTO newsroom.edition (id, story_id, lang, slug, headline, lead, body, photo_url, photo_caption, photo_credit,
                                  bylines, video, embargo_until)
    VALUES (target, story, create_story.lang, newsroom.claim_slug(create_story.lang, create_story.slug, target),
            create_story.headline, coalesce(create_story.lead, ''), coalesce(create_story.body, ''),
            create_story.photo_url, create_story.photo_caption, create_story.photo_credit,
            coalesce(create_story.bylines, ARRAY[session_user::text]), coalesce(create_story.video, false),
            desk.parse_time(create_story.embargo_until, 'embargo'))
    RETURNING * INTO e;
    PERFORM newsroom.save_revision(e, 'create', NULL);
    RETURN desk.edition_document(target);
END
$$;

-- `newsdesk edit`: a new revision. NULL arguments leave a field as it is.
-- With expect_version, a stale version is refused (NDCF0) and nothing is saved.
-- Parameters share names with columns: in its SQL statements a bare name is
-- the column (#variable_conflict use_column), the parameter is edit_edition.name.
CREATE FUNCTION desk.edit_edition(
    reference text, expect_version integer DEFAULT NULL,
    headline text DEFAULT NULL, lead text DEFAULT NULL, body text DEFAULT NULL,
    photo_url text DEFAULT NULL, photo_caption text DEFAULT NULL, photo_credit text DEFAULT NULL,
    video boolean DEFAULT NULL, slug text DEFAULT NULL, embargo_until text DEFAULT NULL, clear_embargo boolean DEFAULT false,
    correction text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    e newsroom.edition := newsroom.edition_for_change(reference,
        ARRAY['draft', 'in_review', 'scheduled', 'published', 'withdrawn']::newsroom.edition_status[], 'edit', '');
    latest newsroom.edition_revision;
    embargo timestamptz := desk.parse_time(embargo_until, 'embargo');
    claimed text;
BEGIN
    IF edit_edition.expect_version IS NOT NULL AND e.version <> edit_edition.expect_version THEN
        SELECT * INTO latest FROM newsroom.edition_revision r WHERE r.edition_id = e.id AND r.version = e.version;
        RAISE EXCEPTION USING ERRCODE = 'NDCF0',
            MESSAGE = format('%s/%s has changed: you edited version %s, but %s saved version %s at %s.',
                             e.lang, e.slug, edit_edition.expect_version, latest.saved_by, e.version, newsroom.local_time(latest.saved_at)->>'text'),
            DETAIL = jsonb_build_object('version', e.version, 'saved_by', latest.saved_by,
                                        'saved_at', newsroom.rfc3339(latest.saved_at))::text;
    END IF;
    IF edit_edition.correction IS NOT NULL AND e.status <> 'published' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('A correction is for a published edition; %s/%s is %s. Edit it without --correction.',
                             e.lang, e.slug, replace(e.status::text, '_', ' '));
    END IF;
    IF edit_edition.slug IS NOT NULL AND edit_edition.slug <> e.slug THEN
        INSERT INTO newsroom.edition_slug (lang, slug, edition_id) VALUES (e.lang, edit_edition.slug, e.id)
        ON CONFLICT (lang, slug) DO UPDATE SET edition_id = EXCLUDED.edition_id
            WHERE newsroom.edition_slug.edition_id = EXCLUDED.edition_id
        RETURNING newsroom.edition_slug.slug INTO claimed;
        IF claimed IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('slug: %s/%s belongs to another edition.', e.lang, edit_edition.slug);
        END IF;
        e.slug := edit_edition.slug;
    END IF;
    e.headline := coalesce(edit_edition.headline, e.headline);
    e.lead := coalesce(edit_edition.lead, e.lead);
    e.body := coalesce(edit_edition.body, e.body);
    e.photo_url := coalesce(edit_edition.photo_url, e.photo_url);
    e.photo_caption := coalesce(edit_edition.photo_caption, e.photo_caption);
    e.photo_credit := coalesce(edit_edition.photo_credit, e.photo_credit);
    e.video := coalesce(edit_edition.video, e.video);
    e.embargo_until := CASE WHEN edit_edition.clear_embargo THEN NULL ELSE coalesce(embargo, e.embargo_until) END;
    e.version := e.version + 1;
    UPDATE newsroom.edition SET
        slug = e.slug, headline = e.headline, lead = e.lead, body = e.body, photo_url = e.photo_url,
        photo_caption = e.photo_caption, photo_credit = e.photo_credit, video = e.video, embargo_until = e.embargo_until,
        version = e.version, saved_at = now(),
        updated_at = CASE WHEN e.status = 'published' THEN now() ELSE updated_at END
    WHERE id = e.id;
    PERFORM newsroom.save_revision(e, CASE WHEN edit_edition.correction IS NULL THEN 'edit' ELSE 'correction' END,
                                   edit_edition.correction);
    IF edit_edition.correction IS NOT NULL THEN
        INSERT INTO newsroom.edition_correction (edition_id, version, note) VALUES (e.id, e.version, edit_edition.correction);
    END IF;
    RETURN desk.edition_document(e.id);
END
$$;

-- `newsdesk restore`: the content of an earlier version as a new revision.
CREATE FUNCTION desk.restore_edition(reference text, from_version integer) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition := newsroom.edition_for_change(reference,
        ARRAY['draft', 'in_review', 'scheduled', 'published', 'withdrawn']::newsroom.edition_status[], 'restore', '');
    old newsroom.edition_revision;
BEGIN
    SELECT * INTO old FROM newsroom.edition_revision WHERE edition_id = e.id AND version = from_version;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('%s/%s has no version %s.', e.lang, e.slug, from_version);
    END IF;
    e.headline := old.headline; e.lead := old.lead; e.body := old.body;
    e.photo_url := old.photo_url; e.photo_caption := old.photo_caption; e.photo_credit := old.photo_credit;
    e.bylines := old.bylines; e.video := old.video; e.embargo_until := old.embargo_until;
    e.version := e.version + 1;
    UPDATE newsroom.edition SET
        headline = e.headline, lead = e.lead, body = e.body, photo_url = e.photo_url, photo_caption = e.photo_caption,
        photo_credit = e.photo_credit, bylines = e.bylines, video = e.video, embargo_until = e.embargo_until,
        version = e.version, saved_at = now(),
        updated_at = CASE WHEN e.status = 'published' THEN now() ELSE updated_at END
    WHERE id = e.id;
    PERFORM newsroom.save_revision(e, 'restore', format('restored version %s', from_version));
    RETURN desk.edition_document(e.id);
END
$$;

CREATE FUNCTION desk.submit_edition(reference text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition := newsroom.edition_for_change(reference, ARRAY['draft']::newsroom.edition_status[],
        'submit', 'only a draft can be submitted for review');
BEGIN
    UPDATE newsroom.edition SET status = 'in_review', review_note = NULL WHERE id = e.id;
    INSERT INTO newsroom.edition_event (edition_id, action) VALUES (e.id, 'submit');
    RETURN desk.edition_document(e.id);
END
$$;

CREATE FUNCTION desk.return_edition(reference text, note text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition := newsroom.edition_for_change(reference, ARRAY['in_review']::newsroom.edition_status[],
        'return', 'only an edition in review can be returned to its reporter');
BEGIN
    UPDATE newsroom.edition SET status = 'draft', review_note = note WHERE id = e.id;
    INSERT INTO newsroom.edition_event (edition_id, action, note) VALUES (e.id, 'return', note);
    RETURN desk.edition_document(e.id);
END
$$;

-- `newsdesk publish [--at TIME]`: now, or scheduled for a later time (which
-- then needs no process to run: readers see it from that time on).
CREATE FUNCTION desk.publish_edition(reference text, publish_at text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    publish_time timestamptz := desk.parse_time(publish_at, 'at');
    e newsroom.edition := newsroom.edition_for_change(reference,
        ARRAY['draft', 'in_review', 'scheduled']::newsroom.edition_status[], 'publish',
        'a published edition changes with edit, and a withdrawn one comes back with republish');
BEGIN
    IF publish_time IS NOT NULL AND publish_time > now() THEN
        UPDATE newsroom.edition SET status = 'scheduled', scheduled_at = publish_time WHERE id = e.id;
        INSERT INTO newsroom.edition_event (edition_id, action, note) VALUES (e.id, 'schedule', newsroom.rfc3339(publish_time));
    ELSE
        UPDATE newsroom.edition
        SET status = 'published', scheduled_at = NULL,
            published_at = coalesce(published_at, now()), updated_at = coalesce(updated_at, now())
        WHERE id = e.id;
        INSERT INTO newsroom.edition_event (edition_id, action) VALUES (e.id, 'publish');
    END IF;
    RETURN desk.edition_document(e.id);
END
$$;

CREATE FUNCTION desk.unpublish_edition(reference text, reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition := newsroom.edition_for_change(reference, ARRAY['published', 'scheduled']::newsroom.edition_status[],
        'unpublish', 'only a published or scheduled edition can be withdrawn');
BEGIN
    UPDATE newsroom.edition SET status = 'withdrawn', withdrawal_reason = reason, scheduled_at = NULL,
        updated_at = CASE WHEN e.status = 'published' THEN now() ELSE updated_at END
    WHERE id = e.id;
    INSERT INTO newsroom.edition_event (edition_id, action, note) VALUES (e.id, 'unpublish', reason);
    RETURN desk.edition_document(e.id);
END
$$;

CREATE FUNCTION desk.republish_edition(reference text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition := newsroom.edition_for_change(reference, ARRAY['withdrawn']::newsroom.edition_status[],
        'republish', 'only a withdrawn edition can be republished');
BEGIN
    UPDATE newsroom.edition SET status = 'published', withdrawal_reason = NULL,
        published_at = coalesce(published_at, now()), updated_at = now()
    WHERE id = e.id;
    INSERT INTO newsroom.edition_event (edition_id, action) VALUES (e.id, 'republish');
    RETURN desk.edition_document(e.id);
END
$$;
