-- Keys a distributed PostgreSQL (Citus) could shard by story (SPEC §10;
-- docs/scale-out.md). Every table is one of three kinds:
--
--   distributed by story: story (by id), edition, edition_revision,
--     edition_correction, edition_event, live_update, live_update_revision,
--     story_subject, public_change. story_id leads the primary key and every
--     unique key, and every foreign key among them carries it, so that a
--     story's rows, and every check between them, live on one node.
--   reference (a copy on every node): language, staff, staff_role, subject,
--     newsroom_setting, the Ukrainian lexicon, and the claims looked up by
--     value rather than by story: edition_slug ((lang, slug) → edition) and
--     edition_import, story_import, update_import (uri → what it made). A
--     reference table may not point at a distributed one, so their foreign
--     keys to editions, stories and updates go: only the desk's own functions
--     write them. An edition's current slug points the other way, at its
--     claim, which keeps (lang, slug) unique across the newsroom.
--   local to the coordinator: the audit log, idempotency keys, the
--     lexicon's load table and the migrations' bookkeeping.
--
-- Ids stay unique identities and are still indexed on their own (a command
-- names an edition by id); the keys only add story_id in front.
--
-- The rows there already get their story_id here. Revisions, corrections and
-- events refuse every UPDATE and record plain SQL, so those triggers are off
-- for the fill; the DDL that turns them off and on is in the audit log.

-- Checks an earlier migration of this run left for its end are made now:
-- a table with pending checks cannot be altered. (For the rest of the run,
-- deferrable checks are made at once.)
SET CONSTRAINTS ALL IMMEDIATE;

ALTER TABLE newsroom.edition_revision ADD COLUMN story_id bigint;
ALTER TABLE newsroom.edition_correction ADD COLUMN story_id bigint;
ALTER TABLE newsroom.edition_event ADD COLUMN story_id bigint;
ALTER TABLE newsroom.live_update ADD COLUMN story_id bigint;
ALTER TABLE newsroom.live_update_revision ADD COLUMN story_id bigint;

ALTER TABLE newsroom.edition_revision DISABLE TRIGGER USER;
ALTER TABLE newsroom.edition_correction DISABLE TRIGGER USER;
ALTER TABLE newsroom.edition_event DISABLE TRIGGER USER;
ALTER TABLE newsroom.live_update DISABLE TRIGGER USER;
ALTER TABLE newsroom.live_update_revision DISABLE TRIGGER USER;
UPDATE newsroom.edition_revision r SET story_id = e.story_id FROM newsroom.edition e WHERE e.id = r.edition_id;
UPDATE newsroom.edition_correction c SET story_id = e.story_id FROM newsroom.edition e WHERE e.id = c.edition_id;
UPDATE newsroom.edition_event v SET story_id = e.story_id FROM newsroom.edition e WHERE e.id = v.edition_id;
UPDATE newsroom.live_update u SET story_id = e.story_id FROM newsroom.edition e WHERE e.id = u.edition_id;
UPDATE newsroom.live_update_revision r SET story_id = u.story_id FROM newsroom.live_update u WHERE u.id = r.update_id;
-- (newsroom.secure_objects, run after Schema/, makes them fire ALWAYS again.)
ALTER TABLE newsroom.edition_revision ENABLE TRIGGER USER;
ALTER TABLE newsroom.edition_correction ENABLE TRIGGER USER;
ALTER TABLE newsroom.edition_event ENABLE TRIGGER USER;
ALTER TABLE newsroom.live_update ENABLE TRIGGER USER;
ALTER TABLE newsroom.live_update_revision ENABLE TRIGGER USER;

ALTER TABLE newsroom.edition_revision ALTER COLUMN story_id SET NOT NULL;
ALTER TABLE newsroom.edition_correction ALTER COLUMN story_id SET NOT NULL;
ALTER TABLE newsroom.edition_event ALTER COLUMN story_id SET NOT NULL;
ALTER TABLE newsroom.live_update ALTER COLUMN story_id SET NOT NULL;
ALTER TABLE newsroom.live_update_revision ALTER COLUMN story_id SET NOT NULL;

-- Foreign keys that name an edition or an update by its id alone go first.
ALTER TABLE newsroom.edition DROP CONSTRAINT edition_translated_from_fkey;
ALTER TABLE newsroom.edition_correction DROP CONSTRAINT edition_correction_edition_id_fkey;
ALTER TABLE newsroom.edition_correction DROP CONSTRAINT edition_correction_edition_id_version_fkey;
ALTER TABLE newsroom.edition_event DROP CONSTRAINT edition_event_edition_id_fkey;
ALTER TABLE newsroom.edition_import DROP CONSTRAINT edition_import_edition_id_fkey;
ALTER TABLE newsroom.edition_revision DROP CONSTRAINT edition_revision_edition_id_fkey;
ALTER TABLE newsroom.edition_slug DROP CONSTRAINT edition_slug_edition_id_fkey;
ALTER TABLE newsroom.live_update DROP CONSTRAINT live_update_edition_id_fkey;
ALTER TABLE newsroom.live_update DROP CONSTRAINT live_update_translation_of_fkey;
ALTER TABLE newsroom.live_update_revision DROP CONSTRAINT live_update_revision_update_id_fkey;
ALTER TABLE newsroom.public_change DROP CONSTRAINT public_change_edition_id_fkey;
ALTER TABLE newsroom.public_change DROP CONSTRAINT public_change_update_id_fkey;
ALTER TABLE newsroom.story_import DROP CONSTRAINT story_import_story_id_fkey;
ALTER TABLE newsroom.update_import DROP CONSTRAINT update_import_update_id_fkey;

-- Keys led by story_id; each id keeps an index of its own.
ALTER TABLE newsroom.edition DROP CONSTRAINT edition_pkey, ADD PRIMARY KEY (story_id, id);
CREATE INDEX edition_by_id ON newsroom.edition (id);
ALTER TABLE newsroom.edition_revision DROP CONSTRAINT edition_revision_pkey,
    ADD PRIMARY KEY (story_id, edition_id, version);
CREATE INDEX edition_revision_by_edition ON newsroom.edition_revision (edition_id, version);
ALTER TABLE newsroom.edition_correction DROP CONSTRAINT edition_correction_pkey,
    ADD PRIMARY KEY (story_id, edition_id, version);
CREATE INDEX edition_correction_by_edition ON newsroom.edition_correction (edition_id, version);
ALTER TABLE newsroom.edition_event DROP CONSTRAINT edition_event_pkey, ADD PRIMARY KEY (story_id, id);
ALTER TABLE newsroom.live_update DROP CONSTRAINT live_update_pkey, ADD PRIMARY KEY (story_id, id);
CREATE INDEX live_update_by_id ON newsroom.live_update (id);
ALTER TABLE newsroom.live_update DROP CONSTRAINT live_update_seq_unique,
    ADD CONSTRAINT live_update_seq_unique UNIQUE (story_id, edition_id, seq);
CREATE INDEX live_update_by_edition ON newsroom.live_update (edition_id, seq);
ALTER TABLE newsroom.live_update DROP CONSTRAINT live_update_translated_once,
    ADD CONSTRAINT live_update_translated_once UNIQUE (story_id, edition_id, translation_of);
ALTER TABLE newsroom.live_update_revision DROP CONSTRAINT live_update_revision_pkey,
    ADD PRIMARY KEY (story_id, update_id, version);
CREATE INDEX live_update_revision_by_update ON newsroom.live_update_revision (update_id, version);
ALTER TABLE newsroom.public_change DROP CONSTRAINT public_change_pkey, ADD PRIMARY KEY (story_id, id);
CREATE INDEX public_change_by_id ON newsroom.public_change (id);

-- An edition's slug is the one its claim names: (lang, slug) stays unique
-- across the newsroom through the claim's key, not a key on the edition.
-- Deferred: a new edition is written before its claim.
ALTER TABLE newsroom.edition_slug ADD CONSTRAINT edition_slug_claim UNIQUE (lang, slug, edition_id);
ALTER TABLE newsroom.edition DROP CONSTRAINT edition_slug_unique;
CREATE INDEX edition_by_slug ON newsroom.edition (lang, slug);
ALTER TABLE newsroom.edition ADD CONSTRAINT edition_slug_claimed FOREIGN KEY (lang, slug, id)
    REFERENCES newsroom.edition_slug (lang, slug, edition_id) DEFERRABLE INITIALLY DEFERRED;

-- Foreign keys among a story's rows, each carrying story_id. A translation,
-- and a translated update, are always of the same story.
ALTER TABLE newsroom.edition ADD CONSTRAINT edition_translated_from_fkey
    FOREIGN KEY (story_id, translated_from) REFERENCES newsroom.edition (story_id, id);
ALTER TABLE newsroom.edition_revision ADD CONSTRAINT edition_revision_edition_fkey
    FOREIGN KEY (story_id, edition_id) REFERENCES newsroom.edition (story_id, id);
ALTER TABLE newsroom.edition_correction ADD CONSTRAINT edition_correction_revision_fkey
    FOREIGN KEY (story_id, edition_id, version) REFERENCES newsroom.edition_revision (story_id, edition_id, version);
ALTER TABLE newsroom.edition_event ADD CONSTRAINT edition_event_edition_fkey
    FOREIGN KEY (story_id, edition_id) REFERENCES newsroom.edition (story_id, id);
ALTER TABLE newsroom.live_update ADD CONSTRAINT live_update_edition_fkey
    FOREIGN KEY (story_id, edition_id) REFERENCES newsroom.edition (story_id, id);
ALTER TABLE newsroom.live_update ADD CONSTRAINT live_update_translation_of_fkey
    FOREIGN KEY (story_id, translation_of) REFERENCES newsroom.live_update (story_id, id);
ALTER TABLE newsroom.live_update_revision ADD CONSTRAINT live_update_revision_update_fkey
    FOREIGN KEY (story_id, update_id) REFERENCES newsroom.live_update (story_id, id);
ALTER TABLE newsroom.public_change ADD CONSTRAINT public_change_edition_fkey
    FOREIGN KEY (story_id, edition_id) REFERENCES newsroom.edition (story_id, id);
ALTER TABLE newsroom.public_change ADD CONSTRAINT public_change_update_fkey
    FOREIGN KEY (story_id, update_id) REFERENCES newsroom.live_update (story_id, id);
