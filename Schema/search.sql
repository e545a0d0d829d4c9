-- Search (SPEC §6; docs/search.md says why it is built so).
--
-- Every edition carries three vectors, kept by a trigger: `search`
-- (headline A, lead B, body C), and `headline_search` and `lead_search`
-- for the first two tiers (a word in every lead must not make a search of
-- headlines check every edition). English and Russian use PostgreSQL's Snowball
-- stemmers. Ukrainian is read by the functions below: its words, apostrophes
-- inside them kept, each indexed as written and as every lemma the lexicon
-- (newsroom.ukrainian_word_form) gives it; a word the lexicon does not know,
-- a name, as written only.

-- Lower case by Unicode's rules whatever the database's locale: a cluster
-- made without one (as the embedded database and the tests' are) would
-- lower-case only ASCII, and "Київ" would not find "київ".
CREATE OR REPLACE FUNCTION newsroom.fold_case(words text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(words COLLATE "und-x-icu")
$$;

-- A lexeme as tsvector and tsquery text write it: quoted, with quotes and
-- backslashes escaped (a stemmer may keep them in a lexeme).
CREATE OR REPLACE FUNCTION newsroom.quote_lexeme(lexeme text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''''
$$;

-- The words of a Ukrainian text with their positions (1, 2, …): letters and
-- digits, an apostrophe between two letters dropped (об'єкти, об’єкти and
-- обʼєкти are one word, обєкти, as the lexicon stores it), stress marks
-- ignored. Hyphens and other punctuation separate words; a "word" of 2 KB
-- or more is no word.
CREATE OR REPLACE FUNCTION newsroom.ukrainian_words(words text) RETURNS TABLE (word text, pos integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT t.m[1], least(t.n, 16383)::integer
    FROM regexp_matches(
             regexp_replace(replace(words, chr(769), ''), '([\u0400-\u04FF])[''\u2019\u02BC`](?=[\u0400-\u04FF])', '\1', 'g'),
             '[0-9A-Za-z\u00C0-\u024F\u0400-\u04FF]+', 'g') WITH ORDINALITY AS t (m, n)
    -- (PostgreSQL indexes no word of 2 KB or more; a query for one would fail.)
    WHERE octet_length(t.m[1]) < 2048
$$;

-- What each of some Ukrainian words is indexed and searched as: itself,
-- lower-cased, and its lemmas. Written with a capital letter, a word is read
-- as a name when it can be one (Києві: Київ), in lower case as a common word
-- when it can be one (києві: кий); but in a query (`typed`) lower case says
-- nothing, as people seldom capitalise what they search for. Stop words
-- give nothing.
CREATE OR REPLACE FUNCTION newsroom.ukrainian_readings(words text[], typed boolean) RETURNS TABLE (word text, reading text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH w AS (
        SELECT DISTINCT x AS word, newsroom.fold_case(x) AS form FROM unnest(words) x
        WHERE NOT EXISTS (SELECT 1 FROM newsroom.ukrainian_stop_word s WHERE s.word = newsroom.fold_case(x)))
    SELECT w.word, w.form FROM w
    UNION
    SELECT w.word, l.lemma
    FROM w JOIN newsroom.ukrainian_word_form f ON f.form = w.form
    CROSS JOIN LATERAL unnest(CASE WHEN w.word <> w.form AND f.proper IS NOT NULL THEN f.proper
                                   WHEN w.word = w.form AND NOT typed AND f.common IS NOT NULL THEN f.common
                                   ELSE coalesce(f.proper, '{}') || coalesce(f.common, '{}') END) AS l (lemma)
$$;

-- A Ukrainian text as a vector: every reading of every word at the word's
-- position, so that phrases match whichever form each word takes.
CREATE OR REPLACE FUNCTION newsroom.ukrainian_vector(words text) RETURNS tsvector
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH token AS MATERIALIZED (SELECT * FROM newsroom.ukrainian_words(words)),
    reading AS (
        SELECT r.reading AS lexeme, t.pos
        FROM newsroom.ukrainian_readings(ARRAY(SELECT DISTINCT t.word FROM token t), false) r
        JOIN token t ON t.word = r.word)
    SELECT coalesce(string_agg(newsroom.quote_lexeme(l.lexeme) || ':' || l.positions, ' ')::tsvector, ''::tsvector)
    FROM (SELECT lexeme, string_agg(DISTINCT pos::text, ',') AS positions FROM reading GROUP BY lexeme) l
$$;

-- One field of an edition as a vector in its language.
CREATE OR REPLACE FUNCTION newsroom.field_vector(lang text, words text) RETURNS tsvector
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN split_part(lang, '-', 1) = 'uk' THEN newsroom.ukrainian_vector(words)
                ELSE to_tsvector(newsroom.search_config(lang), newsroom.fold_case(words)) END
$$;

-- An edition's vectors from its text: its headline (weight A), its lead
-- (B), and `search`, those and the body (C).
CREATE OR REPLACE FUNCTION newsroom.search_vectors(lang text, headline_text text, lead_text text, body_text text,
                                                  OUT headline tsvector, OUT lead tsvector, OUT search tsvector)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    headline := setweight(newsroom.field_vector(lang, headline_text), 'A');
    lead := setweight(newsroom.field_vector(lang, lead_text), 'B');
    search := headline || lead || setweight(newsroom.field_vector(lang, body_text), 'C');
END
$$;

CREATE OR REPLACE FUNCTION newsroom.index_edition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT v.headline, v.lead, v.search INTO NEW.headline_search, NEW.lead_search, NEW.search
    FROM newsroom.search_vectors(NEW.lang, NEW.headline, NEW.lead, NEW.body) v;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER edition_search BEFORE INSERT OR UPDATE OF lang, headline, lead, body ON newsroom.edition
    FOR EACH ROW EXECUTE FUNCTION newsroom.index_edition();

-- Indexes again the editions in `language` (all when NULL), after the
-- lexicon changed or a migration cleared the vectors. Returns how many.
CREATE OR REPLACE FUNCTION newsroom.reindex_search(language text DEFAULT NULL, only_missing boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    done bigint;
BEGIN
    UPDATE newsroom.edition e
    SET (headline_search, lead_search, search) =
        (SELECT v.headline, v.lead, v.search FROM newsroom.search_vectors(e.lang, e.headline, e.lead, e.body) v)
    WHERE (language IS NULL OR split_part(e.lang, '-', 1) = language) AND (NOT only_missing OR e.headline_search IS NULL);
    GET DIAGNOSTICS done = ROW_COUNT;
    RETURN done;
END
$$;

-- Replaces the Ukrainian lexicon with the pairs (form, lemma) that
-- `newsdesk db lexicon` has just copied from the dictionary into
-- newsroom.ukrainian_word_form_load, empties that, and indexes the
-- Ukrainian editions again. Returns the number of forms kept and of
-- editions indexed.
CREATE OR REPLACE FUNCTION newsroom.replace_ukrainian_lexicon(OUT forms bigint, OUT editions bigint)
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE newsroom.ukrainian_word_form;
    INSERT INTO newsroom.ukrainian_word_form (form, proper, common)
    SELECT r.form, array_agg(DISTINCT r.lemma) FILTER (WHERE r.proper), array_agg(DISTINCT r.lemma) FILTER (WHERE NOT r.proper)
    FROM (
        SELECT newsroom.fold_case(replace(x.form, '''', '')) AS form,
               CASE WHEN x.lemma <> newsroom.fold_case(x.lemma) THEN replace(x.lemma, '''', '')
                    ELSE newsroom.fold_case(replace(x.lemma, '''', '')) END AS lemma,
               x.lemma <> newsroom.fold_case(x.lemma) AS proper
        FROM newsroom.ukrainian_word_form_load x
        WHERE x.form ~ '^[\u0400-\u04FF'']+$' AND x.lemma ~ '^[\u0400-\u04FF'']+$'
    ) r
    GROUP BY r.form
    -- A form whose only lemma is itself needs no row: every word is indexed as written.
    -- (A name's lemma keeps its capital, so its forms all have rows.)
    HAVING NOT (array_agg(DISTINCT r.lemma) <@ ARRAY[r.form]);
    GET DIAGNOSTICS forms = ROW_COUNT;
    TRUNCATE newsroom.ukrainian_word_form_load;
    ANALYZE newsroom.ukrainian_word_form;
    editions := newsroom.reindex_search('uk');
END
$$;

-- A search query as a tsquery in `language`: words (all of them), "a
-- phrase", -excluded, `or` between two terms, and `word*` for words
-- beginning so. `readings` says which forms of a Ukrainian word match:
-- 'written' only as typed, 'names' as typed or as the name it can be
-- (Києві: Київ, Кий), or its lemmas when it cannot be a name; 'all' every
-- lemma. NULL when the query has nothing to look for (only stop words,
-- say).
CREATE OR REPLACE FUNCTION newsroom.search_query(language text, query text, readings text DEFAULT 'all')
RETURNS tsquery
LANGUAGE plpgsql STABLE AS $$
DECLARE
    term record;
    part text;
    clause text := NULL;
    clauses text[] := '{}'::text[];
    joined_by_or boolean := false;
    -- Whether the clause being built, and any clause so far, looks for something.
    clause_positive boolean := false;
    any_positive boolean := false;
BEGIN
    FOR term IN
        SELECT m[1] = '-' AS excluded, m[2] IS NOT NULL AS phrase, coalesce(m[2], m[3]) AS words
        FROM regexp_matches(query, '(-?)(?:"([^"]*)"?|([^\s"]+))', 'g') AS m
    LOOP
        IF NOT term.phrase AND NOT term.excluded AND lower(term.words) = 'or' THEN
            joined_by_or := clause IS NOT NULL;
            CONTINUE;
        END IF;
        -- An excluded term is excluded wherever it stands.
        part := newsroom.search_phrase(language, term.words, readings,
                                       NOT term.phrase AND term.words LIKE '%_*');
        CONTINUE WHEN part IS NULL;
        IF term.excluded THEN part := '!' || part; END IF;
        IF joined_by_or THEN
            clause := format('%s | %s', clause, part);
            clause_positive := clause_positive OR NOT term.excluded;
        ELSE
            IF clause IS NOT NULL THEN clauses := clauses || format('(%s)', clause); END IF;
            any_positive := any_positive OR clause_positive;
            clause := part;
            clause_positive := NOT term.excluded;
        END IF;
        joined_by_or := false;
    END LOOP;
    IF clause IS NOT NULL THEN clauses := clauses || format('(%s)', clause); END IF;
    any_positive := any_positive OR clause_positive;
    -- Only exclusions find nothing rather than everything.
    IF NOT any_positive THEN
        RETURN NULL;
    END IF;
    RETURN array_to_string(clauses, ' & ')::tsquery;
END
$$;

-- One term of a query as tsquery text: its words in order, each as every
-- reading it has, at the distances they stand apart (a stop word between
-- two words still counts); with `prefix`, the last word as a beginning.
-- NULL when no word is left.
CREATE OR REPLACE FUNCTION newsroom.search_phrase(language text, words text, readings text, prefix boolean)
RETURNS text
LANGUAGE sql STABLE AS $$
    WITH reading AS (
        SELECT w.pos, CASE WHEN readings = 'written' OR prefix THEN ARRAY[newsroom.fold_case(w.word)]
                           ELSE ARRAY(SELECT r.reading FROM newsroom.ukrainian_readings(ARRAY[w.word], true) r
                                      WHERE readings = 'all' OR r.reading = newsroom.fold_case(w.word)
                                         OR r.reading <> newsroom.fold_case(r.reading)
                                         OR NOT EXISTS (SELECT 1 FROM newsroom.ukrainian_readings(ARRAY[w.word], true) n
                                                        WHERE n.reading <> newsroom.fold_case(n.reading))) END AS lexemes
        FROM newsroom.ukrainian_words(rtrim(words, '*')) w
        WHERE split_part(language, '-', 1) = 'uk'
          AND NOT EXISTS (SELECT 1 FROM newsroom.ukrainian_stop_word s WHERE s.word = newsroom.fold_case(w.word))
        UNION ALL
        SELECT p, ARRAY[v.lexeme]
        FROM unnest(to_tsvector(newsroom.search_config(language), newsroom.fold_case(rtrim(words, '*')))) v
        CROSS JOIN LATERAL unnest(v.positions) p
        WHERE split_part(language, '-', 1) <> 'uk'),
    node AS (
        SELECT r.pos, r.lexemes, lag(r.pos) OVER (ORDER BY r.pos) AS previous,
               prefix AND r.pos = max(r.pos) OVER () AS beginning
        FROM reading r)
    SELECT '(' || string_agg(
               CASE WHEN n.previous IS NULL THEN '' ELSE format(' <%s> ', n.pos - n.previous) END || '('
               || (SELECT string_agg(newsroom.quote_lexeme(l) || CASE WHEN n.beginning THEN ':*' ELSE '' END, ' | ')
                   FROM unnest(n.lexemes) l) || ')',
               '' ORDER BY n.pos) || ')'
    FROM node n
$$;

-- Search over what readers may see (`everything` false) or, for staff
-- (`search --all`), also over the unpublished editions the acting login may
-- see: editors and admins every one, reporters and translators those that
-- credit them (a login with neither role, none). Results by relevance:
-- where the words are (headline, then lead, then body); within each,
-- Ukrainian words as written, then as names, then in any form; then newest
-- first.
CREATE OR REPLACE FUNCTION newsroom.search(query text, lang text, max_items integer, everything boolean) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    wanted integer := greatest(1, least(max_items, 200));
    everyone boolean := CASE WHEN everything THEN newsroom.actor_is('editor', 'admin') ELSE false END;
    language text;
    place integer;
    q tsquery;
    variants tsquery[];
    previous text;
    found_ids bigint[];
    language_hits integer;
    hit_ids bigint[] := '{}'::bigint[];
    hit_places integer[] := '{}'::integer[];
    -- Per language with hits: the query that ranks them and the one that marks their snippets.
    hit_languages text[] := '{}'::text[];
    rank_queries tsquery[] := '{}'::tsquery[];
    snippet_queries tsquery[] := '{}'::tsquery[];
    -- Read once, for each hit's local time (as in desk.feed).
    zone text := newsroom.timezone();
BEGIN
    IF search.lang IS NOT NULL THEN search.lang := newsroom.require_language(search.lang, 'lang'); END IF;
    FOR language IN SELECT l.tag FROM newsroom.language l WHERE search.lang IS NULL OR l.tag = search.lang LOOP
        language_hits := 0;
        -- Ukrainian words as written first, then as the names they can be
        -- (news is mostly about people and places), then in any form; in
        -- other languages the three are one.
        variants := ARRAY[newsroom.search_query(language, query, 'written'), newsroom.search_query(language, query, 'names'),
                          newsroom.search_query(language, query, 'all')];
        <<places>>
        FOREACH place IN ARRAY ARRAY[1, 2, 3] LOOP
            previous := NULL;
            FOREACH q IN ARRAY variants LOOP
                EXIT places WHEN language_hits >= wanted OR q IS NULL;
                CONTINUE WHEN q::text = previous;
                previous := q::text;
                found_ids := newsroom.search_step(language, q, place, hit_ids, wanted - language_hits, everything, everyone);
                hit_ids := hit_ids || found_ids;
                hit_places := hit_places || array_fill(place, ARRAY[cardinality(found_ids)]);
                language_hits := language_hits + cardinality(found_ids);
            END LOOP;
        END LOOP;
        IF language_hits > 0 THEN
            hit_languages := hit_languages || language;
            rank_queries := rank_queries || variants[3];
            snippet_queries := snippet_queries || newsroom.snippet_query(language, query, variants[3]);
        END IF;
    END LOOP;

    RETURN (
        WITH hits AS (
            SELECT e.*, f.place, f.ordinality, l.rank_query, l.snippet_query
            FROM unnest(hit_ids, hit_places) WITH ORDINALITY AS f (id, place, ordinality)
            JOIN newsroom.edition e ON e.id = f.id
            JOIN unnest(hit_languages, rank_queries, snippet_queries) AS l (lang, rank_query, snippet_query) ON l.lang = e.lang
            ORDER BY f.place, f.ordinality
            LIMIT wanted
        )
        SELECT jsonb_build_object('query', query, 'items', coalesce(jsonb_agg(jsonb_build_object(
            'edition_id', h.id, 'story_id', h.story_id, 'lang', h.lang, 'slug', h.slug, 'headline', h.headline,
            'matched_in', (ARRAY['headline', 'lead', 'body'])[h.place],
            'rank', round(ts_rank_cd(h.search, h.rank_query)::numeric, 4),
            'published_at', newsroom.rfc3339(h.released_at),
            'local_time', newsroom.local_time_in(coalesce(h.released_at, h.saved_at), zone),
            'status', newsroom.effective_status(h.status, h.scheduled_at),
            'embargo_until', newsroom.rfc3339(CASE WHEN h.embargo_until > now() THEN h.embargo_until END),
            'snippet', (SELECT string_agg(p->>'text', '' ORDER BY n) FROM jsonb_array_elements(s.parts) WITH ORDINALITY AS x (p, n)),
            'snippet_parts', s.parts)
            ORDER BY h.place, h.ordinality), '[]'))
        FROM hits h
        -- The body on lines of its own, where its Markdown's line marks are.
        CROSS JOIN LATERAL newsroom.search_snippet(h.lang, concat_ws(' ', h.headline || ' —', nullif(h.lead, '')) || E'\n' || h.body,
                                                   h.snippet_query) AS s (parts));
END
$$;

-- `newsdesk search`: what readers see, or with `everything` (`--all`) also
-- the unpublished editions the acting login may see.
CREATE OR REPLACE FUNCTION desk.search(query text, lang text DEFAULT NULL, max_items integer DEFAULT 20,
                                       everything boolean DEFAULT false) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT newsroom.search(search.query, search.lang, search.max_items, search.everything)
$$;

-- The ids of up to `wanted` editions in `language` matching `q`, not
-- among `already`, newest first: public ones, or with `everything` also those
-- the acting login may see (`everyone`: all of them). Readers' searches
-- look among the newest editions of the language first, which usually
-- fill a page, and use the index for the rest; `place` 3 checks the whole
-- vector, 1 and 2 the short headline-and-lead one.
CREATE OR REPLACE FUNCTION newsroom.search_step(language text, q tsquery, place integer, already bigint[], wanted integer,
                                               everything boolean, everyone boolean) RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
    -- How many of the newest editions of the language are looked at first.
    recent constant integer := 2000;
    vector text := (ARRAY['e.headline_search', 'e.lead_search', 'e.search'])[place];
    result bigint[];
BEGIN
    IF everything THEN
        EXECUTE format($sql$
            SELECT array_agg(m.id ORDER BY m.at DESC, m.id DESC) FROM (
                SELECT e.id, coalesce(e.released_at, e.saved_at) AS at FROM newsroom.edition e
                WHERE e.lang = $1 AND %s @@ $2 AND e.id <> ALL ($3)
                  AND (newsroom.visible(e.status, e.scheduled_at, e.embargo_until) OR $5 OR ($6 AND newsroom.credited(e)))
                ORDER BY at DESC, e.id DESC LIMIT $4) m
            $sql$, vector)
        INTO result USING language, q, already, wanted, everyone, newsroom.actor_is('reporter', 'translator');
        RETURN coalesce(result, '{}');
    END IF;
    EXECUTE format($sql$
        SELECT array_agg(e.id ORDER BY e.released_at DESC, e.id DESC) FROM (
            SELECT e.id, e.released_at FROM (
                SELECT e.* FROM newsroom.edition e WHERE e.lang = $1 AND e.released_at IS NOT NULL
                ORDER BY e.released_at DESC, e.id DESC LIMIT %s) e
            WHERE newsroom.visible(e.status, e.scheduled_at, e.embargo_until) AND %s @@ $2 AND e.id <> ALL ($3)
            ORDER BY e.released_at DESC, e.id DESC LIMIT $4) e
        $sql$, recent, vector)
    INTO result USING language, q, already, wanted;
    IF coalesce(cardinality(result), 0) < wanted THEN
        EXECUTE format($sql$
            WITH matching AS MATERIALIZED (
                SELECT e.id, e.released_at FROM newsroom.edition e
                WHERE e.lang = $1 AND e.released_at IS NOT NULL
                  AND newsroom.visible(e.status, e.scheduled_at, e.embargo_until) AND %s @@ $2 AND e.id <> ALL ($3))
            SELECT array_agg(m.id ORDER BY m.released_at DESC, m.id DESC) FROM (
                SELECT * FROM matching ORDER BY released_at DESC, id DESC LIMIT $4) m
            $sql$, vector)
        INTO result USING language, q, already, wanted;
    END IF;
    RETURN coalesce(result, '{}');
END
$$;

-- The query whose words a snippet marks, once per language: the search
-- query itself (`searched`), except in Ukrainian, where PostgreSQL's own
-- parser reads the text as written: there the typed form, its lemmas and
-- their common beginning (делегації, делегація: делегаці…), each in lower
-- case and capitalised.
CREATE OR REPLACE FUNCTION newsroom.snippet_query(language text, query text, searched tsquery) RETURNS tsquery
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN split_part(language, '-', 1) <> 'uk' THEN searched ELSE (
        SELECT string_agg(newsroom.quote_lexeme(v.beginning) || ':*', ' | ')::tsquery
        FROM (
            SELECT DISTINCT variant AS beginning
            FROM regexp_matches(query, '[^\s"*-]+', 'g') AS m
            CROSS JOIN LATERAL newsroom.ukrainian_words(m[1]) w
            CROSS JOIN LATERAL newsroom.ukrainian_readings(ARRAY[w.word], true) r
            CROSS JOIN LATERAL (
                SELECT CASE WHEN length(common) >= 4 THEN common ELSE newsroom.fold_case(r.reading) END AS stem
                FROM (SELECT newsroom.fold_case(left(r.reading, n)) AS common FROM generate_series(length(r.reading), 0, -1) n
                      WHERE newsroom.fold_case(left(r.reading, n)) = left(newsroom.fold_case(w.word), n) LIMIT 1) c) s
            CROSS JOIN LATERAL unnest(ARRAY[s.stem, upper(left(s.stem, 1) COLLATE "und-x-icu") || substr(s.stem, 2)]) AS variant
            WHERE lower(m[1]) <> 'or'
        ) v) END
$$;

-- Markdown's words as a snippet shows them, on one line: without the
-- marks of emphasis and code, with a link's or image's text instead of the
-- link, and without headings', quotes' and list items' marks at the start
-- of lines, link definitions, fences, rules, escapes or raw HTML. By
-- pattern, because the database has no CommonMark parser (libcmark renders
-- pages, in the client); the patterns follow CommonMark's shapes for links,
-- definitions and tags, so that text which only looks alike ("[sic] (…)",
-- "<5 and >3") is left as it is. A construct they miss leaves at worst a
-- stray mark in a snippet, never a word taken out. A mark between two
-- letters or digits (2*3, snake_case) stays, and a backslash-escaped mark
-- is kept as its character. "Letter" is anything neither space nor ASCII
-- punctuation, as the database's C locale knows only ASCII letters.
CREATE OR REPLACE FUNCTION newsroom.markdown_words(body text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    words text := body;
BEGIN
    -- Links and images, inline (destination, optional title) or by reference: their text.
    words := regexp_replace(words,
        '!?\[([^]]*)\](\([[:space:]]*(<[^>\n]*>|[^[:space:]()]*)([[:space:]]+("[^"]*"|''[^'']*''|\([^)]*\)))?[[:space:]]*\)|\[[^]]*\])',
        '\1', 'g');
    -- Autolinks: the address.
    words := regexp_replace(words, '<((https?|mailto):[^>[:space:]]*)>', '\1', 'g');
    -- Raw HTML tags, opening (with attributes) or closing.
    words := regexp_replace(words,
        '<[A-Za-z][A-Za-z0-9-]*([[:space:]]+[A-Za-z_:][A-Za-z0-9_.:-]*([[:space:]]*=[[:space:]]*([^[:space:]"''=<>`]+|''[^'']*''|"[^"]*"))?)*[[:space:]]*/?>|</[A-Za-z][A-Za-z0-9-]*[[:space:]]*>',
        '', 'g');
    -- Whole lines: link definitions, code fences, thematic breaks.
    words := regexp_replace(words,
        '^[ \t]{0,3}(\[[^]]+\]:[ \t]*(<[^>]*>|[^[:space:]]+)([ \t]+("[^"]*"|''[^'']*''|\([^)]*\)))?[ \t]*|(```|~~~).*|([-*_][ \t]*){3,})$',
        '', 'gn');
    -- At the start of a line: heading, quote and list item marks.
    words := regexp_replace(words, '^[ \t]{0,3}(#{1,6}[ \t]+|(>[ \t]?)+|[-*+][ \t]+|[0-9]{1,9}[.)][ \t]+)', '', 'gn');
    -- Emphasis: runs of * and _ but between two letters; code: runs of `.
    words := regexp_replace(words,
        '(?<!\\)(?<![^[:space:][:punct:]])[*_]+|(?<=[^[:space:][:punct:]])[*_]+(?![^[:space:][:punct:]])|(?<!\\)`+',
        '', 'g');
    -- Escapes: the character itself.
    words := regexp_replace(words, '\\([[:punct:]])', '\1', 'g');
    -- Lines joined: a run of spaces, or any other white space, is one space.
    RETURN btrim(regexp_replace(words, '[[:space:]]{2,}|[\n\r\t\f\v]', ' ', 'g'));
END
$$;
-- What is left of a link that ts_headline cut in two at a fragment's edge.
-- At the start: the end of its text, then "](address)"; or only the rest
-- of its address and ")", when that is plainly an address (a path, a
-- scheme, a domain and a path). At the end: "[" and the start of its text,
-- with "](" and the start of its address or without. The text stays, the
-- marks and the address go; newsroom.markdown_words cleans the rest.
CREATE OR REPLACE FUNCTION newsroom.cut_link_edges(fragment text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(fragment,
        '^([^][]*)\]\([^()[:space:]]*\)', '\1'),
        '^(/|[A-Za-z][A-Za-z0-9+.-]*://|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/)[^][()[:space:]]*\)', ''),
        '!?\[([^]]*)(\]\([^()[:space:]]*)?$', '\1')
$$;

-- A fragment of `words` (Markdown) around the words `q` finds, in pieces:
-- JSON objects {"text", "match"}, the words found being the pieces that
-- match, in Markdown's words (newsroom.markdown_words). Readers' pages mark
-- them, the terminal shows them in bold; neither reads as a quotation, as
-- «…» did. (ts_headline puts STX and ETX around each, which no text holds:
-- the desk refuses control characters; markdown_words keeps them.) The
-- fragment is chosen in the Markdown and then cleaned: cleaning a whole
-- 5 KB body first took longer than choosing the fragment (1.1 against
-- 0.6 ms), and choosing within a wider cleaned region made some phrase
-- searches five times slower.
CREATE OR REPLACE FUNCTION newsroom.search_snippet(language text, words text, q tsquery) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH marked AS (
        SELECT CASE WHEN q IS NULL THEN left(newsroom.markdown_words(newsroom.cut_link_edges(left(words, 480))), 160)
                    ELSE newsroom.markdown_words(newsroom.cut_link_edges(ts_headline(newsroom.search_config(language), words, q,
                             format('StartSel=%s, StopSel=%s, MaxWords=24, MinWords=8, MaxFragments=1', chr(2), chr(3)))))
               END AS fragment)
    SELECT coalesce(jsonb_agg(CASE WHEN p.m[1] IS NOT NULL THEN jsonb_build_object('text', p.m[1], 'match', false)
                                   ELSE jsonb_build_object('text', p.m[2], 'match', true) END ORDER BY p.n), '[]')
    FROM marked,
         regexp_matches(marked.fragment, format('([^%1$s%2$s]+)|%1$s([^%2$s]*)%2$s', chr(2), chr(3)), 'g') WITH ORDINALITY AS p (m, n)
$$;

-- Editions not indexed yet by the functions above (those from before
-- migration 0009) are indexed once the functions exist.
SELECT newsroom.reindex_search(NULL, only_missing => true);
