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
        SELECT p.lang, p.slug, p.edition_id FROM unnest(plan) p WHERE p.slug_use = 1
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
        INSERT INTO newsroom.edition_revision (edition_id, version, slug, headline, lead, body, bylines, video,
                                               embargo_until, change, note)
        SELECT p.edition_id, 1, p.slug, p.headline, coalesce(p.lead, ''), coalesce(p.body, ''),
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
