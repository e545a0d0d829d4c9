-- A translation takes its own photo caption and credit (`translate
-- --caption --credit`): the translate action gains two arguments, so its
-- old functions go, and Schema/translations.sql creates the new ones.
DROP FUNCTION IF EXISTS desk.translate_edition(text, text, text, text, text, text, text);
DROP FUNCTION IF EXISTS newsroom.translate_edition(text, text, text, text, text, text);
