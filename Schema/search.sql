-- Search (SPEC §6).

CREATE OR REPLACE FUNCTION desk.search(query text, lang text DEFAULT NULL, max_items integer DEFAULT 20) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    wanted integer := greatest(1, least(max_items, 200));
    language text;
    q tsquery;
    found_ids bigint[];
    language_hits integer;
    hit_ids bigint[] := '{}'::bigint[];
    hit_tiers integer[] := '{}'::integer[];
BEGIN
    IF search.lang IS NOT NULL THEN search.lang := newsroom.require_language(search.lang, 'lang'); END IF;
    FOR language IN SELECT l.tag FROM newsroom.language l WHERE search.lang IS NULL OR l.tag = search.lang LOOP
        q := websearch_to_tsquery(newsroom.search_config(language), query);
        CONTINUE WHEN numnode(q) = 0;  -- only stop words
        language_hits := 0;
        FOR tier IN 1..3 LOOP
            EXIT WHEN language_hits >= wanted;
            found_ids := newsroom.search_tier(language, q, tier, wanted - language_hits);
            hit_ids := hit_ids || found_ids;
            hit_tiers := hit_tiers || array_fill(tier, ARRAY[cardinality(found_ids)]);
            language_hits := language_hits + cardinality(found_ids);
        END LOOP;
    END LOOP;

    RETURN (
        WITH hits AS (
            SELECT e.*, f.tier, websearch_to_tsquery(newsroom.search_config(e.lang), query) AS q
            FROM unnest(hit_ids, hit_tiers) AS f (id, tier) JOIN newsroom.edition e ON e.id = f.id
            ORDER BY f.tier, e.released_at DESC, e.id DESC
            LIMIT wanted
        )
        SELECT jsonb_build_object('query', query, 'items', coalesce(jsonb_agg(jsonb_build_object(
            'edition_id', h.id, 'story_id', h.story_id, 'lang', h.lang, 'slug', h.slug, 'headline', h.headline,
            'matched_in', (ARRAY['headline', 'lead', 'body'])[h.tier],
            'rank', round(ts_rank_cd(h.search, h.q)::numeric, 4), 'published_at', newsroom.rfc3339(h.released_at),
            'local_time', newsroom.local_time(h.released_at),
            'snippet', ts_headline(newsroom.search_config(h.lang), h.headline || ' — ' || h.lead || ' ' || h.body, h.q,
                                   'StartSel=«, StopSel=», MaxWords=24, MinWords=8, MaxFragments=1'))
            ORDER BY h.tier, h.released_at DESC, h.id DESC), '[]'))
        FROM hits h);
END
$$;

-- The ids of up to `wanted` visible editions in `language` whose words
-- match `q` in the tier's place (1 headline, 2 lead, 3 body) and not in an
-- earlier one, newest first.
CREATE OR REPLACE FUNCTION newsroom.search_tier(language text, q tsquery, tier integer, wanted integer) RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
    -- How many of the newest editions of the language are looked at first.
    recent constant integer := 2000;
    -- The tier's condition on an edition e: in the GIN-indexed form for the
    -- full search, and on the stored weighted vector (A headline, B lead,
    -- C body: the same words) among the newest editions.
    indexed text := (ARRAY[
        'to_tsvector(newsroom.search_config(e.lang), e.headline) @@ $2',
        'to_tsvector(newsroom.search_config(e.lang), e.lead) @@ $2 AND NOT ts_filter(e.search, ''{a}'') @@ $2',
        'e.search @@ $2 AND NOT ts_filter(e.search, ''{a,b}'') @@ $2'])[tier];
    stored text := (ARRAY[
        'ts_filter(e.search, ''{a}'') @@ $2',
        'ts_filter(e.search, ''{b}'') @@ $2 AND NOT ts_filter(e.search, ''{a}'') @@ $2',
        'e.search @@ $2 AND NOT ts_filter(e.search, ''{a,b}'') @@ $2'])[tier];
    found bigint[];
BEGIN
    EXECUTE format($sql$
        SELECT array_agg(e.id ORDER BY e.released_at DESC, e.id DESC) FROM (
            SELECT e.id, e.released_at FROM (
                SELECT * FROM newsroom.edition e WHERE e.lang = $1 AND e.released_at IS NOT NULL
                ORDER BY e.released_at DESC, e.id DESC LIMIT %s) e
            WHERE newsroom.visible(e.status, e.scheduled_at, e.embargo_until) AND %s
            ORDER BY e.released_at DESC, e.id DESC LIMIT $3) e
        $sql$, recent, stored)
    INTO found USING language, q, wanted;
    IF coalesce(cardinality(found), 0) < wanted THEN
        EXECUTE format($sql$
            WITH matching AS MATERIALIZED (
                SELECT e.id, e.released_at FROM newsroom.edition e
                WHERE e.lang = $1 AND e.released_at IS NOT NULL
                  AND newsroom.visible(e.status, e.scheduled_at, e.embargo_until) AND %s)
            SELECT array_agg(m.id ORDER BY m.released_at DESC, m.id DESC) FROM (
                SELECT * FROM matching ORDER BY released_at DESC, id DESC LIMIT $3) m
            $sql$, indexed)
        INTO found USING language, q, wanted;
    END IF;
    RETURN coalesce(found, '{}');
END
$$;
