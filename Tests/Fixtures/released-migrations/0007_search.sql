-- Full-text search per language (SPEC §6): headline weighted above lead above
-- body. English and Russian use PostgreSQL's Snowball stemmers. PostgreSQL
-- ships no Ukrainian stemmer, so Ukrainian uses the 'simple' configuration
-- (lower-cased words, no stemming): a search finds the word forms it names.

CREATE FUNCTION newsroom.search_config(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE split_part(lang, '-', 1)
        WHEN 'en' THEN 'pg_catalog.english'::regconfig
        WHEN 'ru' THEN 'pg_catalog.russian'::regconfig
        ELSE 'pg_catalog.simple'::regconfig
    END
$$;

ALTER TABLE newsroom.edition ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector(newsroom.search_config(lang), headline), 'A')
    || setweight(to_tsvector(newsroom.search_config(lang), lead), 'B')
    || setweight(to_tsvector(newsroom.search_config(lang), body), 'C')) STORED;
CREATE INDEX edition_search ON newsroom.edition USING gin (search);

-- `newsdesk search`: the best matches readers may see, with a highlighted snippet.
CREATE FUNCTION desk.search(query text, lang text DEFAULT NULL, max_items integer DEFAULT 20) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH languages AS (
        SELECT l.tag, websearch_to_tsquery(newsroom.search_config(l.tag), query) AS q
        FROM newsroom.language l WHERE search.lang IS NULL OR l.tag = search.lang
    ),
    hits AS (
        SELECT e.*, ts_rank_cd(e.search, languages.q) AS rank, languages.q
        FROM languages JOIN newsroom.edition e ON e.lang = languages.tag AND e.search @@ languages.q
        WHERE newsroom.visible(e.status, e.scheduled_at, e.embargo_until)
        ORDER BY rank DESC, e.published_at DESC, e.id DESC
        LIMIT greatest(1, least(max_items, 200))
    )
    SELECT jsonb_build_object('query', query, 'items', coalesce(jsonb_agg(jsonb_build_object(
        'edition_id', h.id, 'story_id', h.story_id, 'lang', h.lang, 'slug', h.slug, 'headline', h.headline,
        'rank', round(h.rank::numeric, 4), 'published_at', newsroom.rfc3339(h.published_at),
        'local_time', newsroom.local_time(h.published_at),
        'snippet', ts_headline(newsroom.search_config(h.lang), h.headline || ' — ' || h.lead || ' ' || h.body, h.q,
                               'StartSel=«, StopSel=», MaxWords=24, MinWords=8, MaxFragments=1'))
        ORDER BY h.rank DESC, h.published_at DESC, h.id DESC), '[]'))
    FROM hits h
$$;

CALL newsroom.secure_objects();
