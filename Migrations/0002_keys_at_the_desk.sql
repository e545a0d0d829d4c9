-- Every desk action takes an idempotency key itself (Schema/access.sql,
-- newsroom.offer_at_desk): the key is claimed, the action carried out and its
-- result remembered in the action's own transaction, the fingerprint covering
-- every argument. The desk functions change signature, so the old ones go:
-- the actions that changed their arguments, the keyed variants of story
-- creation, and the pair of functions through which newsdesk claimed keys
-- around its own calls. The schema files then create the new ones.
DROP FUNCTION IF EXISTS desk.create_story(text, text, text, text, text, text, text, text[], boolean, text, text);
DROP FUNCTION IF EXISTS desk.edit_edition(text, integer, text, text, text, text, text, text, boolean, text, text, boolean, text);
DROP FUNCTION IF EXISTS desk.restore_edition(text, integer);
DROP FUNCTION IF EXISTS desk.submit_edition(text);
DROP FUNCTION IF EXISTS desk.return_edition(text, text);
DROP FUNCTION IF EXISTS desk.publish_edition(text, text);
DROP FUNCTION IF EXISTS desk.unpublish_edition(text, text);
DROP FUNCTION IF EXISTS desk.republish_edition(text);
DROP FUNCTION IF EXISTS desk.import_editions(desk.import_row[]);
DROP FUNCTION IF EXISTS desk.staff_add(text, text[], jsonb);
DROP FUNCTION IF EXISTS desk.staff_grant(text, text);
DROP FUNCTION IF EXISTS desk.staff_revoke(text, text);
DROP FUNCTION IF EXISTS desk.staff_deactivate(text);
DROP FUNCTION IF EXISTS desk.subject_add(text, jsonb, text, text);
DROP FUNCTION IF EXISTS desk.subject_rename(text, jsonb);
DROP FUNCTION IF EXISTS desk.tag_story(bigint, text[], boolean);
DROP FUNCTION IF EXISTS desk.translate_edition(text, text, text, text, text, text);
DROP FUNCTION IF EXISTS desk.refresh_translation(text, text, text, text, integer);
DROP FUNCTION IF EXISTS desk.translate_update(text, text, text);
DROP FUNCTION IF EXISTS desk.add_update(text, text, text, boolean, text);
DROP FUNCTION IF EXISTS desk.edit_update(text, text, text);
DROP FUNCTION IF EXISTS desk.withdraw_update(text, text);
DROP FUNCTION IF EXISTS desk.set_update_key(text, boolean);

DROP FUNCTION IF EXISTS newsroom.create_story(text, text, text, text, text, text, text, text[], boolean, text, text);
DROP FUNCTION IF EXISTS newsroom.add_update(text, text, text, boolean, text);
DROP FUNCTION IF EXISTS desk.create_story_once(text, text, text, text, text, text, text, text, text[], boolean, text, text);
DROP FUNCTION IF EXISTS desk.create_tagged_story(text, text[], text, text, text, text, text, text, text, text[], boolean, text, text);
DROP FUNCTION IF EXISTS desk.claim_idempotency_key(text, text, jsonb);
DROP FUNCTION IF EXISTS desk.remember_idempotency_key(text, jsonb);
