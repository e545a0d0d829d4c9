-- A reader's page builds the edition's document in one pass
-- (newsroom.compose_edition) instead of the staff document taken apart
-- again: the live updates are listed with the language and time zone the
-- document already has, and for readers without what only staff see. The
-- old list functions go; Schema/ creates the new one.
DROP FUNCTION IF EXISTS newsroom.edition_updates(bigint);
DROP FUNCTION IF EXISTS newsroom.withdrawn_updates(bigint);
DROP FUNCTION IF EXISTS newsroom.updates_of(bigint, boolean);
DROP FUNCTION IF EXISTS newsroom.edition_source(bigint);
