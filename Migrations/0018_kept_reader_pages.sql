-- Kept reader pages: the document a reader's article page shows, built when
-- the edition changes rather than at every read (Schema/site.sql, "Kept
-- pages", says how it stays right). A page read at random composed its
-- document from a dozen lookups, each planned and started at every read;
-- read from here it is one.
--
-- One row per edition whose page anything has changed: `changes` counts the
-- changes to what the page shows, counted in the changing transaction;
-- `document_changes` is the count the document was built at. The document
-- stands while the two agree, the newsroom's generation (names of staff
-- and languages, settings) is the one it was built in, and its time has
-- not run out (a scheduled time or an embargo of its story).

CREATE TABLE newsroom.reader_page (
    story_id         bigint NOT NULL,
    edition_id       bigint NOT NULL,
    changes          bigint NOT NULL DEFAULT 1,
    -- Whether the change counted last has the page built as it commits
    -- (not for a live update's: Schema/site.sql says why).
    build_at_commit  boolean NOT NULL DEFAULT true,
    document_changes bigint,
    generation       bigint,
    -- The moments between which the document stands: from when it was
    -- built to the first time its story's pages change by time alone.
    valid_from       timestamptz,
    valid_until      timestamptz,
    -- What newsroom.compose gives readers, without the related stories
    -- (other stories' changes, read with the page).
    document         jsonb,
    CHECK ((document IS NULL) = (document_changes IS NULL)),
    -- Keyed by story, as every table of a story's (docs/scale-out.md). No
    -- foreign key to the edition: checking one at each count takes a share
    -- lock on the edition's row, and two desk actions on two languages of
    -- a story then deadlocked (each held its own edition and counted the
    -- other's page). A page is only ever read through its edition, and
    -- the page of an edition removed goes with it (Schema/site.sql).
    PRIMARY KEY (story_id, edition_id)
);
COMMENT ON TABLE newsroom.reader_page IS
    'The reader''s document of each edition, kept from its last change; used while nothing it shows has changed since.';

-- A page, as the functions that count changes pass them about.
CREATE TYPE newsroom.page_key AS (story_id bigint, edition_id bigint);

-- Changes newsroom-wide that every page shows: staff names, language names, settings.
CREATE TABLE newsroom.reader_page_generation (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    generation bigint NOT NULL
);
INSERT INTO newsroom.reader_page_generation (generation) VALUES (1);
COMMENT ON TABLE newsroom.reader_page_generation IS
    'Counts the newsroom-wide changes readers'' pages show (staff names, languages, settings).';
