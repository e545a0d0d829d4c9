-- A reader's page reads its edition once: site.article hands the row it
-- found to newsroom.compose (Schema/editions.sql), which used to be read
-- again by newsroom.reader_document, newsroom.edition_extras and
-- newsroom.story_subjects, one lookup each. The subjects come with the
-- other subject lists (newsroom.edition_extras, now by story and
-- language), and the language switch is read once for both of its forms.
-- The functions whose signatures go are dropped here; Schema/ creates the
-- new ones.
DROP FUNCTION IF EXISTS newsroom.reader_document(bigint);
DROP FUNCTION IF EXISTS newsroom.story_subjects(bigint);
DROP FUNCTION IF EXISTS newsroom.edition_extras(bigint);
