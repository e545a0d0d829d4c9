-- Bulk import (`newsdesk import FILE`): documents become stories and
-- editions; each document's uri is kept, so running the same import again
-- creates nothing twice.

-- Imports `staged` (the caller reads its own staging table into the
-- argument, with its own rights; nothing here reads an object the caller
-- made). Editors and admins only: imported editions may be published. The
-- first line of each uri counts; a uri imported before, or exported from
-- this very newsroom, is skipped. Set-based: slugs in one statement, then
-- stories, editions, revisions, uris and tags in another; only a slug that
-- is taken already (or used twice) goes through newsroom.claim_slug() one at
-- a time.
CREATE OR REPLACE FUNCTION newsroom.import_editions(staged desk.import_row[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    site text := (SELECT value FROM newsroom.newsroom_setting WHERE key = 'site_url');
    story_ids regclass := pg_get_serial_sequence('newsroom.story', 'id');
    edition_ids regclass := pg_get_serial_sequence('newsroom.edition', 'id');
    documents integer;
    plan newsroom.import_plan[];
    imported integer;
    first_uses integer;
    claimed integer;
    unknown record;
    taken record;
    late_ids bigint[] := '{}'::bigint[];
    late_slugs text[] := '{}'::text[];
BEGIN
    IF NOT newsroom.actor_is('editor', 'admin') THEN
        RETURN newsroom.refusal('edition.import', 'editor', 'Importing editions needs the editor or admin role.');
    END IF;
    SELECT count(DISTINCT s.uri) INTO documents FROM unnest(staged) s;

    SELECT coalesce(array_agg(ROW(d.line, d.uri, d.lang, d.headline, d.lead, d.body, d.status, d.published_at,
                                  d.updated_at, d.embargo_until, d.subjects, nextval(story_ids), nextval(edition_ids),
                                  d.slug, d.slug_use)::newsroom.import_plan ORDER BY d.line), '{}')
    INTO plan
    FROM (SELECT f.*, row_number() OVER (PARTITION BY f.lang, f.slug ORDER BY f.line) AS slug_use
          FROM (SELECT DISTINCT ON (s.uri) s.line, s.uri, s.lang, coalesce(nullif(s.slug, ''), 'story') AS slug,
                       s.headline, s.lead, s.body, s.status, s.published_at, s.updated_at, s.embargo_until, s.subjects
                FROM unnest(staged) s ORDER BY s.uri, s.line) f
          WHERE NOT EXISTS (SELECT 1 FROM newsroom.edition_import i WHERE i.uri = f.uri)
            AND NOT (starts_with(f.uri, site || '/editions/')
                     AND substr(f.uri, length(site) + 11) ~ '^[0-9]{1,18}$'
                     AND EXISTS (SELECT 1 FROM newsroom.edition x WHERE x.id = substr(f.uri, length(site) + 11)::bigint))) d;
    SELECT count(*), count(*) FILTER (WHERE p.slug_use = 1) INTO imported, first_uses FROM unnest(plan) p;

    SELECT p.line, p.lang INTO unknown FROM unnest(plan) p
    WHERE NOT EXISTS (SELECT 1 FROM newsroom.language l WHERE l.tag = p.lang) ORDER BY p.line LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('line %s: language "%s" is not one this newsroom publishes in.', unknown.line, unknown.lang);
    END IF;
    -- A publication date still to come would hold the top of every feed until then.
    SELECT p.line, p.published_at INTO unknown FROM unnest(plan) p
    WHERE p.status IN ('published', 'withdrawn') AND p.published_at > now() ORDER BY p.line LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('line %s: firstCreated %s is in the future; import it as a draft and schedule it with publish --at.',
                             unknown.line, newsroom.rfc3339(unknown.published_at));
    END IF;

    -- Slugs: every first use of a free slug in one statement, the rest one by one.
    WITH first_claims AS (
        INSERT INTO newsroom.edition_slug (lang, slug, edition_id)
        SELECT p.lang, p.slug, p.edition_id FROM unnest(plan) p
        WHERE p.slug_use = 1 AND NOT newsroom.slug_is_reserved(p.slug)
        ON CONFLICT DO NOTHING
        RETURNING 1)
    SELECT count(*) INTO claimed FROM first_claims;
    FOR taken IN
        SELECT p.lang, p.slug, p.edition_id FROM unnest(plan) p
        WHERE p.slug_use > 1
           OR (claimed < first_uses AND NOT EXISTS (
                  SELECT 1 FROM newsroom.edition_slug s
                  WHERE s.lang = p.lang AND s.slug = p.slug AND s.edition_id = p.edition_id))
        ORDER BY p.line
    LOOP
        late_ids := late_ids || taken.edition_id;
        late_slugs := late_slugs || newsroom.claim_slug(taken.lang, taken.slug, taken.edition_id);
    END LOOP;
    IF cardinality(late_ids) > 0 THEN
        SELECT array_agg(ROW(p.line, p.uri, p.lang, p.headline, p.lead, p.body, p.status, p.published_at, p.updated_at,
                             p.embargo_until, p.subjects, p.story_id, p.edition_id, coalesce(l.slug, p.slug),
                             p.slug_use)::newsroom.import_plan ORDER BY p.line)
        INTO plan
        FROM unnest(plan) p LEFT JOIN unnest(late_ids, late_slugs) AS l (edition_id, slug) ON l.edition_id = p.edition_id;
    END IF;

    -- Stories, editions, their first revisions, the uri map and the tags in one
    -- statement, which reads the plan once (foreign keys are checked at its end).
    WITH p AS MATERIALIZED (SELECT * FROM unnest(plan)),
    stories AS (
        INSERT INTO newsroom.story (id) OVERRIDING SYSTEM VALUE SELECT p.story_id FROM p),
    editions AS (
        INSERT INTO newsroom.edition (id, story_id, lang, slug, headline, lead, body, bylines, status,
                                      published_at, updated_at, embargo_until)
        SELECT p.edition_id, p.story_id, p.lang, p.slug, p.headline, coalesce(p.lead, ''), coalesce(p.body, ''),
               ARRAY[session_user::text], p.status::newsroom.edition_status,
               CASE WHEN p.status IN ('published', 'withdrawn') THEN coalesce(p.published_at, now()) END,
               CASE WHEN p.status IN ('published', 'withdrawn') THEN coalesce(p.updated_at, p.published_at, now()) END,
               p.embargo_until
        FROM p),
    -- Version 1 of each edition, as newsroom.save_revision() records it for any new edition.
    revisions AS (
        INSERT INTO newsroom.edition_revision (story_id, edition_id, version, slug, headline, lead, body, bylines,
                                               video, embargo_until, change, note)
        SELECT p.story_id, p.edition_id, 1, p.slug, p.headline, coalesce(p.lead, ''), coalesce(p.body, ''),
               ARRAY[session_user::text], false, p.embargo_until, 'create', 'imported from ' || p.uri
        FROM p),
    uris AS (
        INSERT INTO newsroom.edition_import (uri, edition_id) SELECT p.uri, p.edition_id FROM p)
    INSERT INTO newsroom.story_subject (story_id, subject)
    SELECT p.story_id, s FROM p CROSS JOIN LATERAL unnest(p.subjects) AS s
    WHERE EXISTS (SELECT 1 FROM newsroom.subject x WHERE x.slug = s)
    ON CONFLICT DO NOTHING;

    PERFORM newsroom.audit('edition.import', NULL, NULL, NULL,
        jsonb_build_object('imported', imported, 'skipped', documents - imported));
    RETURN jsonb_build_object('imported', imported, 'skipped', documents - imported);
END
$$;
CALL newsroom.offer_at_desk('import_editions');

-- Imports newsroom archive documents (`export --format newsdesk`), each
-- `{"line": n, "document": {...}}`, keeping everything they hold: the story
-- they belong to, the edition's text, photo, bylines, flags, status and
-- every time, its revisions, lifecycle events, corrections and old slugs,
-- its subjects, the edition it was translated from, and its live updates
-- with their revisions, translations and withdrawals. Editors and admins.
--
-- Bylines, update authors and subjects must exist here already: a run that
-- names any that do not is refused before anything is written, and the
-- message lists them all (people are admitted by an admin, with a login,
-- never as a side effect of an import). An edition imported before, or
-- exported from this very newsroom, is skipped. A translation waits for its
-- source within the run; a source in neither the run nor this newsroom is
-- reported (`not_kept`), and the edition comes in as an original.
CREATE OR REPLACE FUNCTION newsroom.import_archive(documents jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    site text := rtrim((SELECT value FROM newsroom.newsroom_setting WHERE key = 'site_url'), '/');
    pending jsonb;
    waiting jsonb;
    item jsonb;
    doc jsonb;
    line integer;
    r newsroom.edition;
    story bigint;
    source bigint;
    target bigint;
    update_item jsonb;
    u newsroom.live_update;
    added bigint;
    origin bigint;
    problem text;
    withdrawals jsonb := '[]'::jsonb;
    not_kept jsonb := '[]'::jsonb;
    imported integer := 0;
    skipped integer := 0;
    progress boolean;
BEGIN
    IF NOT newsroom.actor_is('editor', 'admin') THEN
        RETURN newsroom.refusal('edition.import', 'editor', 'Importing editions needs the editor or admin role.');
    END IF;

    -- Everything that would refuse the run is checked before anything is written.
    SELECT format('line %s: not a newsroom archive document (its format is %s).', x->>'line',
                  coalesce('"' || (x->'document'->>'format') || '"', 'missing'))
    INTO problem FROM jsonb_array_elements(documents) x
    WHERE x->'document'->>'format' IS DISTINCT FROM 'newsdesk-edition/1' ORDER BY (x->>'line')::integer LIMIT 1;
    IF problem IS NOT NULL THEN RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = problem; END IF;
    SELECT format('line %s: language "%s" is not one this newsroom publishes in.', x->>'line', x->'document'->'edition'->>'lang')
    INTO problem FROM jsonb_array_elements(documents) x
    WHERE NOT EXISTS (SELECT 1 FROM newsroom.language l WHERE l.tag = x->'document'->'edition'->>'lang')
    ORDER BY (x->>'line')::integer LIMIT 1;
    IF problem IS NOT NULL THEN RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = problem; END IF;
    SELECT 'bylines, translators and update authors not on this newsroom''s staff: ' || string_agg(DISTINCT login, ', ')
           || '. Add them first (newsdesk staff add LOGIN --role ROLE); nothing was imported.'
    INTO problem
    FROM (SELECT jsonb_array_elements_text(x->'document'->'edition'->'bylines') AS login
          FROM jsonb_array_elements(documents) x
          UNION
          SELECT jsonb_array_elements_text(coalesce(x->'document'->'edition'->'translators', '[]'))
          FROM jsonb_array_elements(documents) x
          UNION
          SELECT w->'update'->>'author' FROM jsonb_array_elements(documents) x, jsonb_array_elements(x->'document'->'updates') w) p
    WHERE NOT EXISTS (SELECT 1 FROM newsroom.staff s WHERE s.login = p.login);
    IF problem IS NOT NULL THEN RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = problem; END IF;
    SELECT 'subjects this newsroom does not have: ' || string_agg(DISTINCT slug, ', ')
           || '. Add them first (newsdesk subject add SLUG --name LANG=NAME); nothing was imported.'
    INTO problem
    FROM (SELECT jsonb_array_elements_text(x->'document'->'subjects') AS slug FROM jsonb_array_elements(documents) x) p
    WHERE NOT EXISTS (SELECT 1 FROM newsroom.subject s WHERE s.slug = p.slug);
    IF problem IS NOT NULL THEN RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = problem; END IF;

    -- History columns the tables leave unchecked (they are written only by
    -- the desk functions, from checked values) are checked here: slugs as
    -- slugs, the people who saved or acted as logins.
    SELECT format('line %s: %s "%s" is not %s.', p.line, p.field, p.value,
                  CASE WHEN p.field LIKE '%slug' THEN 'a slug' ELSE 'a login' END)
    INTO problem
    FROM (SELECT (x->>'line')::integer AS line, 'slug' AS field, x->'document'->'edition'->>'slug' AS value
          FROM jsonb_array_elements(documents) x
          UNION ALL
          SELECT (x->>'line')::integer, 'old slug', s
          FROM jsonb_array_elements(documents) x, jsonb_array_elements_text(x->'document'->'slugs') s
          UNION ALL
          SELECT (x->>'line')::integer, 'revision slug', v->>'slug'
          FROM jsonb_array_elements(documents) x, jsonb_array_elements(x->'document'->'revisions') v
          UNION ALL
          SELECT (x->>'line')::integer, 'revision saved_by', v->>'saved_by'
          FROM jsonb_array_elements(documents) x, jsonb_array_elements(x->'document'->'revisions') v
          UNION ALL
          SELECT (x->>'line')::integer, 'event actor', v->>'actor'
          FROM jsonb_array_elements(documents) x, jsonb_array_elements(x->'document'->'events') v
          UNION ALL
          SELECT (x->>'line')::integer, 'update revision saved_by', ur->>'saved_by'
          FROM jsonb_array_elements(documents) x, jsonb_array_elements(x->'document'->'updates') w,
               jsonb_array_elements(w->'revisions') ur) p
    WHERE CASE WHEN p.field LIKE '%slug' THEN p.value IS NULL OR p.value !~ '^[a-z0-9]+(-[a-z0-9]+)*$' OR octet_length(p.value) > 80
               ELSE p.value IS NULL OR p.value !~ '^[a-z_][a-z0-9_]{0,62}$' END
    ORDER BY p.line LIMIT 1;
    IF problem IS NOT NULL THEN RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = problem; END IF;

    SELECT jsonb_agg(x ORDER BY (x->>'line')::integer) INTO pending FROM jsonb_array_elements(documents) x;
    WHILE jsonb_array_length(coalesce(pending, '[]'::jsonb)) > 0 LOOP
        waiting := '[]'::jsonb;
        progress := false;
        FOR item IN SELECT * FROM jsonb_array_elements(pending) LOOP
            doc := item->'document';
            line := (item->>'line')::integer;
            IF newsroom.imported_edition(doc->>'uri', site) IS NOT NULL THEN
                skipped := skipped + 1;
                progress := true;
                CONTINUE;
            END IF;
            source := NULL;
            IF doc->>'translated_from' IS NOT NULL THEN
                source := newsroom.imported_edition(doc->>'translated_from', site);
                IF source IS NULL AND EXISTS (SELECT 1 FROM jsonb_array_elements(pending) o
                                              WHERE o->'document'->>'uri' = doc->>'translated_from') THEN
                    waiting := waiting || jsonb_build_array(item);
                    CONTINUE;
                ELSIF source IS NULL THEN
                    not_kept := not_kept || jsonb_build_object('line', line, 'what', format(
                        'translated from %s, which is neither in the file nor in this newsroom; imported as an original',
                        doc->>'translated_from'));
                END IF;
            END IF;
            progress := true;

            r := jsonb_populate_record(NULL::newsroom.edition, doc->'edition');
            SELECT i.story_id INTO story FROM newsroom.story_import i WHERE i.uri = doc->>'story';
            IF story IS NULL THEN
                INSERT INTO newsroom.story (created_at)
                VALUES (coalesce((SELECT min((v->>'saved_at')::timestamptz) FROM jsonb_array_elements(doc->'revisions') v), now()))
                RETURNING id INTO story;
                INSERT INTO newsroom.story_import (uri, story_id) VALUES (doc->>'story', story);
            ELSIF EXISTS (SELECT 1 FROM newsroom.edition x WHERE x.story_id = story AND x.lang = r.lang) THEN
                RAISE EXCEPTION USING ERRCODE = 'NDIN0',
                    MESSAGE = format('line %s: the story already has its %s edition here.', line, r.lang);
            END IF;
            target := nextval(pg_get_serial_sequence('newsroom.edition', 'id'));
            INSERT INTO newsroom.edition (id, story_id, lang, slug, headline, lead, body, photo_url, photo_caption,
                                          photo_credit, bylines, translators, video, status, version, published_at, updated_at,
                                          scheduled_at, embargo_until, saved_at, review_note, withdrawal_reason,
                                          update_count, translated_from, translated_from_version)
            VALUES (target, story, r.lang, newsroom.claim_slug(r.lang, r.slug, target), r.headline, r.lead, r.body,
                    r.photo_url, r.photo_caption, r.photo_credit, r.bylines, coalesce(r.translators, '{}'), r.video, r.status, r.version,
                    r.published_at, r.updated_at, r.scheduled_at, r.embargo_until, r.saved_at, r.review_note,
                    r.withdrawal_reason, r.update_count, source,
                    CASE WHEN source IS NOT NULL THEN r.translated_from_version END);
            INSERT INTO newsroom.edition_slug (lang, slug, edition_id)
            SELECT r.lang, s, target FROM jsonb_array_elements_text(doc->'slugs') s ON CONFLICT DO NOTHING;
            INSERT INTO newsroom.edition_revision
            SELECT (jsonb_populate_record(NULL::newsroom.edition_revision,
                                          v || jsonb_build_object('edition_id', target, 'story_id', story))).*
            FROM jsonb_array_elements(doc->'revisions') v;
            INSERT INTO newsroom.edition_correction
            SELECT (jsonb_populate_record(NULL::newsroom.edition_correction,
                                          c || jsonb_build_object('edition_id', target, 'story_id', story))).*
            FROM jsonb_array_elements(doc->'corrections') c;
            INSERT INTO newsroom.edition_event (story_id, edition_id, at, actor, action, note)
            SELECT story, target, (v->>'at')::timestamptz, v->>'actor', v->>'action', v->>'note'
            FROM jsonb_array_elements(doc->'events') v;
            INSERT INTO newsroom.story_subject (story_id, subject)
            SELECT story, s FROM jsonb_array_elements_text(doc->'subjects') s ON CONFLICT DO NOTHING;
            INSERT INTO newsroom.edition_import (uri, edition_id) VALUES (doc->>'uri', target);

            FOR update_item IN SELECT * FROM jsonb_array_elements(doc->'updates') LOOP
                u := jsonb_populate_record(NULL::newsroom.live_update, update_item->'update');
                origin := NULL;
                IF update_item->>'translation_of' IS NOT NULL THEN
                    SELECT i.update_id INTO origin FROM newsroom.update_import i WHERE i.uri = update_item->>'translation_of';
                    IF origin IS NULL AND starts_with(update_item->>'translation_of', site || '/updates/') THEN
                        SELECT x.id INTO origin FROM newsroom.live_update x
                        WHERE x.id = newsroom.id_in(substr(update_item->>'translation_of', length(site) + 10));
                    END IF;
                    IF origin IS NULL THEN
                        not_kept := not_kept || jsonb_build_object('line', line, 'what', format(
                            'update %s translates %s, which is not in this newsroom; imported as an update of its own',
                            u.seq, update_item->>'translation_of'));
                    END IF;
                END IF;
                -- Withdrawn only once every update is in: a translation of an
                -- update withdrawn later was made while its source stood.
                INSERT INTO newsroom.live_update (story_id, edition_id, seq, posted_at, author, kind, body, key, version,
                                                  edited_at, translation_of)
                VALUES (story, target, u.seq, u.posted_at, u.author, u.kind, u.body, u.key, u.version, u.edited_at, origin)
                RETURNING id INTO added;
                IF u.withdrawn_at IS NOT NULL THEN
                    withdrawals := withdrawals || jsonb_build_object('id', added, 'at', u.withdrawn_at,
                                                                     'reason', u.withdrawal_reason);
                END IF;
                INSERT INTO newsroom.live_update_revision
                SELECT (jsonb_populate_record(NULL::newsroom.live_update_revision,
                                              v || jsonb_build_object('update_id', added, 'story_id', story))).*
                FROM jsonb_array_elements(update_item->'revisions') v;
                INSERT INTO newsroom.update_import (uri, update_id) VALUES (update_item->>'uri', added);
            END LOOP;
            imported := imported + 1;
        END LOOP;
        IF NOT progress THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0',
                MESSAGE = 'the file''s translations name each other as sources in a circle; nothing was imported.';
        END IF;
        pending := waiting;
    END LOOP;
    UPDATE newsroom.live_update x SET withdrawn_at = (w->>'at')::timestamptz, withdrawal_reason = w->>'reason'
    FROM jsonb_array_elements(withdrawals) w WHERE x.id = (w->>'id')::bigint;

    PERFORM newsroom.audit('edition.import', NULL, NULL, NULL,
        jsonb_build_object('imported', imported, 'skipped', skipped, 'format', 'newsdesk'));
    RETURN jsonb_build_object('imported', imported, 'skipped', skipped, 'not_kept', not_kept);
END
$$;
CALL newsroom.offer_at_desk('import_archive');

-- The edition here that `uri` names: one imported from that address, or
-- this newsroom's own edition at `site`/editions/ID.
CREATE OR REPLACE FUNCTION newsroom.imported_edition(uri text, site text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT i.edition_id FROM newsroom.edition_import i WHERE i.uri = imported_edition.uri),
        (SELECT x.id FROM newsroom.edition x
         WHERE starts_with(imported_edition.uri, site || '/editions/')
           AND x.id = newsroom.id_in(substr(imported_edition.uri, length(site) + 11))))
$$;

-- `text` as an id, or NULL when it is not one (so a lookup by it uses the key).
CREATE OR REPLACE FUNCTION newsroom.id_in(text text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN text ~ '^[0-9]{1,18}$' THEN text::bigint END
$$;
