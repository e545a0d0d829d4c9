-- Readers first see an embargoed edition when the embargo lifts, not when it
-- was published: feeds, `show` and ninjs date and order it by the later of
-- the two. Kept as columns (and indexed) so that a feed page is still an
-- index scan, not a sort of every edition of the language.

ALTER TABLE newsroom.edition
    ADD COLUMN released_at timestamptz GENERATED ALWAYS AS (
        CASE WHEN published_at IS NOT NULL THEN greatest(published_at, embargo_until) END) STORED,
    ADD COLUMN revised_at timestamptz GENERATED ALWAYS AS (
        CASE WHEN updated_at IS NOT NULL THEN greatest(updated_at, embargo_until) END) STORED;
COMMENT ON COLUMN newsroom.edition.released_at IS
    'When readers could first see the edition: the later of its publication and its embargo''s lift.';
COMMENT ON COLUMN newsroom.edition.revised_at IS
    'Its last public change as readers could see it: never earlier than the embargo''s lift.';

DROP INDEX newsroom.edition_feed_published;
DROP INDEX newsroom.edition_feed_updated;
CREATE INDEX edition_feed_published ON newsroom.edition (lang, released_at DESC, id DESC) WHERE released_at IS NOT NULL;
CREATE INDEX edition_feed_updated ON newsroom.edition (lang, revised_at DESC, id DESC) WHERE revised_at IS NOT NULL;
