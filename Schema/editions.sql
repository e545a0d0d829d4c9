-- Stories and their language editions (SPEC §1, §2): reading an edition,
-- its revisions and lifecycle, and every action on it. Each action checks
-- who may do it (SPEC §3), changes the edition and records one audit event,
-- in one transaction.

CREATE OR REPLACE FUNCTION newsroom.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'NDST0',
        MESSAGE = format('%s is history and cannot be changed or removed.', TG_TABLE_NAME);
END
$$;

-- The newsroom's own tag for a language it publishes in, matched without
-- regard to case (`UK`, `pt-br`); anything else is bad input naming `field`.
CREATE OR REPLACE FUNCTION newsroom.require_language(wanted text, field text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    tag text;
BEGIN
    SELECT l.tag INTO tag FROM newsroom.language l WHERE lower(l.tag) = lower(wanted);
    IF tag IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('%s: this newsroom does not publish in "%s"; it publishes in %s.', field, wanted,
                             (SELECT string_agg(l.tag, ', ' ORDER BY l.position) FROM newsroom.language l));
    END IF;
    RETURN tag;
END
$$;

-- Reading ------------------------------------------------------------------

-- The status readers and editors see: a scheduled edition whose time has come
-- is published, without any process having run at that time.
CREATE OR REPLACE FUNCTION newsroom.effective_status(status newsroom.edition_status, scheduled_at timestamptz)
RETURNS newsroom.edition_status
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN status = 'scheduled' AND scheduled_at <= now() THEN 'published'::newsroom.edition_status ELSE status END
$$;

-- An edition named by id or as LANG/slug (old slugs too).
CREATE OR REPLACE FUNCTION desk.resolve_edition(reference text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    match bigint;
    suggestion text;
BEGIN
    IF reference ~ '^[0-9]{1,18}$' THEN
        SELECT id INTO match FROM newsroom.edition WHERE id = reference::bigint;
    ELSIF reference ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*/.+$' THEN
        SELECT edition_id INTO match FROM newsroom.edition_slug
        WHERE lang = split_part(reference, '/', 1) AND slug = substr(reference, strpos(reference, '/') + 1);
    ELSE
        -- A slug without its language: say which editions it names.
        SELECT string_agg(s.lang || '/' || s.slug, ' or ' ORDER BY l.position) INTO suggestion
        FROM newsroom.edition_slug s JOIN newsroom.language l ON l.tag = s.lang
        WHERE s.slug = reference;
        IF suggestion IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0',
                MESSAGE = format('edition: "%s" needs its language: %s.', reference, suggestion);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('edition: "%s" is neither an edition id nor LANG/slug (such as uk/kyivrada-sklykaie-sesiiu).', reference);
    END IF;
    IF match IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('There is no edition %s.', reference),
            HINT = 'Name an edition by its id or as LANG/slug.';
    END IF;
    RETURN match;
END
$$;

-- The edition as scripts see it (SPEC §5), at its current version or at an
-- earlier one; or, `for_readers`, as the site shows it (SPEC §11): without
-- what only staff see (review notes, withdrawn updates, who saved it, a
-- schedule) and without the editions of other languages readers cannot see
-- yet. One pass for both: a reader's page once cost the staff document and
-- then taking it apart again (0.87 against 0.44 ms on a million editions).
-- PL/pgSQL for its plan, kept for the session (see newsroom.edition_extras):
-- every page a reader opens builds this document. The newsroom's time zone
-- is read once, not once for each local time. Its lists (and those of the
-- functions it calls) are ARRAY(SELECT … ORDER BY …) rather than jsonb_agg:
-- an aggregate is set up again at every execution of a kept plan, its
-- functions looked up anew, and the six lists were a tenth of the page's
-- work (site.article in one session, a million editions: 0.47 → 0.42 ms a
-- page). The objects (jsonb_object_agg) have no such form and stay.
CREATE OR REPLACE FUNCTION newsroom.compose_edition(target bigint, at_version integer, for_readers boolean) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    e newsroom.edition;
    r newsroom.edition_revision;
BEGIN
    SELECT * INTO e FROM newsroom.edition x WHERE x.id = target;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF at_version IS NOT NULL THEN
        SELECT * INTO r FROM newsroom.edition_revision x WHERE x.edition_id = target AND x.version = at_version;
    END IF;
    RETURN newsroom.compose(newsroom.as_seen(e), r, for_readers);
END
$$;

-- The document of edition `e`, as newsroom.as_seen gives it, at revision
-- `r` (all NULL: the current version): newsroom.compose_edition's, for a
-- caller that has read the edition already (site.article: a reader's page
-- read it once, not three times).
CREATE OR REPLACE FUNCTION newsroom.compose(e newsroom.edition, r newsroom.edition_revision, for_readers boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    zone text := newsroom.timezone();
    -- As readers see it: a scheduled edition whose time has come is published.
    shown_status newsroom.edition_status;
    released timestamptz;
    revised timestamptz;
    embargo timestamptz;
    -- The language switch: every edition of the story, this one included,
    -- in the newsroom's order of languages; for readers, those they may see.
    switch jsonb;
    doc jsonb;
BEGIN
    switch := to_jsonb(ARRAY(
        SELECT jsonb_build_object('lang', o.lang, 'id', o.id, 'slug', o.slug, 'language', l.name,
                                  'status', newsroom.effective_status(o.status, o.scheduled_at),
                                  'visible', newsroom.visible(o.status, o.scheduled_at, o.embargo_until))
        FROM newsroom.edition o JOIN newsroom.language l ON l.tag = o.lang
        WHERE o.story_id = e.story_id
          AND (NOT for_readers OR o.id = e.id OR newsroom.visible(o.status, o.scheduled_at, o.embargo_until))
        ORDER BY l.position));
    shown_status := newsroom.effective_status(e.status, e.scheduled_at);
    -- Dated as readers see it: from the later of publication and the embargo's lift.
    released := CASE WHEN shown_status = 'scheduled' THEN NULL ELSE e.released_at END;
    revised := CASE WHEN shown_status = 'scheduled' THEN NULL ELSE e.revised_at END;
    embargo := CASE WHEN r.version IS NULL THEN e.embargo_until ELSE r.embargo_until END;
    doc := newsroom.edition_extras(e.story_id, e.lang) || jsonb_build_object(
        'id', e.id,
        'story_id', e.story_id,
        'lang', e.lang,
        'slug', coalesce(r.slug, e.slug),
        'headline', coalesce(r.headline, e.headline),
        'lead', coalesce(r.lead, e.lead),
        'body', coalesce(r.body, e.body),
        'status', shown_status,
        'version', coalesce(r.version, e.version),
        'current_version', e.version,
        'published_at', newsroom.rfc3339(released),
        'updated_at', newsroom.rfc3339(revised),
        'embargo_until', newsroom.rfc3339(embargo),
        'saved_at', newsroom.rfc3339(coalesce(r.saved_at, e.saved_at)),
        -- When the edition was created: its first revision.
        'created_at', (SELECT newsroom.rfc3339(f.saved_at) FROM newsroom.edition_revision f
                       WHERE f.edition_id = e.id AND f.version = 1),
        'bylines', to_jsonb(coalesce(r.bylines, e.bylines)),
        'photo', CASE WHEN coalesce(r.photo_url, CASE WHEN r.version IS NULL THEN e.photo_url END) IS NULL THEN NULL
                      ELSE jsonb_build_object(
                          'url', coalesce(r.photo_url, e.photo_url),
                          'caption', CASE WHEN r.version IS NULL THEN e.photo_caption ELSE r.photo_caption END,
                          'credit', CASE WHEN r.version IS NULL THEN e.photo_credit ELSE r.photo_credit END) END,
        'video', coalesce(r.video, e.video),
        'translated_from', CASE WHEN e.translated_from IS NOT NULL THEN
                               jsonb_build_object('edition_id', e.translated_from, 'version', e.translated_from_version) END,
        'updates', newsroom.updates_of(e.id, e.lang, zone, withdrawn => false, for_readers => for_readers),
        'corrections', to_jsonb(ARRAY(
            SELECT jsonb_build_object('at', newsroom.rfc3339(c.at), 'note', c.note,
                                      'version', c.version, 'local_time', newsroom.local_time_in(c.at, zone))
            FROM newsroom.edition_correction c
            WHERE c.edition_id = e.id AND c.version <= coalesce(r.version, e.version) ORDER BY c.at)),
        'language_editions', switch,
        'editions', (SELECT jsonb_object_agg(o->>'lang', (o->>'id')::bigint) FROM jsonb_array_elements(switch) o),
        'byline_names', coalesce((SELECT jsonb_object_agg(s.login, coalesce(s.names->>e.lang, s.names->>'en', s.login))
                                  FROM newsroom.staff s WHERE s.login = ANY (coalesce(r.bylines, e.bylines))), '{}'),
        -- Credited apart from the byline, named in the edition's language as bylines are.
        'translators', to_jsonb(e.translators),
        -- (Most editions have no translator: no lookup for those.)
        'translator_names', CASE WHEN cardinality(e.translators) = 0 THEN '{}' ELSE
                                coalesce((SELECT jsonb_object_agg(s.login, coalesce(s.names->>e.lang, s.names->>'en', s.login))
                                          FROM newsroom.staff s WHERE s.login = ANY (e.translators)), '{}') END,
        'withdrawal_reason', e.withdrawal_reason,
        'timezone', zone,
        'published_local', newsroom.local_time_in(released, zone),
        'updated_local', newsroom.local_time_in(revised, zone),
        'embargo_local', newsroom.local_time_in(embargo, zone));
    IF for_readers THEN
        RETURN doc;
    END IF;
    -- Kept for the record and for export; readers never see these.
    RETURN doc || jsonb_build_object(
        'review_note', e.review_note,
        'saved_by', coalesce(r.saved_by, (SELECT x.saved_by FROM newsroom.edition_revision x
                                          WHERE x.edition_id = e.id AND x.version = e.version)),
        'withdrawn_updates', newsroom.updates_of(e.id, e.lang, zone, withdrawn => true, for_readers => false),
        'scheduled_at', newsroom.rfc3339(e.scheduled_at),
        'scheduled_local', newsroom.local_time_in(e.scheduled_at, zone),
        -- For staff: a revision saved for later, that readers do not see yet.
        'scheduled_revision', CASE WHEN e.revision_due_at IS NOT NULL THEN jsonb_build_object(
            'version', (SELECT max(p.version) FROM newsroom.edition_revision p WHERE p.edition_id = e.id),
            'at', newsroom.rfc3339(e.revision_due_at), 'local_time', newsroom.local_time_in(e.revision_due_at, zone)) END);
END
$$;


CREATE OR REPLACE FUNCTION desk.edition_document(target bigint, at_version integer DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN newsroom.compose_edition(target, at_version, false);
END
$$;

-- `newsdesk show`: the edition by reference, at a version or as it stood at an instant.
CREATE OR REPLACE FUNCTION desk.show_edition(reference text, at_version integer DEFAULT NULL, as_of text DEFAULT NULL) RETURNS jsonb
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
CREATE OR REPLACE FUNCTION desk.edition_history(reference text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH target AS (SELECT desk.resolve_edition(reference) AS id),
    entries AS (
        SELECT r.saved_at AS at, r.saved_by AS actor, r.change AS action, r.version,
               -- A scheduled revision says from when readers see it, and whether it still waits.
               CASE WHEN r.effective_at IS NULL THEN r.note
                    ELSE concat_ws('; ', r.note, format('readers see it from %s%s',
                        newsroom.local_time(r.effective_at)->>'text',
                        CASE WHEN r.effective_at > now() AND r.effective_at = (SELECT e.revision_due_at FROM newsroom.edition e
                                                                            WHERE e.id = target.id)
                             THEN ' (pending)' ELSE '' END)) END AS note,
               r.headline
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

-- `newsdesk list`: the desk's work lists (drafts, the review queue, what is
-- scheduled or under embargo, translations behind their source), the most
-- recently saved first, a page at a time. Staff read every edition, as with
-- `show`; the filters choose the list, each refused by name when it is not
-- one the newsroom has.
CREATE OR REPLACE FUNCTION desk.list_editions(
    statuses text[] DEFAULT NULL, lang text DEFAULT NULL, byline text DEFAULT NULL, subject text DEFAULT NULL,
    embargoed boolean DEFAULT false, stale boolean DEFAULT false, since text DEFAULT NULL, before text DEFAULT NULL,
    max_items integer DEFAULT 20, mine boolean DEFAULT false
) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    wanted integer := greatest(1, least(max_items, 200));
    since_time timestamptz := desk.parse_time(since, 'since');
    cursor_time timestamptz;
    cursor_id bigint;
    unknown text;
    result jsonb;
BEGIN
    SELECT s INTO unknown FROM unnest(statuses) s
    WHERE s NOT IN (SELECT unnest(enum_range(NULL::newsroom.edition_status))::text) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('status: "%s" is not one of %s.', unknown,
            array_to_string(enum_range(NULL::newsroom.edition_status)::text[], ', '));
    END IF;
    IF list_editions.lang IS NOT NULL THEN list_editions.lang := newsroom.require_language(list_editions.lang, 'lang'); END IF;
    IF subject IS NOT NULL THEN PERFORM newsroom.require_subjects(ARRAY[subject]); END IF;
    IF mine THEN
        IF byline IS NOT NULL AND byline <> session_user::text THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = 'byline: give --mine or --byline, not both.';
        END IF;
        byline := session_user::text;
    END IF;
    IF byline IS NOT NULL AND NOT EXISTS (SELECT 1 FROM newsroom.staff s WHERE s.login = byline) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('byline: there is no staff login "%s"; see newsdesk staff list.', byline);
    END IF;
    SELECT c.at, c.id INTO cursor_time, cursor_id
    FROM newsroom.cursor_parts(before, format('before: "%s" is not a cursor from a list''s next_cursor.', before)) c;
    WITH page AS (
        SELECT e.*, newsroom.effective_status(e.status, e.scheduled_at) AS shown_status
        FROM newsroom.edition e
        WHERE (statuses IS NULL OR newsroom.effective_status(e.status, e.scheduled_at)::text = ANY (statuses))
          AND (list_editions.lang IS NULL OR e.lang = list_editions.lang)
          AND (byline IS NULL OR byline = ANY (e.bylines) OR byline = ANY (e.translators))
          AND (subject IS NULL OR EXISTS (SELECT 1 FROM newsroom.story_subject t
                                          WHERE t.story_id = e.story_id AND t.subject = list_editions.subject))
          AND (NOT embargoed OR e.embargo_until > now())
          AND (NOT stale OR (e.translated_from IS NOT NULL AND (
                  (SELECT o.version FROM newsroom.edition o WHERE o.id = e.translated_from) > e.translated_from_version
                  OR cardinality(newsroom.missing_updates(e.id)) > 0)))
          AND (since_time IS NULL OR e.saved_at >= since_time)
          AND (cursor_time IS NULL OR (e.saved_at, e.id) < (cursor_time, cursor_id))
        ORDER BY e.saved_at DESC, e.id DESC
        LIMIT wanted
    )
    SELECT jsonb_build_object(
        'items', coalesce(jsonb_agg(jsonb_build_object(
            'id', p.id, 'story_id', p.story_id, 'lang', p.lang, 'slug', p.slug, 'headline', p.headline,
            'status', p.shown_status, 'version', p.version, 'bylines', to_jsonb(p.bylines),
            'saved_at', newsroom.rfc3339(p.saved_at), 'saved_local', newsroom.local_time(p.saved_at),
            'updated_at', newsroom.rfc3339(p.revised_at),
            'scheduled_at', newsroom.rfc3339(CASE WHEN p.shown_status = 'scheduled' THEN p.scheduled_at END),
            'embargo_until', newsroom.rfc3339(p.embargo_until),
            'revision_due_at', newsroom.rfc3339(CASE WHEN p.revision_due_at > now() THEN p.revision_due_at END),
            'review_note', p.review_note)
            ORDER BY p.saved_at DESC, p.id DESC), '[]'),
        'next_cursor', CASE WHEN count(*) >= wanted
            THEN (SELECT newsroom.cursor_of(l.saved_at, l.id) FROM page l ORDER BY l.saved_at ASC, l.id ASC LIMIT 1) END,
        'timezone', newsroom.timezone())
    INTO result
    FROM page p;
    RETURN result;
END
$$;

-- Writing ------------------------------------------------------------------

-- Publishes a scheduled edition whose time has come, so that changes made
-- after that time see it as published.
-- Likewise a scheduled revision whose time has come becomes the edition's
-- text, as readers have seen it since then (newsroom.as_seen).
-- PL/pgSQL for its plans, kept for the session (see newsroom.edition_extras).
CREATE OR REPLACE FUNCTION newsroom.settle(target bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE newsroom.edition
    SET status = 'published', published_at = coalesce(published_at, scheduled_at), updated_at = coalesce(updated_at, scheduled_at)
    WHERE id = target AND status = 'scheduled' AND scheduled_at <= now();
    UPDATE newsroom.edition e
    SET headline = s.headline, lead = s.lead, body = s.body, photo_url = s.photo_url, photo_caption = s.photo_caption,
        photo_credit = s.photo_credit, video = s.video, version = s.version, updated_at = s.updated_at,
        revision_due_at = NULL
    FROM newsroom.edition x CROSS JOIN LATERAL newsroom.as_seen(x) s
    WHERE e.id = target AND x.id = target AND x.revision_due_at <= now();
END
$$;

-- The edition as readers see it now: with its scheduled revision once that
-- revision's time has come, before any transaction has applied it
-- (newsroom.settle does, at the edition's next change). Costs nothing for
-- an edition with no revision pending.
CREATE OR REPLACE FUNCTION newsroom.as_seen(e newsroom.edition) RETURNS newsroom.edition
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r newsroom.edition_revision;
BEGIN
    IF e.revision_due_at IS NULL OR e.revision_due_at > now() THEN
        RETURN e;
    END IF;
    SELECT * INTO r FROM newsroom.edition_revision x
    WHERE x.edition_id = e.id AND x.effective_at = e.revision_due_at ORDER BY x.version DESC LIMIT 1;
    IF NOT FOUND THEN
        RETURN e;
    END IF;
    e.headline := r.headline; e.lead := r.lead; e.body := r.body;
    e.photo_url := r.photo_url; e.photo_caption := r.photo_caption; e.photo_credit := r.photo_credit;
    e.video := r.video; e.version := r.version;
    e.updated_at := r.effective_at;
    e.revised_at := greatest(r.effective_at, e.embargo_until);
    e.revision_due_at := NULL;
    RETURN e;
END
$$;

-- The next version number: after the newest revision, which may be a
-- cancelled scheduled one.
-- PL/pgSQL for its plans, kept for the session (see newsroom.edition_extras).
-- The newest by ORDER BY … LIMIT 1, not max(): the plan kept for the session
-- is made for any edition, which the planner expects to have about one
-- revision, and for max() it then reads all of them (an edition edited all
-- day has hundreds; 1.5 ms of an edit with 12,000); this way it reads one.
CREATE OR REPLACE FUNCTION newsroom.next_version(e newsroom.edition) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN greatest(e.version, (SELECT r.version FROM newsroom.edition_revision r
                                WHERE r.edition_id = e.id ORDER BY r.version DESC LIMIT 1)) + 1;
END
$$;

-- A change of an edition's text while a scheduled revision waits would be
-- overwritten when it takes over, or would overwrite it: either way someone's
-- work is lost without a word, so it is refused, saying how to go on.
CREATE OR REPLACE FUNCTION newsroom.refuse_if_revision_pending(e newsroom.edition) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF e.revision_due_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('%s/%s has a revision scheduled for %s (version %s), which readers see from then on; '
                             'cancel it first (edit --cancel-scheduled), or change it after it has taken over.',
                             e.lang, e.slug, newsroom.local_time(e.revision_due_at)->>'text',
                             (SELECT max(r.version) FROM newsroom.edition_revision r WHERE r.edition_id = e.id));
    END IF;
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

-- Refuses (NDST0) unless the edition's status is one of `allowed`.
CREATE OR REPLACE FUNCTION newsroom.require_state(e newsroom.edition, allowed newsroom.edition_status[], verb text, requirement text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT e.status = ANY (allowed) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('Cannot %s %s/%s: it is %s; %s.', verb, e.lang, e.slug, replace(e.status::text, '_', ' '), requirement);
    END IF;
END
$$;

-- Who may do what: the smaller rules ----------------------------------------------------------

-- SPEC §3: editors and admins edit anything; reporters edit drafts they are
-- bylined on that are not translations; translators edit draft translations
-- they are bylined on. (A translation carries its source's byline, so the
-- reporter of the source is on it, but translating is the translators' job.)
-- Whether the acting login is credited with the edition: on its byline, or
-- as its translator.
CREATE OR REPLACE FUNCTION newsroom.credited(e newsroom.edition) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT session_user::text = ANY (e.bylines) OR session_user::text = ANY (e.translators)
$$;

CREATE OR REPLACE FUNCTION newsroom.may_edit(e newsroom.edition) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT newsroom.actor_is('editor', 'admin')
        OR (e.status = 'draft' AND newsroom.credited(e)
            AND CASE WHEN e.translated_from IS NULL THEN newsroom.actor_is('reporter')
                     ELSE newsroom.actor_is('translator') END)
$$;

-- Why the acting login may not edit the edition, or NULL when it may: an
-- edit and the check made before an editor opens say the same.
CREATE OR REPLACE FUNCTION newsroom.edit_refusal(e newsroom.edition) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN newsroom.may_edit(e) THEN NULL
        WHEN e.status <> 'draft'
            THEN format('%s/%s is %s: editing it needs the editor role.', e.lang, e.slug, replace(e.status::text, '_', ' '))
        WHEN NOT newsroom.credited(e)
            THEN format('%s/%s is not your draft: editing it needs the editor role, or your name on its byline.', e.lang, e.slug)
        ELSE format('%s/%s is not a translation, and translators edit translations: editing it needs the reporter or editor role.',
                    e.lang, e.slug)
    END
$$;

-- `newsdesk edit` with no text asks this before it opens an editor, so that
-- nobody types what they may not save. Nothing is recorded: no change was
-- tried (the edit itself records its refusal).
CREATE OR REPLACE FUNCTION desk.edit_refusal(reference text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT newsroom.edit_refusal(e) FROM newsroom.edition e WHERE e.id = desk.resolve_edition(reference)
$$;

-- Which of `names` are not active staff, comma-separated; NULL when all are:
-- who may be credited on a byline.
-- PL/pgSQL for its plans, kept for the session (see newsroom.edition_extras).
CREATE OR REPLACE FUNCTION newsroom.not_active_staff(names text[]) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT string_agg(n, ', ') FROM unnest(names) AS n
            WHERE NOT EXISTS (SELECT 1 FROM newsroom.staff s WHERE s.login = n AND s.active));
END
$$;

-- The fields of an edition that an edit can change, for audit details.
-- PL/pgSQL for its plans, kept for the session (see newsroom.edition_extras).
CREATE OR REPLACE FUNCTION newsroom.edition_fields(e newsroom.edition) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN jsonb_build_object('version', e.version, 'slug', e.slug, 'headline', e.headline, 'lead', e.lead,
        'body', e.body, 'photo_url', e.photo_url, 'photo_caption', e.photo_caption, 'photo_credit', e.photo_credit,
        'bylines', to_jsonb(e.bylines), 'video', e.video, 'embargo_until', newsroom.rfc3339(e.embargo_until));
END
$$;

-- Before and after of the fields that changed.
-- PL/pgSQL for its plans, kept for the session (see newsroom.edition_extras).
CREATE OR REPLACE FUNCTION newsroom.changes(before jsonb, after jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN (SELECT jsonb_build_object(
        'before', coalesce(jsonb_object_agg(b.key, b.value) FILTER (WHERE b.value IS DISTINCT FROM changes.after->b.key), '{}'),
        'after', coalesce(jsonb_object_agg(b.key, changes.after->b.key) FILTER (WHERE b.value IS DISTINCT FROM changes.after->b.key), '{}'))
    FROM jsonb_each(changes.before) AS b);
END
$$;

-- Records a lifecycle change of an edition.
CREATE OR REPLACE FUNCTION newsroom.audit_transition(action text, e newsroom.edition, note text DEFAULT NULL) RETURNS void
LANGUAGE sql AS $$
    SELECT newsroom.audit(action, e.story_id, e.id, NULL, jsonb_strip_nulls(jsonb_build_object(
        'status', jsonb_build_object('before', e.status,
                                     'after', (SELECT status FROM newsroom.edition WHERE id = e.id)),
        'note', note)))
$$;

-- Words the site's own pages take in every language (`/uk/search`), which
-- no edition may have as its slug: a claim skips them, as it skips a taken
-- slug, and an edit that asks for one is refused.
CREATE OR REPLACE FUNCTION newsroom.slug_is_reserved(slug text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT slug = ANY (ARRAY['search'])
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
        IF newsroom.slug_is_reserved(candidate) THEN
            attempt := attempt + 1;
            CONTINUE;
        END IF;
        BEGIN
            INSERT INTO newsroom.edition_slug (lang, slug, edition_id) VALUES (language, candidate, target)
            ON CONFLICT DO NOTHING;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM newsroom.outwait('newsroom.edition_slug', format('The slug %s/%s', language, candidate));
            INSERT INTO newsroom.edition_slug (lang, slug, edition_id) VALUES (language, candidate, target)
            ON CONFLICT DO NOTHING;
        END;
        EXIT WHEN FOUND;
        attempt := attempt + 1;
    END LOOP;
    RETURN candidate;
END
$$;

-- PL/pgSQL for its plans, kept for the session (see newsroom.edition_extras).
CREATE OR REPLACE FUNCTION newsroom.save_revision(
    e newsroom.edition, change text, note text, effective_at timestamptz DEFAULT NULL
) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO newsroom.edition_revision
        (story_id, edition_id, version, slug, headline, lead, body, photo_url, photo_caption, photo_credit, bylines,
         video, embargo_until, change, note, effective_at)
    VALUES (e.story_id, e.id, e.version, e.slug, e.headline, e.lead, e.body, e.photo_url, e.photo_caption, e.photo_credit,
            e.bylines, e.video, e.embargo_until, save_revision.change, save_revision.note, save_revision.effective_at);
END
$$;

-- `newsdesk story new`: a story and its first edition, as a draft.
CREATE OR REPLACE FUNCTION newsroom.create_story(
    lang text, headline text, lead text DEFAULT '', body text DEFAULT '',
    photo_url text DEFAULT NULL, photo_caption text DEFAULT NULL, photo_credit text DEFAULT NULL,
    bylines text[] DEFAULT NULL, video boolean DEFAULT false, slug text DEFAULT NULL, embargo_until text DEFAULT NULL,
    subjects text[] DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    story bigint;
    target bigint;
    names text[] := coalesce(create_story.bylines, ARRAY[session_user::text]);
    operator boolean := newsroom.actor_is('admin') AND NOT EXISTS (SELECT 1 FROM newsroom.staff s WHERE s.login = session_user::text);
    e newsroom.edition;
BEGIN
    IF NOT newsroom.actor_is('reporter', 'editor', 'admin') THEN
        RETURN newsroom.refusal('story.create', 'reporter', 'Creating a story needs the reporter, editor or admin role.');
    END IF;
    -- A reporter writes their own stories: they are always on the byline.
    IF NOT newsroom.actor_is('editor', 'admin') AND NOT session_user::text = ANY (names) THEN
        RETURN newsroom.refusal('story.create', 'editor',
            'A reporter''s story carries their own byline; bylines for others alone need the editor role.');
    END IF;
    IF NOT operator AND newsroom.not_active_staff(names) IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('byline: %s is not on the staff.', newsroom.not_active_staff(names));
    END IF;
    create_story.lang := newsroom.require_language(create_story.lang, 'lang');
    PERFORM newsroom.require_subjects(create_story.subjects);
    INSERT INTO newsroom.story DEFAULT VALUES RETURNING id INTO story;
    target := nextval(pg_get_serial_sequence('newsroom.edition', 'id'));
    INSERT INTO newsroom.edition (id, story_id, lang, slug, headline, lead, body, photo_url, photo_caption, photo_credit,
                                  bylines, video, embargo_until)
    VALUES (target, story, create_story.lang, newsroom.claim_slug(create_story.lang, create_story.slug, target),
            create_story.headline, coalesce(create_story.lead, ''), coalesce(create_story.body, ''),
            create_story.photo_url, create_story.photo_caption, create_story.photo_credit,
            names, coalesce(create_story.video, false), desk.parse_time(create_story.embargo_until, 'embargo'))
    RETURNING * INTO e;
    PERFORM newsroom.save_revision(e, 'create', NULL);
    PERFORM newsroom.audit('story.create', story, target, NULL, jsonb_build_object('after', newsroom.edition_fields(e)));
    -- `story new --subject …`: tagged in the same call, recorded as tagging.
    IF cardinality(create_story.subjects) > 0 THEN
        INSERT INTO newsroom.story_subject (story_id, subject)
        SELECT story, s FROM unnest(create_story.subjects) AS s ON CONFLICT DO NOTHING;
        PERFORM newsroom.audit('story.tag', story, NULL, NULL, jsonb_build_object('before', '[]'::jsonb,
            'after', (SELECT to_jsonb(array_agg(t.subject ORDER BY t.subject)) FROM newsroom.story_subject t WHERE t.story_id = story)));
    END IF;
    RETURN desk.edition_document(target);
END
$$;
CALL newsroom.offer_at_desk('create_story');

-- `newsdesk edit`: a new revision. NULL arguments leave a field as it is.
-- With expect_version, a stale version is refused (NDCF0) and nothing is saved.
-- Parameters share names with columns: in its SQL statements a bare name is
-- the column (#variable_conflict use_column), the parameter is edit_edition.name.
CREATE OR REPLACE FUNCTION newsroom.edit_edition(
    reference text, expect_version integer DEFAULT NULL,
    headline text DEFAULT NULL, lead text DEFAULT NULL, body text DEFAULT NULL,
    photo_url text DEFAULT NULL, photo_caption text DEFAULT NULL, photo_credit text DEFAULT NULL,
    video boolean DEFAULT NULL, slug text DEFAULT NULL, embargo_until text DEFAULT NULL, clear_embargo boolean DEFAULT false,
    correction text DEFAULT NULL, minor boolean DEFAULT false,
    add_bylines text[] DEFAULT NULL, remove_bylines text[] DEFAULT NULL,
    scheduled_for text DEFAULT NULL, cancel_scheduled boolean DEFAULT false, brief boolean DEFAULT false
) RETURNS jsonb
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    e newsroom.edition := newsroom.locked_edition(reference);
    before jsonb := newsroom.edition_fields(e);
    latest newsroom.edition_revision;
    embargo timestamptz := desk.parse_time(edit_edition.embargo_until, 'embargo');
    claimed text;
    kept_current bigint[];
    credited text;
    due timestamptz := desk.parse_time(edit_edition.scheduled_for, 'at');
    pending integer;
BEGIN
    IF NOT newsroom.may_edit(e) THEN
        RETURN newsroom.refusal('edition.edit', 'editor', newsroom.edit_refusal(e), e.story_id, e.id);
    END IF;
    IF edit_edition.expect_version IS NOT NULL AND e.version <> edit_edition.expect_version THEN
        SELECT * INTO latest FROM newsroom.edition_revision r WHERE r.edition_id = e.id AND r.version = e.version;
        RAISE EXCEPTION USING ERRCODE = 'NDCF0',
            MESSAGE = format('%s/%s has changed: you edited version %s, but %s saved version %s at %s.',
                             e.lang, e.slug, edit_edition.expect_version, latest.saved_by, e.version, newsroom.local_time(latest.saved_at)->>'text'),
            DETAIL = jsonb_build_object('version', e.version, 'saved_by', latest.saved_by,
                                        'saved_at', newsroom.rfc3339(latest.saved_at))::text;
    END IF;
    -- Who is credited is the desk's decision: a reporter cannot drop a
    -- colleague from a story, or put one on it.
    IF (cardinality(add_bylines) > 0 OR cardinality(remove_bylines) > 0) AND NOT newsroom.actor_is('editor', 'admin') THEN
        RETURN newsroom.refusal('edition.edit', 'editor',
            format('Changing the byline of %s/%s needs the editor role.', e.lang, e.slug), e.story_id, e.id);
    END IF;
    IF edit_edition.minor AND edit_edition.correction IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = 'minor: a correction is told to readers, a minor edit is not; give one or the other.';
    END IF;
    IF edit_edition.correction IS NOT NULL AND e.status <> 'published' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('A correction is for a published edition; %s/%s is %s. Edit it without --correction.',
                             e.lang, e.slug, replace(e.status::text, '_', ' '));
    END IF;
    -- A scheduled revision cancelled before its time: it stays in the
    -- history, and readers never see it.
    IF edit_edition.cancel_scheduled THEN
        IF e.revision_due_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('%s/%s has no scheduled revision to cancel.', e.lang, e.slug);
        END IF;
        IF num_nonnulls(edit_edition.headline, edit_edition.lead, edit_edition.body, edit_edition.photo_url,
                        edit_edition.photo_caption, edit_edition.photo_credit, edit_edition.video, edit_edition.slug,
                        edit_edition.embargo_until, edit_edition.correction, edit_edition.scheduled_for,
                        add_bylines, remove_bylines) > 0 OR edit_edition.clear_embargo OR edit_edition.minor THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = 'cancel-scheduled: it goes alone; cancel first, then edit.';
        END IF;
        pending := (SELECT max(r.version) FROM newsroom.edition_revision r WHERE r.edition_id = e.id);
        UPDATE newsroom.edition SET revision_due_at = NULL WHERE id = e.id;
        INSERT INTO newsroom.edition_event (story_id, edition_id, action, note)
        VALUES (e.story_id, e.id, 'cancel_revision', format('version %s, scheduled for %s', pending, newsroom.rfc3339(e.revision_due_at)));
        PERFORM newsroom.audit('edition.edit', e.story_id, e.id, NULL, jsonb_build_object('cancelled_revision',
            jsonb_build_object('version', pending, 'scheduled_for', newsroom.rfc3339(e.revision_due_at))));
        RETURN desk.edition_document(e.id);
    END IF;
    PERFORM newsroom.refuse_if_revision_pending(e);
    IF due IS NOT NULL THEN
        IF e.status <> 'published' THEN
            RAISE EXCEPTION USING ERRCODE = 'NDST0',
                MESSAGE = format('A scheduled revision is for a published edition; %s/%s is %s. Edit it without --at.',
                                 e.lang, e.slug, replace(e.status::text, '_', ' '));
        END IF;
        IF due <= now() THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0',
                MESSAGE = format('at: %s has passed; to change the edition now, leave out --at.', edit_edition.scheduled_for);
        END IF;
        IF edit_edition.correction IS NOT NULL OR edit_edition.minor OR edit_edition.slug IS NOT NULL
           OR edit_edition.embargo_until IS NOT NULL OR edit_edition.clear_embargo
           OR cardinality(add_bylines) > 0 OR cardinality(remove_bylines) > 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0',
                MESSAGE = 'at: a scheduled revision changes the text, the photo and the video mark; a slug, an embargo, '
                          'bylines, a correction or a minor fix are changed now, without --at.';
        END IF;
    END IF;
    IF edit_edition.slug IS NOT NULL AND edit_edition.slug <> e.slug THEN
        IF newsroom.slug_is_reserved(edit_edition.slug) THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0',
                MESSAGE = format('slug: "%s" is the address of one of the site''s own pages; choose another.', edit_edition.slug);
        END IF;
        INSERT INTO newsroom.edition_slug (lang, slug, edition_id) VALUES (e.lang, edit_edition.slug, e.id)
        ON CONFLICT (lang, slug) DO UPDATE SET edition_id = EXCLUDED.edition_id
            WHERE newsroom.edition_slug.edition_id = EXCLUDED.edition_id
        RETURNING newsroom.edition_slug.slug INTO claimed;
        IF claimed IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('slug: %s/%s belongs to another edition.', e.lang, edit_edition.slug);
        END IF;
        e.slug := edit_edition.slug;
    END IF;
    IF newsroom.not_active_staff(add_bylines) IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('byline: %s is not on the staff; see newsdesk staff list.', newsroom.not_active_staff(add_bylines));
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(remove_bylines) n WHERE NOT n = ANY (e.bylines)) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('byline: %s is not on the byline of %s/%s (%s).',
                             (SELECT string_agg(n, ', ') FROM unnest(remove_bylines) n WHERE NOT n = ANY (e.bylines)),
                             e.lang, e.slug, array_to_string(e.bylines, ', '));
    END IF;
    FOREACH credited IN ARRAY coalesce(remove_bylines, '{}') LOOP
        e.bylines := array_remove(e.bylines, credited);
    END LOOP;
    FOREACH credited IN ARRAY coalesce(add_bylines, '{}') LOOP
        IF NOT credited = ANY (e.bylines) THEN
            e.bylines := e.bylines || credited;
        END IF;
    END LOOP;
    IF cardinality(e.bylines) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('byline: %s/%s would be credited to nobody; add a name before you remove the last.', e.lang, e.slug);
    END IF;
    e.headline := coalesce(edit_edition.headline, e.headline);
    e.lead := coalesce(edit_edition.lead, e.lead);
    e.body := coalesce(edit_edition.body, e.body);
    e.photo_url := coalesce(edit_edition.photo_url, e.photo_url);
    e.photo_caption := coalesce(edit_edition.photo_caption, e.photo_caption);
    e.photo_credit := coalesce(edit_edition.photo_credit, e.photo_credit);
    e.video := coalesce(edit_edition.video, e.video);
    e.embargo_until := CASE WHEN edit_edition.clear_embargo THEN NULL ELSE coalesce(embargo, e.embargo_until) END;
    e.version := newsroom.next_version(e);
    IF due IS NOT NULL THEN
        -- Saved now, seen from `due` on: the edition's row keeps what readers
        -- see until then (newsroom.as_seen, newsroom.settle), and the public
        -- change is recorded now for then, as no transaction happens then.
        PERFORM newsroom.save_revision(e, 'edit', NULL, due);
        UPDATE newsroom.edition SET revision_due_at = due WHERE id = e.id;
        PERFORM newsroom.record_public_change('edition.edited', e, NULL, due);
        PERFORM newsroom.audit('edition.edit', e.story_id, e.id, NULL,
            newsroom.changes(before, newsroom.edition_fields(e)) || jsonb_build_object('scheduled_for', newsroom.rfc3339(due)));
        RETURN desk.edition_document(e.id);
    END IF;
    UPDATE newsroom.edition SET
        slug = e.slug, headline = e.headline, lead = e.lead, body = e.body, photo_url = e.photo_url,
        photo_caption = e.photo_caption, photo_credit = e.photo_credit, video = e.video, embargo_until = e.embargo_until,
        bylines = e.bylines, version = e.version, saved_at = now(),
        -- A minor edit (a typo, a broken link) is silent: readers see no "updated".
        updated_at = CASE WHEN e.status = 'published' AND NOT edit_edition.minor THEN now() ELSE updated_at END
    WHERE id = e.id;
    PERFORM newsroom.save_revision(e, CASE WHEN edit_edition.correction IS NOT NULL THEN 'correction'
                                           WHEN edit_edition.minor THEN 'minor' ELSE 'edit' END,
                                   edit_edition.correction);
    -- ... and leaves nothing for translators to do: the translations that
    -- followed the version before it follow this one.
    IF edit_edition.minor THEN
        WITH kept AS (
            UPDATE newsroom.edition t SET translated_from_version = e.version
            WHERE t.translated_from = e.id AND t.translated_from_version = (before->>'version')::integer
            RETURNING t.id)
        SELECT array_agg(kept.id ORDER BY kept.id) INTO kept_current FROM kept;
    END IF;
    IF edit_edition.correction IS NOT NULL THEN
        INSERT INTO newsroom.edition_correction (story_id, edition_id, version, note)
        VALUES (e.story_id, e.id, e.version, edit_edition.correction);
    END IF;
    PERFORM newsroom.audit(CASE WHEN edit_edition.correction IS NULL THEN 'edition.edit' ELSE 'edition.correct' END,
        e.story_id, e.id, NULL,
        newsroom.changes(before, newsroom.edition_fields(e))
            || jsonb_strip_nulls(jsonb_build_object(
                'correction', edit_edition.correction,
                'minor', CASE WHEN edit_edition.minor THEN true END,
                'translations_kept_current', to_jsonb(kept_current))));
    IF edit_edition.brief THEN
        -- Only which edition and version were saved, for a caller that prints
        -- no more: the whole document (every live update with it) is most of
        -- an edit's time, and the caller's time to read it.
        RETURN jsonb_build_object('id', e.id, 'story_id', e.story_id, 'lang', e.lang, 'slug', e.slug,
                                  'version', e.version);
    END IF;
    RETURN desk.edition_document(e.id);
END
$$;
CALL newsroom.offer_at_desk('edit_edition');

-- `newsdesk restore`: the content of an earlier version as a new revision.
CREATE OR REPLACE FUNCTION newsroom.restore_edition(reference text, from_version integer) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition := newsroom.locked_edition(reference);
    before jsonb := newsroom.edition_fields(e);
    old newsroom.edition_revision;
    -- Names the restored byline would credit again who are not on the staff.
    gone text;
BEGIN
    IF NOT newsroom.may_edit(e) THEN
        RETURN newsroom.refusal('edition.restore', 'editor',
            format('Restoring %s/%s needs the editor role, or your own draft.', e.lang, e.slug), e.story_id, e.id);
    END IF;
    SELECT * INTO old FROM newsroom.edition_revision WHERE edition_id = e.id AND version = from_version;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('%s/%s has no version %s.', e.lang, e.slug, from_version);
    END IF;
    -- The byline it brings back is changed as an edit changes it
    -- (newsroom.edit_edition): by an editor, and only to people on the staff.
    IF old.bylines IS DISTINCT FROM e.bylines THEN
        IF NOT newsroom.actor_is('editor', 'admin') THEN
            RETURN newsroom.refusal('edition.restore', 'editor',
                format('Restoring version %s of %s/%s would change its byline (%s, not %s), which needs the editor role.',
                       from_version, e.lang, e.slug, array_to_string(old.bylines, ', '), array_to_string(e.bylines, ', ')),
                e.story_id, e.id);
        END IF;
        gone := newsroom.not_active_staff(ARRAY(SELECT n FROM unnest(old.bylines) n WHERE NOT n = ANY (e.bylines)));
        IF gone IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0',
                MESSAGE = format('byline: %s is not on the staff; restoring version %s of %s/%s would credit them again.',
                                 gone, from_version, e.lang, e.slug);
        END IF;
    END IF;
    e.headline := old.headline; e.lead := old.lead; e.body := old.body;
    e.photo_url := old.photo_url; e.photo_caption := old.photo_caption; e.photo_credit := old.photo_credit;
    e.bylines := old.bylines; e.video := old.video; e.embargo_until := old.embargo_until;
    PERFORM newsroom.refuse_if_revision_pending(e);
    e.version := newsroom.next_version(e);
    UPDATE newsroom.edition SET
        headline = e.headline, lead = e.lead, body = e.body, photo_url = e.photo_url, photo_caption = e.photo_caption,
        photo_credit = e.photo_credit, bylines = e.bylines, video = e.video, embargo_until = e.embargo_until,
        version = e.version, saved_at = now(),
        updated_at = CASE WHEN e.status = 'published' THEN now() ELSE updated_at END
    WHERE id = e.id;
    PERFORM newsroom.save_revision(e, 'restore', format('restored version %s', from_version));
    PERFORM newsroom.audit('edition.restore', e.story_id, e.id, NULL,
        newsroom.changes(before, newsroom.edition_fields(e)) || jsonb_build_object('restored_version', from_version));
    RETURN desk.edition_document(e.id);
END
$$;
CALL newsroom.offer_at_desk('restore_edition');

CREATE OR REPLACE FUNCTION newsroom.submit_edition(reference text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition := newsroom.locked_edition(reference);
BEGIN
    IF NOT (newsroom.actor_is('editor', 'admin')
            OR (newsroom.actor_is('reporter', 'translator') AND newsroom.credited(e))) THEN
        RETURN newsroom.refusal('edition.submit', 'reporter',
            format('Submitting %s/%s needs your name on its byline, or the editor role.', e.lang, e.slug), e.story_id, e.id);
    END IF;
    PERFORM newsroom.require_state(e, ARRAY['draft']::newsroom.edition_status[], 'submit', 'only a draft can be submitted for review');
    UPDATE newsroom.edition SET status = 'in_review', review_note = NULL WHERE id = e.id;
    INSERT INTO newsroom.edition_event (story_id, edition_id, action) VALUES (e.story_id, e.id, 'submit');
    PERFORM newsroom.audit_transition('edition.submit', e);
    RETURN desk.edition_document(e.id);
END
$$;
CALL newsroom.offer_at_desk('submit_edition');

-- The editor's actions share one check.
CREATE OR REPLACE FUNCTION newsroom.editor_refusal(action text, e newsroom.edition, verb text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT CASE WHEN newsroom.actor_is('editor', 'admin') THEN NULL
        ELSE newsroom.refusal(action, 'editor', format('To %s %s/%s you need the editor role.', verb, e.lang, e.slug), e.story_id, e.id)
    END
$$;

CREATE OR REPLACE FUNCTION newsroom.return_edition(reference text, note text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition := newsroom.locked_edition(reference);
    refused jsonb := newsroom.editor_refusal('edition.return', e, 'return');
BEGIN
    IF refused IS NOT NULL THEN RETURN refused; END IF;
    PERFORM newsroom.require_state(e, ARRAY['in_review']::newsroom.edition_status[], 'return',
        'only an edition in review can be returned to its reporter');
    UPDATE newsroom.edition SET status = 'draft', review_note = note WHERE id = e.id;
    INSERT INTO newsroom.edition_event (story_id, edition_id, action, note) VALUES (e.story_id, e.id, 'return', note);
    PERFORM newsroom.audit_transition('edition.return', e, note);
    RETURN desk.edition_document(e.id);
END
$$;
CALL newsroom.offer_at_desk('return_edition');

-- `newsdesk publish [--at TIME]`: now, or scheduled for a later time (which
-- then needs no process to run: readers see it from that time on); a time
-- that has passed is refused.
CREATE OR REPLACE FUNCTION newsroom.publish_edition(
    reference text, publish_at text DEFAULT NULL, published_at text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    publish_time timestamptz := desk.parse_time(publish_at, 'at');
    first_published timestamptz := desk.parse_time(publish_edition.published_at, 'published-at');
    e newsroom.edition := newsroom.locked_edition(reference);
    refused jsonb := newsroom.editor_refusal(CASE WHEN publish_time > now() THEN 'edition.schedule' ELSE 'edition.publish' END,
                                             e, CASE WHEN publish_time > now() THEN 'schedule' ELSE 'publish' END);
BEGIN
    IF refused IS NOT NULL THEN RETURN refused; END IF;
    PERFORM newsroom.require_state(e, ARRAY['draft', 'in_review', 'scheduled']::newsroom.edition_status[], 'publish',
        'a published edition changes with edit, and a withdrawn one comes back with republish');
    -- A time already gone is a mistake (a wrong day, a wrong year), not a
    -- wish to publish now: publishing is said without --at.
    IF publish_time <= now() THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('at: %s (Kyiv time %s) has passed; to publish now, leave out --at.',
                             publish_at, newsroom.local_time(publish_time)->>'text');
    END IF;
    -- An earlier first publication (an archive, a story first published
    -- elsewhere) is recorded as it was: the date readers and feeds see, with
    -- the moment it was recorded kept in the audit log.
    IF first_published IS NOT NULL AND publish_time IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = 'published-at: it records an earlier publication; --at schedules a later one. Give one or the other.';
    END IF;
    IF first_published > now() THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('published-at: %s has not come yet; to publish later, use --at.', publish_edition.published_at);
    END IF;
    IF first_published IS NOT NULL THEN
        UPDATE newsroom.edition
        SET status = 'published', scheduled_at = NULL, published_at = first_published, updated_at = first_published
        WHERE id = e.id;
        INSERT INTO newsroom.edition_event (story_id, edition_id, action, note)
        VALUES (e.story_id, e.id, 'publish', format('first published %s', newsroom.rfc3339(first_published)));
        PERFORM newsroom.audit(
            'edition.publish', e.story_id, e.id, NULL,
            jsonb_build_object('status', jsonb_build_object('before', e.status, 'after', 'published'),
                               'published_at', newsroom.rfc3339(first_published),
                               'recorded_at', newsroom.rfc3339(now())));
        RETURN desk.edition_document(e.id);
    END IF;
    IF publish_time IS NOT NULL THEN
        -- Feeds sort by published_at: it is the scheduled time, and readers see it from then on.
        UPDATE newsroom.edition SET status = 'scheduled', scheduled_at = publish_time,
            published_at = publish_time, updated_at = publish_time
        WHERE id = e.id;
        INSERT INTO newsroom.edition_event (story_id, edition_id, action, note) VALUES (e.story_id, e.id, 'schedule', newsroom.rfc3339(publish_time));
        PERFORM newsroom.audit_transition('edition.schedule', e, newsroom.rfc3339(publish_time));
    ELSE
        -- Published now; a schedule that had not come yet no longer holds.
        UPDATE newsroom.edition
        SET status = 'published', scheduled_at = NULL,
            published_at = CASE WHEN e.status = 'scheduled' THEN now() ELSE coalesce(published_at, now()) END,
            updated_at = CASE WHEN e.status = 'scheduled' THEN now() ELSE coalesce(updated_at, now()) END
        WHERE id = e.id;
        INSERT INTO newsroom.edition_event (story_id, edition_id, action) VALUES (e.story_id, e.id, 'publish');
        PERFORM newsroom.audit_transition('edition.publish', e);
    END IF;
    RETURN desk.edition_document(e.id);
END
$$;
CALL newsroom.offer_at_desk('publish_edition');

CREATE OR REPLACE FUNCTION newsroom.unpublish_edition(reference text, reason text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition := newsroom.locked_edition(reference);
    refused jsonb := newsroom.editor_refusal('edition.unpublish', e, 'unpublish');
BEGIN
    IF refused IS NOT NULL THEN RETURN refused; END IF;
    PERFORM newsroom.require_state(e, ARRAY['published', 'scheduled']::newsroom.edition_status[], 'unpublish',
        'only a published or scheduled edition can be withdrawn');
    UPDATE newsroom.edition SET status = 'withdrawn', withdrawal_reason = reason, scheduled_at = NULL,
        -- A scheduled edition withdrawn before its time was never published.
        published_at = CASE WHEN e.status = 'scheduled' THEN NULL ELSE published_at END,
        updated_at = CASE WHEN e.status = 'published' THEN now() WHEN e.status = 'scheduled' THEN NULL ELSE updated_at END
    WHERE id = e.id;
    INSERT INTO newsroom.edition_event (story_id, edition_id, action, note) VALUES (e.story_id, e.id, 'unpublish', reason);
    PERFORM newsroom.audit_transition('edition.unpublish', e, reason);
    RETURN desk.edition_document(e.id);
END
$$;
CALL newsroom.offer_at_desk('unpublish_edition');

CREATE OR REPLACE FUNCTION newsroom.republish_edition(reference text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition := newsroom.locked_edition(reference);
    refused jsonb := newsroom.editor_refusal('edition.republish', e, 'republish');
BEGIN
    IF refused IS NOT NULL THEN RETURN refused; END IF;
    PERFORM newsroom.require_state(e, ARRAY['withdrawn']::newsroom.edition_status[], 'republish',
        'only a withdrawn edition can be republished');
    UPDATE newsroom.edition SET status = 'published', withdrawal_reason = NULL,
        published_at = coalesce(published_at, now()), updated_at = now()
    WHERE id = e.id;
    INSERT INTO newsroom.edition_event (story_id, edition_id, action) VALUES (e.story_id, e.id, 'republish');
    PERFORM newsroom.audit_transition('edition.republish', e);
    RETURN desk.edition_document(e.id);
END
$$;
CALL newsroom.offer_at_desk('republish_edition');

-- The same rule as before, spelled so the planner can estimate it from the
-- statistics of status: behind a CASE it guessed that almost no edition was
-- visible, and so never expected a LIMIT to stop early.
CREATE OR REPLACE FUNCTION newsroom.visible(status newsroom.edition_status, scheduled_at timestamptz,
                                            embargo_until timestamptz)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT (status = 'published' OR (status = 'scheduled' AND scheduled_at <= now()))
       AND (embargo_until IS NULL OR embargo_until <= now())
$$;

-- History is never rewritten.
CREATE OR REPLACE TRIGGER edition_revision_is_immutable BEFORE UPDATE OR DELETE ON newsroom.edition_revision
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_change();
CREATE OR REPLACE TRIGGER edition_correction_is_immutable BEFORE UPDATE OR DELETE ON newsroom.edition_correction
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_change();
CREATE OR REPLACE TRIGGER edition_event_is_immutable BEFORE UPDATE OR DELETE ON newsroom.edition_event
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_change();
