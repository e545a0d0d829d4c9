-- What readers get: feeds by language and subject (SPEC §6).

-- A page's cursor, "MICROSECONDS-ID": the last item's sort time and id, so
-- that the next page starts after it. `refusal` is the message for a cursor
-- that is not one.
CREATE OR REPLACE FUNCTION newsroom.cursor_parts(cursor text, refusal text, OUT at timestamptz, OUT id bigint)
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF cursor IS NULL THEN RETURN; END IF;
    IF cursor !~ '^[0-9]{1,19}-[0-9]{1,18}$' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = refusal;
    END IF;
    at := to_timestamp(split_part(cursor, '-', 1)::numeric / 1000000);
    id := split_part(cursor, '-', 2)::bigint;
END
$$;

-- The cursor of an item sorted by `at`.
CREATE OR REPLACE FUNCTION newsroom.cursor_of(at timestamptz, id bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT (extract(epoch FROM at) * 1000000)::bigint::text || '-' || id
$$;

-- `newsdesk feed`: what readers see, newest first, one page at a time. The
-- cursor is the last item's sort time (microseconds) and id, so a page never
-- repeats or skips an item while others publish.
CREATE OR REPLACE FUNCTION desk.feed(
    lang text DEFAULT NULL, subjects text[] DEFAULT NULL, sort text DEFAULT 'published', max_items integer DEFAULT 20,
    before text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    cursor_time timestamptz;
    cursor_id bigint;
    result jsonb;
    -- Read once: with the setting's lookup as its argument, local_time_in
    -- would not be inlined, and would run as a statement of its own per item.
    zone text := newsroom.timezone();
BEGIN
    IF sort NOT IN ('published', 'updated') THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = 'order: must be published or updated.';
    END IF;
    SELECT c.at, c.id INTO cursor_time, cursor_id
    FROM newsroom.cursor_parts(before, format('before: "%s" is not a cursor from a feed''s next_cursor.', before)) c;
    IF feed.lang IS NOT NULL THEN feed.lang := newsroom.require_language(feed.lang, 'lang'); END IF;
    IF subjects IS NOT NULL THEN PERFORM newsroom.require_subjects(subjects); END IF;
    WITH page AS (
        -- Dated and ordered by when readers could see it (an embargo's lift
        -- counts), on the columns the feed indexes hold.
        SELECT e.*, CASE WHEN sort = 'updated' THEN e.revised_at ELSE e.released_at END AS sort_time
        FROM newsroom.edition e
        WHERE (feed.lang IS NULL OR e.lang = feed.lang)
          AND e.released_at IS NOT NULL
          AND newsroom.visible(e.status, e.scheduled_at, e.embargo_until)
          AND (subjects IS NULL OR EXISTS (SELECT 1 FROM newsroom.story_subject t
                                           WHERE t.story_id = e.story_id AND t.subject = ANY (subjects)))
          AND (cursor_time IS NULL OR (CASE WHEN sort = 'updated' THEN e.revised_at ELSE e.released_at END, e.id)
                                      < (cursor_time, cursor_id))
        ORDER BY sort_time DESC, e.id DESC
        LIMIT greatest(1, least(max_items, 500))
    )
    SELECT jsonb_build_object(
        'items', coalesce(jsonb_agg(jsonb_build_object(
            'edition_id', p.id, 'story_id', p.story_id, 'lang', p.lang, 'slug', p.slug,
            'headline', coalesce(s.headline, p.headline), 'lead', coalesce(s.lead, p.lead),
            'published_at', newsroom.rfc3339(p.released_at),
            'updated_at', newsroom.rfc3339(coalesce(s.revised_at, p.revised_at)),
            'local_time', newsroom.local_time_in(p.sort_time, zone),
            'markers', to_jsonb(array_remove(ARRAY[
                CASE WHEN coalesce(s.revised_at, p.revised_at) > p.released_at THEN 'updated' END,
                CASE WHEN coalesce(s.video, p.video) THEN 'video' END], NULL)))
            ORDER BY p.sort_time DESC, p.id DESC), '[]'),
        'next_cursor', CASE WHEN count(*) >= greatest(1, least(max_items, 500))
            THEN (SELECT newsroom.cursor_of(l.sort_time, l.id) FROM page l ORDER BY l.sort_time ASC, l.id ASC LIMIT 1) END,
        'site_url', (SELECT value FROM newsroom.newsroom_setting WHERE key = 'site_url'),
        -- What the feed is of, for its title, id and self link.
        'lang', feed.lang,
        'subjects', (SELECT coalesce(jsonb_agg(jsonb_build_object('slug', s.slug,
                                                                  'name', newsroom.subject_name(s, coalesce(feed.lang, 'en')))
                                               ORDER BY s.slug), '[]')
                     FROM newsroom.subject s WHERE s.slug = ANY (subjects)),
        'timezone', zone)
    INTO result
    FROM page p
    -- A scheduled revision whose time has come, as readers see it (looked
    -- up only for an edition that has one).
    LEFT JOIN LATERAL (
        SELECT seen.* FROM newsroom.edition x CROSS JOIN LATERAL newsroom.as_seen(x) seen
        WHERE x.id = p.id AND p.revision_due_at <= now()) s ON true;
    RETURN result;
END
$$;
