-- A public change for an edition readers saw and may no longer see until a
-- later time: an embargo set, or its publication moved later, after it was
-- visible. The edition left every page and feed at once, but the record had
-- only its return, dated for the new time, so caches (and the site's own)
-- kept serving it until some other change emptied them.
-- (Schema/site.sql, newsroom.edition_public_change, records it.)
--
-- The check is replaced without a rewrite: NOT VALID, then validated while
-- changes go on being recorded.

ALTER TABLE newsroom.public_change DROP CONSTRAINT public_change_kind_check;
ALTER TABLE newsroom.public_change ADD CONSTRAINT public_change_kind_check CHECK (kind IN (
    'edition.published', 'edition.scheduled_time_reached', 'edition.embargo_lifted',
    'edition.edited', 'edition.withdrawn', 'edition.hidden',
    'update.added', 'update.edited', 'update.withdrawn', 'update.key_on', 'update.key_off')) NOT VALID;
ALTER TABLE newsroom.public_change VALIDATE CONSTRAINT public_change_kind_check;
