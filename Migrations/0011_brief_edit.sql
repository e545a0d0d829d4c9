-- `newsdesk edit` asks for a brief answer when it prints one line (which
-- edition, which version) rather than the edition's whole document: the
-- edit action gains an argument, so its old functions go, and Schema/
-- creates the new ones. (An idempotency key used before this migration and
-- repeated after it names other arguments, and is refused as such.)
DROP FUNCTION IF EXISTS desk.edit_edition(text, integer, text, text, text, text, text, text, boolean, text, text, boolean, text, boolean, text[], text[], text, boolean, text);
DROP FUNCTION IF EXISTS newsroom.edit_edition(text, integer, text, text, text, text, text, text, boolean, text, text, boolean, text, boolean, text[], text[], text, boolean);
