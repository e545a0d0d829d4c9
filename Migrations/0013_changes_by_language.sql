-- Each public change names its edition's language, and is indexed by it and
-- by story along the time readers see it. An article page asks for the
-- newest change of its language (its Last-Modified, and whether the site's
-- "Recent news" still stands) and of its story (the language switch). The
-- language was found through the edition, walking back along every
-- language's changes: with an English live story of 20,000 updates, each
-- Ukrainian page read 20,000 changes (33 ms) to find its language's newest.
--
-- An edition's language never changes (no desk function sets it), so the
-- copy here is the edition's for good; the two functions that record
-- changes (Schema/site.sql) fill it, and nothing else writes the table. (A
-- foreign key to the edition's (story_id, id, lang) would say so in the
-- schema, at the price of another unique index on every edition.)
-- public_change refuses every UPDATE and records plain SQL, so those
-- triggers are off for the fill.
--
-- The fill rewrites every change while holding the table: on a newsroom of
-- a million editions and 7 million changes it took 2 min 23 s, in which the
-- site's pages and every desk action that records a change wait. It leaves
-- the old row versions to VACUUM (autovacuum, or run it after the upgrade).

-- Checks an earlier migration of this run left for its end are made now:
-- a table with pending checks cannot be altered.
SET CONSTRAINTS ALL IMMEDIATE;

ALTER TABLE newsroom.public_change ADD COLUMN lang text;
ALTER TABLE newsroom.public_change DISABLE TRIGGER USER;
UPDATE newsroom.public_change c SET lang = e.lang FROM newsroom.edition e WHERE e.id = c.edition_id;
-- (newsroom.secure_objects, run after Schema/, makes them fire ALWAYS again.)
ALTER TABLE newsroom.public_change ENABLE TRIGGER USER;
ALTER TABLE newsroom.public_change ALTER COLUMN lang SET NOT NULL,
    ADD CONSTRAINT public_change_lang_fkey FOREIGN KEY (lang) REFERENCES newsroom.language (tag);

CREATE INDEX public_change_by_language ON newsroom.public_change (lang, visible_at);
CREATE INDEX public_change_by_story ON newsroom.public_change (story_id, visible_at);
