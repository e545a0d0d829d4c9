-- Options the desk asked for: minor edits (`edit --minor`, `update edit
-- --minor`), a silent fix that sets no "updated" marker and keeps
-- translations that followed the edition current, recorded as a 'minor'
-- revision; bylines changed by editors (`edit --add-byline/--remove-byline`);
-- and `translate --refresh --no-change`, a translation that follows a new
-- source version without a change of its own, recorded in its history as
-- 'follow'; and `publish --published-at`, an earlier first publication
-- recorded as it was. Four actions gain arguments, so their old functions
-- go, and Schema/ creates the new ones. Translators are credited apart from
-- the byline: a translation carries its source's byline, and the people who
-- translated it in `translators` (translations made before keep the
-- translator on their byline). And scheduled revisions (`edit --at TIME`):
-- a revision of a published edition that readers see from TIME on, decided
-- when they read, as scheduled publication is; `edit --cancel-scheduled`
-- drops one before its time.
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
DROP FUNCTION IF EXISTS desk.refresh_translation(text, text, text, text, integer, text);
DROP FUNCTION IF EXISTS newsroom.refresh_translation(text, text, text, text, integer);
DROP FUNCTION IF EXISTS desk.publish_edition(text, text, text);
DROP FUNCTION IF EXISTS newsroom.publish_edition(text, text);

ALTER TABLE newsroom.edition_revision ADD COLUMN effective_at timestamptz;
COMMENT ON COLUMN newsroom.edition_revision.effective_at IS
    'For a scheduled revision: when readers see it from. NULL for a revision readers saw when it was saved.';
ALTER TABLE newsroom.edition ADD COLUMN revision_due_at timestamptz;
COMMENT ON COLUMN newsroom.edition.revision_due_at IS
    'When the edition''s scheduled revision (its newest, with this effective_at) takes over; NULL when none is pending.';
DROP FUNCTION IF EXISTS newsroom.save_revision(newsroom.edition, text, text);

ALTER TABLE newsroom.edition ADD COLUMN translators text[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN newsroom.edition.translators IS
    'Who translated the edition: credited apart from its byline, and they may edit it while it is a draft.';

ALTER TABLE newsroom.edition_event DROP CONSTRAINT edition_event_action_check;
ALTER TABLE newsroom.edition_event ADD CONSTRAINT edition_event_action_check
    CHECK (action IN ('submit', 'return', 'publish', 'schedule', 'unpublish', 'republish', 'follow', 'cancel_revision'));
