-- Subjects, the newsroom's tags (SPEC §1, §6): the vocabulary, tagging
-- stories, and what readers see of them (names, related stories).

-- What an edition's document shows of its story's subjects, in its
-- language: the subjects (slugs, in the order they were tagged), their
-- names, the related stories; and the site's address.
-- Run as PL/pgSQL rather than SQL: a reader document is put together by
-- small functions, and a SQL function that cannot be inlined is planned
-- again at every call (called from PL/pgSQL, again in every transaction),
-- while PL/pgSQL keeps its plan for the session (show on a million
-- editions: 2.2 ms → 1.2 ms in a warm session; an edit, one transaction
-- after another in a warm session, with the helpers it calls made PL/pgSQL
-- too: 3.1 → 2.5 ms). Lists as ARRAY(SELECT …), not jsonb_agg: see
-- newsroom.compose_edition.
CREATE OR REPLACE FUNCTION newsroom.edition_extras(story bigint, lang text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'site_url', (SELECT value FROM newsroom.newsroom_setting WHERE key = 'site_url'),
        'subjects', to_jsonb(ARRAY(
            SELECT t.subject FROM newsroom.story_subject t WHERE t.story_id = story ORDER BY t.tagged_at, t.subject)),
        'subject_names', to_jsonb(ARRAY(
            SELECT jsonb_build_object('slug', s.slug, 'name', newsroom.subject_name(s, edition_extras.lang), 'mediatopic', s.mediatopic)
            FROM newsroom.story_subject t JOIN newsroom.subject s ON s.slug = t.subject WHERE t.story_id = story
            ORDER BY t.tagged_at, s.slug)),
        'related', newsroom.related_stories(story, lang));
END
$$;

-- Up to three other stories on the same subjects, in the same language, that
-- readers can see: for each subject the latest stories tagged with it (an
-- index walk from the newest story down, stopping at three), then the newest
-- of those. Only the columns shown are carried through the sort: whole
-- rows (bodies, search vectors) made it a quarter slower (62–78 against
-- 48–49 µs a page, 10,000 random pages in one session). Apart from the
-- rest of the document: other stories' changes change it, so a kept
-- reader's page (Schema/site.sql) is read without it and this with it.
CREATE OR REPLACE FUNCTION newsroom.related_stories(story bigint, lang text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN to_jsonb(ARRAY(
        SELECT jsonb_build_object('edition_id', r.id, 'slug', r.slug, 'headline', r.headline,
                                  'published_at', newsroom.rfc3339(r.released_at))
        FROM (SELECT DISTINCT ON (o.released_at, o.id) o.id, o.slug, o.headline, o.released_at
              FROM newsroom.story_subject a
              CROSS JOIN LATERAL (
                  SELECT o.id, o.slug, o.headline, o.released_at FROM newsroom.story_subject b
                  JOIN newsroom.edition o ON o.story_id = b.story_id AND o.lang = related_stories.lang
                  WHERE b.subject = a.subject AND b.story_id <> story
                    AND newsroom.visible(o.status, o.scheduled_at, o.embargo_until)
                  ORDER BY b.story_id DESC LIMIT 3) o
              WHERE a.story_id = story
              ORDER BY o.released_at DESC, o.id DESC LIMIT 3) r
        ORDER BY r.released_at DESC, r.id DESC));
END
$$;

CREATE OR REPLACE FUNCTION newsroom.subject_name(subject newsroom.subject, lang text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(subject.names->>lang, subject.names->>'en', subject.slug)
$$;

-- Refuses unknown subjects, naming the first five (in the order given)
-- with the closest existing slugs: a reporter who mistyped two learns of
-- both at once. Only five are compared with every subject, as readers'
-- feed addresses may list many.
CREATE OR REPLACE FUNCTION newsroom.require_subjects(slugs text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    unknown text[];
    refusals text;
BEGIN
    SELECT array_agg(s ORDER BY first) INTO unknown
      FROM (SELECT u.s, min(u.n) AS first FROM unnest(slugs) WITH ORDINALITY AS u (s, n)
            WHERE NOT EXISTS (SELECT 1 FROM newsroom.subject x WHERE x.slug = u.s)
            GROUP BY u.s) missing;
    IF unknown IS NULL THEN
        RETURN;
    END IF;
    SELECT string_agg(format('There is no subject "%s".%s', u.slug, coalesce(
               ' Did you mean ' || (SELECT string_agg(slug, ', ' ORDER BY distance, slug) FROM (
                   SELECT slug, newsroom.levenshtein(left(slug, 255), left(u.slug, 255)) AS distance FROM newsroom.subject
                   WHERE newsroom.levenshtein(left(slug, 255), left(u.slug, 255)) <= greatest(2, length(u.slug) / 3)
                   ORDER BY distance, slug LIMIT 3) closest) || '?', '')), ' ' ORDER BY u.n)
      INTO refusals
      FROM unnest(unknown[1:5]) WITH ORDINALITY AS u (slug, n);
    IF cardinality(unknown) > 5 THEN
        refusals := refusals || format(' And %s more unknown subjects.', cardinality(unknown) - 5);
    END IF;
    -- "subject: there is no subject …", as every message names its field first.
    RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = 'subject: t' || substr(refusals, 2);
END
$$;

CREATE OR REPLACE FUNCTION newsroom.subject_document(s newsroom.subject) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('slug', s.slug, 'names', s.names, 'parent', s.parent, 'mediatopic', s.mediatopic,
                              'stories', (SELECT count(*) FROM newsroom.story_subject t WHERE t.subject = s.slug))
$$;

-- `newsdesk subject add`
CREATE OR REPLACE FUNCTION newsroom.subject_add(slug text, names jsonb, parent text DEFAULT NULL, mediatopic text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    added newsroom.subject;
BEGIN
    IF NOT newsroom.actor_is('editor', 'admin') THEN
        RETURN newsroom.refusal('subject.add', 'editor', 'Managing subjects needs the editor or admin role.');
    END IF;
    IF slug !~ '^[a-z0-9]+(-[a-z0-9]+)*$' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('slug: "%s" must be lower-case Latin letters, digits and single hyphens.', slug);
    END IF;
    IF names IS NULL OR names = '{}' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = 'name: give the subject''s name in at least one language (--name uk=…).';
    END IF;
    IF parent IS NOT NULL THEN PERFORM newsroom.require_subjects(ARRAY[parent]); END IF;
    IF EXISTS (SELECT 1 FROM newsroom.subject x WHERE x.slug = subject_add.slug) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDST0', MESSAGE = format('The subject %s exists already; change its names with subject rename.', slug);
    END IF;
    INSERT INTO newsroom.subject (slug, names, parent, mediatopic)
    VALUES (subject_add.slug, subject_add.names, subject_add.parent, subject_add.mediatopic) RETURNING * INTO added;
    PERFORM newsroom.audit('subject.add', NULL, NULL, NULL, jsonb_build_object('after', newsroom.subject_document(added)));
    RETURN newsroom.subject_document(added);
END
$$;
CALL newsroom.offer_at_desk('subject_add');

-- `newsdesk subject rename SLUG --name LANG=NAME…`: new names in some languages.
CREATE OR REPLACE FUNCTION newsroom.subject_rename(slug text, names jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    before newsroom.subject;
    after newsroom.subject;
BEGIN
    IF NOT newsroom.actor_is('editor', 'admin') THEN
        RETURN newsroom.refusal('subject.rename', 'editor', 'Managing subjects needs the editor or admin role.');
    END IF;
    PERFORM newsroom.require_subjects(ARRAY[slug]);
    SELECT * INTO before FROM newsroom.subject x WHERE x.slug = subject_rename.slug FOR UPDATE;
    UPDATE newsroom.subject x SET names = x.names || subject_rename.names WHERE x.slug = subject_rename.slug RETURNING * INTO after;
    PERFORM newsroom.audit('subject.rename', NULL, NULL, NULL,
        jsonb_build_object('slug', slug, 'before', before.names, 'after', after.names));
    RETURN newsroom.subject_document(after);
END
$$;
CALL newsroom.offer_at_desk('subject_rename');

CREATE OR REPLACE FUNCTION desk.subject_list() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('subjects', coalesce(jsonb_agg(newsroom.subject_document(s) ORDER BY s.slug), '[]'))
    FROM newsroom.subject s
$$;

-- `newsdesk tag` / `untag`: reporters, editors and admins.
CREATE OR REPLACE FUNCTION newsroom.tag_story(story bigint, subjects text[], remove boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    before text[];
    after text[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM newsroom.story s WHERE s.id = story) THEN
        RAISE EXCEPTION USING ERRCODE = 'NDNF0', MESSAGE = format('There is no story %s.', story);
    END IF;
    IF NOT newsroom.actor_is('reporter', 'editor', 'admin') THEN
        RETURN newsroom.refusal(CASE WHEN remove THEN 'story.untag' ELSE 'story.tag' END, 'reporter',
            'Tagging stories needs the reporter, editor or admin role.', story);
    END IF;
    PERFORM newsroom.require_subjects(subjects);
    PERFORM 1 FROM newsroom.story s WHERE s.id = story FOR UPDATE;
    SELECT coalesce(array_agg(t.subject ORDER BY t.subject), '{}') INTO before FROM newsroom.story_subject t WHERE t.story_id = story;
    IF remove THEN
        DELETE FROM newsroom.story_subject t WHERE t.story_id = story AND t.subject = ANY (subjects);
    ELSE
        INSERT INTO newsroom.story_subject (story_id, subject) SELECT story, s FROM unnest(subjects) AS s ON CONFLICT DO NOTHING;
    END IF;
    SELECT coalesce(array_agg(t.subject ORDER BY t.subject), '{}') INTO after FROM newsroom.story_subject t WHERE t.story_id = story;
    PERFORM newsroom.audit(CASE WHEN remove THEN 'story.untag' ELSE 'story.tag' END, story, NULL, NULL,
        jsonb_build_object('before', to_jsonb(before), 'after', to_jsonb(after)));
    RETURN jsonb_build_object('story_id', story, 'subjects', to_jsonb(after));
END
$$;
CALL newsroom.offer_at_desk('tag_story');
