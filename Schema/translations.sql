-- Translations (SPEC §1): editions made from another edition of the same
-- story record what they were made from, so that "out of date" is
-- computed, never guessed. A translated live update points at its source.

CREATE OR REPLACE FUNCTION newsroom.is_translation(target bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT translated_from IS NOT NULL FROM newsroom.edition WHERE id = target
$$;

-- Source updates readers see that have no translation in `target` yet.
CREATE OR REPLACE FUNCTION newsroom.missing_updates(target bigint) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(source.id ORDER BY source.seq), '{}')
    FROM newsroom.edition e
    JOIN newsroom.live_update source ON source.edition_id = e.translated_from AND source.withdrawn_at IS NULL
    WHERE e.id = target
      AND NOT EXISTS (SELECT 1 FROM newsroom.live_update t WHERE t.edition_id = target AND t.translation_of = source.id)
$$;

-- Where a translation stands against its source.
CREATE OR REPLACE FUNCTION newsroom.translation_state(e newsroom.edition) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'lang', e.lang, 'edition_id', e.id, 'slug', e.slug, 'status', newsroom.effective_status(e.status, e.scheduled_at),
        'version', e.version,
        'source', CASE WHEN e.translated_from IS NULL THEN NULL
                       ELSE jsonb_build_object('edition_id', e.translated_from, 'version', e.translated_from_version,
                                               'lang', source.lang, 'current_version', source.version) END,
        'stale', coalesce(source.version > e.translated_from_version, false),
        -- The source is itself behind its own source: this edition will need a refresh after it.
        'stale_upstream', coalesce(upstream.version > source.translated_from_version, false),
        'missing_updates', to_jsonb(newsroom.missing_updates(e.id)))
    FROM (SELECT 1) AS one
    LEFT JOIN newsroom.edition source ON source.id = e.translated_from
    LEFT JOIN newsroom.edition upstream ON upstream.id = source.translated_from
$$;

-- `newsdesk translations STORY`: every edition of the story and how it stands.
CREATE OR REPLACE FUNCTION desk.story_translations(story bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM newsroom.story s WHERE s.id = story) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('There is no story %s.', story);
    END IF;
    RETURN jsonb_build_object('story_id', story, 'editions', (
        SELECT jsonb_agg(newsroom.translation_state(e) ORDER BY l.position, e.lang)
        FROM newsroom.edition e LEFT JOIN newsroom.language l ON l.tag = e.lang
        WHERE e.story_id = story));
END
$$;

-- `newsdesk translate EDITION --to LANG`: the story's edition in LANG, as a
-- draft, prefilled from the source where the translator gives nothing (the
-- photo's caption and credit too, until the translator gives them).
CREATE OR REPLACE FUNCTION newsroom.translate_edition(
    reference text, to_lang text, headline text DEFAULT NULL, lead text DEFAULT NULL, body text DEFAULT NULL,
    slug text DEFAULT NULL, caption text DEFAULT NULL, credit text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    source newsroom.edition := newsroom.locked_edition(reference);
    existing newsroom.edition;
    target bigint;
    e newsroom.edition;
BEGIN
    IF NOT newsroom.actor_is('translator', 'editor', 'admin') THEN
        RETURN newsroom.refusal('translation.create', 'translator',
            'Translating needs the translator, editor or admin role.', source.story_id, source.id);
    END IF;
    to_lang := newsroom.require_language(to_lang, 'to');
    SELECT * INTO existing FROM newsroom.edition x WHERE x.story_id = source.story_id AND x.lang = to_lang;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('The story already has its %s edition, %s/%s; refresh it with translate --refresh.',
                             to_lang, existing.lang, existing.slug);
    END IF;
    target := nextval(pg_get_serial_sequence('newsroom.edition', 'id'));
    INSERT INTO newsroom.edition (id, story_id, lang, slug, headline, lead, body, photo_url, photo_caption, photo_credit,
                                  bylines, translators, video, embargo_until, translated_from, translated_from_version)
    VALUES (target, source.story_id, to_lang, newsroom.claim_slug(to_lang, coalesce(translate_edition.slug, source.slug), target),
            coalesce(translate_edition.headline, source.headline), coalesce(translate_edition.lead, source.lead),
            coalesce(translate_edition.body, source.body), source.photo_url,
            coalesce(translate_edition.caption, source.photo_caption), coalesce(translate_edition.credit, source.photo_credit),
            -- The original's authors keep their byline; the translator is credited apart
            -- (and may then edit the draft), unless they wrote the original too.
            source.bylines, CASE WHEN session_user::text = ANY (source.bylines) THEN '{}'::text[] ELSE ARRAY[session_user::text] END,
            source.video, source.embargo_until, source.id, source.version)
    RETURNING * INTO e;
    PERFORM newsroom.save_revision(e, 'create', format('translated from %s/%s version %s', source.lang, source.slug, source.version));
    PERFORM newsroom.audit('translation.create', e.story_id, e.id, NULL, jsonb_build_object(
        'source', jsonb_build_object('edition_id', source.id, 'version', source.version),
        'source_updates', to_jsonb(newsroom.missing_updates(e.id)),
        'after', newsroom.edition_fields(e)));
    RETURN desk.edition_document(target);
END
$$;
CALL newsroom.offer_at_desk('translate_edition');

-- `newsdesk translate --refresh`: the translator's edit, recorded as
-- following the source's current version.
CREATE OR REPLACE FUNCTION newsroom.refresh_translation(
    reference text, headline text DEFAULT NULL, lead text DEFAULT NULL, body text DEFAULT NULL,
    expect_version integer DEFAULT NULL, no_change boolean DEFAULT false
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition := newsroom.locked_edition(reference);
    before jsonb := newsroom.edition_fields(e);
    source newsroom.edition;
    followed integer := e.translated_from_version;
BEGIN
    IF e.translated_from IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('%s/%s is not a translation.', e.lang, e.slug);
    END IF;
    IF NOT newsroom.may_edit(e) THEN
        RETURN newsroom.refusal('translation.refresh', 'translator', format(
            'Refreshing %s/%s needs the translator role and your name on its byline while it is a draft, or the editor role.',
            e.lang, e.slug), e.story_id, e.id);
    END IF;
    IF expect_version IS NOT NULL AND e.version <> expect_version THEN
        RAISE EXCEPTION USING ERRCODE = 'NDCF0',
            MESSAGE = format('%s/%s has changed: you edited version %s, but version %s was saved since.',
                             e.lang, e.slug, expect_version, e.version),
            DETAIL = jsonb_build_object('version', e.version, 'saved_by', '', 'saved_at', newsroom.rfc3339(e.saved_at))::text;
    END IF;
    SELECT * INTO source FROM newsroom.edition WHERE id = e.translated_from FOR SHARE;
    -- Following a new source version is the translator's statement that the
    -- translation says what it says: new text, or that none is needed. A
    -- refresh with neither would clear "stale" with nobody having looked.
    IF no_change AND num_nonnulls(refresh_translation.headline, refresh_translation.lead, refresh_translation.body) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = 'no-change: it says the translation needs no new text, so it goes without --headline, --lead and --body.';
    END IF;
    IF NOT no_change AND num_nonnulls(refresh_translation.headline, refresh_translation.lead, refresh_translation.body) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('%s/%s: give the new text (--headline, --lead, --body), or --no-change if the translation needs none for %s/%s version %s.',
                             e.lang, e.slug, source.lang, source.slug, source.version);
    END IF;
    IF no_change THEN
        IF followed = source.version THEN
            RAISE EXCEPTION USING ERRCODE = 'NDST0',
                MESSAGE = format('%s/%s already follows %s/%s version %s; there is nothing to refresh.',
                                 e.lang, e.slug, source.lang, source.slug, source.version);
        END IF;
        -- The text stands as it is: no new revision, nothing new for readers.
        UPDATE newsroom.edition SET translated_from_version = source.version WHERE id = e.id;
        INSERT INTO newsroom.edition_event (story_id, edition_id, action, note)
        VALUES (e.story_id, e.id, 'follow', format('follows %s/%s version %s with no change', source.lang, source.slug, source.version));
        PERFORM newsroom.audit('translation.refresh', e.story_id, e.id, NULL, jsonb_build_object(
            'no_change', true,
            'source', jsonb_build_object('edition_id', source.id, 'from_version', followed, 'to_version', source.version)));
        RETURN desk.edition_document(e.id);
    END IF;
    e.headline := coalesce(refresh_translation.headline, e.headline);
    e.lead := coalesce(refresh_translation.lead, e.lead);
    e.body := coalesce(refresh_translation.body, e.body);
    PERFORM newsroom.refuse_if_revision_pending(e);
    e.version := newsroom.next_version(e);
    UPDATE newsroom.edition SET headline = e.headline, lead = e.lead, body = e.body, version = e.version, saved_at = now(),
        translated_from_version = source.version,
        updated_at = CASE WHEN e.status = 'published' THEN now() ELSE updated_at END
    WHERE id = e.id;
    PERFORM newsroom.save_revision(e, 'edit', format('follows %s/%s version %s', source.lang, source.slug, source.version));
    PERFORM newsroom.audit('translation.refresh', e.story_id, e.id, NULL,
        newsroom.changes(before, newsroom.edition_fields(e)) || jsonb_build_object(
            'source', jsonb_build_object('edition_id', source.id, 'from_version', followed, 'to_version', source.version)));
    RETURN desk.edition_document(e.id);
END
$$;
CALL newsroom.offer_at_desk('refresh_translation');

-- `newsdesk update translate UPDATE --to LANG`: the update in the story's
-- LANG edition, which must be a translation, linked to its source update.
CREATE OR REPLACE FUNCTION newsroom.translate_update(reference text, to_lang text, body text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    source newsroom.live_update;
    source_edition newsroom.edition;
    e newsroom.edition;
    added newsroom.live_update;
    document jsonb;
BEGIN
    SELECT * INTO source FROM newsroom.live_update WHERE id = newsroom.resolve_update(reference);
    to_lang := newsroom.require_language(to_lang, 'to');
    SELECT * INTO source_edition FROM newsroom.edition WHERE id = source.edition_id;
    SELECT x.id INTO e.id FROM newsroom.edition x WHERE x.story_id = source_edition.story_id AND x.lang = to_lang;
    IF e.id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0',
            MESSAGE = format('The story has no %s edition yet; translate the story first (newsdesk translate %s/%s --to %s).',
                             to_lang, source_edition.lang, source_edition.slug, to_lang);
    END IF;
    e := newsroom.locked_edition(e.id::text);
    IF NOT newsroom.actor_is('translator', 'editor', 'admin') THEN
        RETURN newsroom.refusal('update.translate', 'translator',
            'Translating a live update needs the translator, editor or admin role.', e.story_id, e.id);
    END IF;
    IF e.id = source.edition_id THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('to: update %s is already in %s.', source.id, to_lang);
    END IF;
    IF e.translated_from IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('%s/%s is the story''s original, not a translation: its updates are written there, not translated into it.',
                             e.lang, e.slug);
    END IF;
    IF source.withdrawn_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('Update %s was withdrawn; it is not translated.', source.id);
    END IF;
    IF e.status = 'withdrawn' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('Cannot add to %s/%s: it is withdrawn.', e.lang, e.slug);
    END IF;
    IF EXISTS (SELECT 1 FROM newsroom.live_update t WHERE t.edition_id = e.id AND t.translation_of = source.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('Update %s is already translated in %s/%s; change it with update edit.', source.id, e.lang, e.slug);
    END IF;
    UPDATE newsroom.edition SET update_count = update_count + 1,
        updated_at = CASE WHEN status = 'published' THEN now() ELSE updated_at END
    WHERE id = e.id RETURNING update_count INTO e.update_count;
    INSERT INTO newsroom.live_update (story_id, edition_id, seq, posted_at, kind, body, key, translation_of)
    VALUES (e.story_id, e.id, e.update_count, source.posted_at, source.kind, translate_update.body, source.key, source.id)
    RETURNING * INTO added;
    INSERT INTO newsroom.live_update_revision (story_id, update_id, version, kind, body, key, change, note)
    VALUES (added.story_id, added.id, 1, added.kind, added.body, added.key, 'add', format('translation of update %s', source.id));
    document := newsroom.update_document(added);
    PERFORM newsroom.audit('update.translate', e.story_id, e.id, added.id,
        jsonb_build_object('source_update', source.id, 'after', document - 'local_time'));
    RETURN document;
END
$$;
CALL newsroom.offer_at_desk('translate_update');

-- A withdrawn update is not news any more: it is not translated, nor is a
-- translation of it.
CREATE OR REPLACE FUNCTION newsroom.refuse_withdrawn_source() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (WITH RECURSIVE origin AS (
                   SELECT s.id, s.translation_of, s.withdrawn_at FROM newsroom.live_update s WHERE s.id = NEW.translation_of
                   UNION ALL
                   SELECT s.id, s.translation_of, s.withdrawn_at FROM newsroom.live_update s JOIN origin o ON s.id = o.translation_of)
               SELECT 1 FROM origin WHERE origin.withdrawn_at IS NOT NULL) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0',
            MESSAGE = format('Update %s was withdrawn; it is not translated.', NEW.translation_of);
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER translation_of_a_live_source BEFORE INSERT ON newsroom.live_update
    FOR EACH ROW WHEN (NEW.translation_of IS NOT NULL) EXECUTE FUNCTION newsroom.refuse_withdrawn_source();
