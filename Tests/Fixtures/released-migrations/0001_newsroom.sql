-- The newsroom itself: where it is (its local time zone) and the languages it
-- publishes in. Everything else hangs off these.

CREATE TABLE newsroom_setting (
    key   text PRIMARY KEY,
    value text NOT NULL
);

COMMENT ON TABLE newsroom_setting IS 'Newsroom-wide settings, such as the time zone readers see times in.';

-- Readers see local times in this zone; TIME arguments without an offset are read in it.
INSERT INTO newsroom_setting (key, value) VALUES ('timezone', 'Europe/Kyiv');

CREATE TABLE language (
    -- A BCP 47 tag: primary language subtag, then optional subtags (en, uk, pt-BR).
    tag      text PRIMARY KEY CHECK (tag ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
    name     text NOT NULL CHECK (name <> ''),
    position integer NOT NULL UNIQUE
);

COMMENT ON TABLE language IS 'The languages the newsroom publishes editions in, in the order readers see them.';

INSERT INTO language (tag, name, position) VALUES
    ('uk', 'Українська', 1),
    ('ru', 'Русский', 2),
    ('en', 'English', 3);
