-- A newsroom archive (`newsdesk export --all --format newsdesk`) moves
-- editions to another newsroom with nothing lost: stories stay grouped and
-- live updates keep their translations across separate import runs, so the
-- addresses a story and an update had where they came from are remembered,
-- as edition_import remembers an edition's.

CREATE TABLE newsroom.story_import (
    uri         text PRIMARY KEY CONSTRAINT uri_is_clean_text CHECK (newsroom.is_clean_text(uri, false)),
    story_id    bigint NOT NULL REFERENCES newsroom.story,
    imported_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE newsroom.story_import IS 'The address each imported story had where it came from.';

CREATE TABLE newsroom.update_import (
    uri         text PRIMARY KEY CONSTRAINT uri_is_clean_text CHECK (newsroom.is_clean_text(uri, false)),
    update_id   bigint NOT NULL REFERENCES newsroom.live_update,
    imported_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE newsroom.update_import IS 'The address each imported live update had where it came from.';
