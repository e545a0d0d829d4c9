-- Export (`newsdesk export`): every edition, a page at a time.

-- Every edition, for `newsdesk export --all` (one document each, in id order).
CREATE OR REPLACE FUNCTION desk.all_editions(after_id bigint DEFAULT 0, max_items integer DEFAULT 500) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(desk.edition_document(e.id) ORDER BY e.id), '[]')
    FROM (SELECT id FROM newsroom.edition WHERE id > after_id ORDER BY id LIMIT greatest(1, least(max_items, 5000))) e
$$;

-- One edition as a newsroom archive document (`export --format newsdesk`):
-- its row, every revision, lifecycle event, correction, old slug and live
-- update with its revisions, as stored; the story, the edition it was
-- translated from and each update's source named by their addresses here.
-- What ninjs cannot hold (publication apart from creation, review and
-- scheduling, history) travels this way; `newsdesk import` reads it back.
CREATE OR REPLACE FUNCTION newsroom.edition_archive(e newsroom.edition, site text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'format', 'newsdesk-edition/1',
        'uri', site || '/editions/' || e.id,
        'story', site || '/stories/' || e.story_id,
        'edition', to_jsonb(e) - ARRAY['id', 'story_id', 'search', 'headline_search', 'lead_search', 'released_at', 'revised_at', 'translated_from'],
        'translated_from', CASE WHEN e.translated_from IS NOT NULL THEN site || '/editions/' || e.translated_from END,
        'subjects', coalesce((SELECT jsonb_agg(t.subject ORDER BY t.tagged_at, t.subject)
                              FROM newsroom.story_subject t WHERE t.story_id = e.story_id), '[]'),
        'slugs', coalesce((SELECT jsonb_agg(s.slug ORDER BY s.slug) FROM newsroom.edition_slug s
                           WHERE s.edition_id = e.id AND s.slug <> e.slug), '[]'),
        'revisions', coalesce((SELECT jsonb_agg(to_jsonb(r) - ARRAY['edition_id', 'story_id'] ORDER BY r.version)
                               FROM newsroom.edition_revision r WHERE r.edition_id = e.id), '[]'),
        'events', coalesce((SELECT jsonb_agg(to_jsonb(v) - ARRAY['id', 'edition_id', 'story_id'] ORDER BY v.at, v.id)
                            FROM newsroom.edition_event v WHERE v.edition_id = e.id), '[]'),
        'corrections', coalesce((SELECT jsonb_agg(to_jsonb(c) - ARRAY['edition_id', 'story_id'] ORDER BY c.version)
                                 FROM newsroom.edition_correction c WHERE c.edition_id = e.id), '[]'),
        'updates', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                       'uri', site || '/updates/' || u.id,
                       'update', to_jsonb(u) - ARRAY['id', 'story_id', 'edition_id', 'translation_of'],
                       'translation_of', CASE WHEN u.translation_of IS NOT NULL THEN site || '/updates/' || u.translation_of END,
                       'revisions', coalesce((SELECT jsonb_agg(to_jsonb(r) - ARRAY['update_id', 'story_id'] ORDER BY r.version)
                                              FROM newsroom.live_update_revision r WHERE r.update_id = u.id), '[]'))
                   ORDER BY u.seq)
            FROM newsroom.live_update u WHERE u.edition_id = e.id), '[]'))
$$;

-- Every edition as archive documents, a page at a time, in id order.
CREATE OR REPLACE FUNCTION desk.archive_editions(after_id bigint DEFAULT 0, max_items integer DEFAULT 200) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'document', newsroom.edition_archive(e, s.site))
                              ORDER BY e.id), '[]')
    FROM (SELECT * FROM newsroom.edition WHERE id > after_id ORDER BY id LIMIT greatest(1, least(max_items, 1000))) e
    CROSS JOIN (SELECT rtrim(value, '/') AS site FROM newsroom.newsroom_setting WHERE key = 'site_url') s
$$;
