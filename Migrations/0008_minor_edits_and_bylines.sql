-- Minor edits (`edit --minor`, `update edit --minor`): a silent fix that sets
-- no "updated" marker and keeps translations that followed the edition
-- current. Such a revision is recorded as a 'minor' change. Editors change
-- bylines with `edit --add-byline/--remove-byline`. The two edit actions
-- gain arguments, so their old functions go, and Schema/editions.sql and
-- Schema/updates.sql create the new ones.
ALTER TABLE newsroom.edition_revision DROP CONSTRAINT edition_revision_change_check;
ALTER TABLE newsroom.edition_revision ADD CONSTRAINT edition_revision_change_check
    CHECK (change IN ('create', 'edit', 'minor', 'correction', 'restore'));
ALTER TABLE newsroom.live_update_revision DROP CONSTRAINT live_update_revision_change_check;
ALTER TABLE newsroom.live_update_revision ADD CONSTRAINT live_update_revision_change_check
    CHECK (change IN ('add', 'edit', 'minor', 'withdraw', 'key', 'unkey'));

DROP FUNCTION IF EXISTS desk.edit_edition(text, integer, text, text, text, text, text, text, boolean, text, text, boolean, text, text);
DROP FUNCTION IF EXISTS newsroom.edit_edition(text, integer, text, text, text, text, text, text, boolean, text, text, boolean, text);
DROP FUNCTION IF EXISTS desk.edit_update(text, text, text, text);
DROP FUNCTION IF EXISTS newsroom.edit_update(text, text, text);
