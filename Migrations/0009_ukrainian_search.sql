-- Search that understands Ukrainian (docs/search.md). PostgreSQL has no
-- Ukrainian stemmer, and its ispell dictionary built from hunspell-uk costs
-- every new session 0.7–2.6 s and about 59 MB on first use, which every
-- newsdesk command would pay. So the dictionary is expanded once into a table
-- of word forms and their lemmas (`newsdesk db lexicon`), and the search
-- functions (Schema/search.sql) build and query the vectors through it.
--
-- The vectors are no longer a generated column: a generated column may call
-- only immutable functions, and one that reads a table is not; declared so
-- anyway, a restore would recompute them before the lexicon is back. A
-- trigger keeps them instead, and a dump keeps them as they are.

-- Every form of the dictionary whose lemmas are not just the form itself,
-- lower-cased and without apostrophes (об'єкти is stored as обєкти, as the
-- words of a text are read). The lemmas of proper nouns keep the
-- dictionary's capital (Київ, Кий) and stand apart from common words (кий),
-- so that a capitalised word is read as a name when it can be one, and
-- "Києві" never finds a billiard cue.
CREATE TABLE newsroom.ukrainian_word_form (
    form   text PRIMARY KEY,
    proper text[],
    common text[]
);
COMMENT ON TABLE newsroom.ukrainian_word_form IS
    'Ukrainian word forms and their lemmas, expanded from hunspell-uk by newsdesk db lexicon.';

-- The (form, lemma) pairs `newsdesk db lexicon` loads with COPY, read back
-- into the lexicon in the same transaction (Schema/search.sql) and then
-- emptied: it holds nothing between loads.
CREATE UNLOGGED TABLE newsroom.ukrainian_word_form_load (form text NOT NULL, lemma text NOT NULL);

-- Words too common to search for: function words, pronouns, particles.
CREATE TABLE newsroom.ukrainian_stop_word (word text PRIMARY KEY);
INSERT INTO newsroom.ukrainian_stop_word (word)
SELECT unnest(string_to_array(
    'а б би бо був була були було бути в вам вас весь вже ви від він вона вони воно все всі '
    'втім де для до е є з за зі же зо і із її їй їм їх й його йому к кожен коли котрий куди '
    'ледве лише ми мене мені мною мов може на над нам нами нас наш наша наше наші не неї нею ним ними '
    'них ні ніж нім но ну о об однак ой от отже по під після поки при про проте та так також там те '
    'теж тим тих то тобі тобою тоді того тому той треба ті у уже хоча хто це цей ці цим цих цього '
    'цьому ця чи чим чого що щоб як яка яке які який якщо ж ще', ' '));

ALTER TABLE newsroom.edition ALTER COLUMN search DROP EXPRESSION;
-- The headline and the lead alone, as the indexes of the first two tiers
-- had them (an expression index would have to call the lexicon too).
ALTER TABLE newsroom.edition ADD COLUMN headline_search tsvector, ADD COLUMN lead_search tsvector;
DROP INDEX newsroom.edition_headline_search;
DROP INDEX newsroom.edition_lead_search;
CREATE INDEX edition_headline_search ON newsroom.edition USING gin (headline_search);
CREATE INDEX edition_lead_search ON newsroom.edition USING gin (lead_search);
-- Every edition is indexed again by Schema/search.sql, once its functions
-- exist (its headline_search is still NULL): Ukrainian by the new rules, and
-- every language lower-cased by Unicode's rules (a cluster made without a
-- locale lower-cased only ASCII).

-- Staff search (`search --all`) takes one more argument.
DROP FUNCTION IF EXISTS desk.search(text, text, integer);
DROP FUNCTION IF EXISTS newsroom.search_tier(text, tsquery, integer, integer);
