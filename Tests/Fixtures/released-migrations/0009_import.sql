-- Bulk import (`newsdesk import FILE`): the tool COPYs the file's editions
-- into a temporary table of the session, then desk.import_staged() turns the
-- new ones into stories and editions. Each imported document's uri is kept,
-- so running the same import again creates nothing twice.

CREATE TABLE newsroom.edition_import (
    uri         text PRIMARY KEY,
    edition_id  bigint NOT NULL REFERENCES newsroom.edition,
    imported_at timestamptz NOT NULL DEFAULT now(),
    imported_by text NOT NULL DEFAULT session_user
);

-- Imports the rows of the session's pg_temp.import_staging (which its
-- creator has let newsdesk_owner read). Editors and admins only: imported
-- editions may be published.
CREATE FUNCTION desk.import_staged() RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    item record;
    story bigint;
    target bigint;
    e newsroom.edition;
    imported integer := 0;
    skipped integer := 0;
    site text := (SELECT value FROM newsroom.newsroom_setting WHERE key = 'site_url');
BEGIN
    IF NOT newsroom.actor_is('editor', 'admin') THEN
        RETURN newsroom.refusal('edition.import', 'editor', 'Importing editions needs the editor or admin role.');
    END IF;
    FOR item IN
        SELECT DISTINCT ON (s.uri) s.* FROM pg_temp.import_staging s ORDER BY s.uri, s.line
    LOOP
        -- Imported before, or exported from this very newsroom.
        IF EXISTS (SELECT 1 FROM newsroom.edition_import i WHERE i.uri = item.uri)
           OR (starts_with(item.uri, site || '/editions/')
               AND substr(item.uri, length(site) + 11) ~ '^[0-9]{1,18}$'
               AND EXISTS (SELECT 1 FROM newsroom.edition x WHERE x.id = substr(item.uri, length(site) + 11)::bigint)) THEN
            skipped := skipped + 1;
            CONTINUE;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM newsroom.language l WHERE l.tag = item.lang) THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0',
                MESSAGE = format('line %s: language "%s" is not one this newsroom publishes in.', item.line, item.lang);
        END IF;
        INSERT INTO newsroom.story DEFAULT VALUES RETURNING id INTO story;
        target := nextval(pg_get_serial_sequence('newsroom.edition', 'id'));
        INSERT INTO newsroom.edition (id, story_id, lang, slug, headline, lead, body, bylines, status,
                                      published_at, updated_at, embargo_until)
        VALUES (target, story, item.lang, newsroom.claim_slug(item.lang, item.slug, target), item.headline,
                coalesce(item.lead, ''), coalesce(item.body, ''), ARRAY[session_user::text],
                item.status::newsroom.edition_status,
                CASE WHEN item.status IN ('published', 'withdrawn') THEN coalesce(item.published_at, now()) END,
                CASE WHEN item.status IN ('published', 'withdrawn') THEN coalesce(item.updated_at, item.published_at, now()) END,
                item.embargo_until)
        RETURNING * INTO e;
        PERFORM newsroom.save_revision(e, 'create', format('imported from %s', item.uri));
        INSERT INTO newsroom.edition_import (uri, edition_id) VALUES (item.uri, target);
        INSERT INTO newsroom.story_subject (story_id, subject)
        SELECT story, s FROM unnest(item.subjects) AS s WHERE EXISTS (SELECT 1 FROM newsroom.subject x WHERE x.slug = s)
        ON CONFLICT DO NOTHING;
        imported := imported + 1;
    END LOOP;
    PERFORM newsroom.audit('edition.import', NULL, NULL, NULL,
        jsonb_build_object('imported', imported, 'skipped', skipped));
    RETURN jsonb_build_object('imported', imported, 'skipped', skipped);
END
$$;

CALL newsroom.watch('newsroom.edition_import');
CALL newsroom.secure_objects();
