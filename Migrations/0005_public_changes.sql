-- What the site serves and who reads it (SPEC §11).
--
-- The site reads as its own login, newsdesk_site, a member of
-- newsdesk_reader: it may call the functions in schema site, which return
-- only what readers may see (embargo and scheduling decided at read time),
-- and nothing else. It is not staff: no desk function, no newsroom table.
--
-- public_change is the durable record of every change readers can see, for
-- caches, webhooks (`newsdesk events`) and live pages (server-sent events).
-- Triggers on editions and live updates write it in the same transaction as
-- the change; Schema/site.sql says how it is read in commit order.

DO $$
DECLARE
    step record;
    done boolean;
BEGIN
    FOR step IN SELECT * FROM (VALUES
        -- May call the functions in schema site; nothing more.
        ($q$SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'newsdesk_reader')$q$,
         'CREATE ROLE newsdesk_reader NOLOGIN'),
        -- The login `newsdesk serve` reads as.
        ($q$SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'newsdesk_site')$q$,
         'CREATE ROLE newsdesk_site LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION'),
        ($q$SELECT pg_catalog.pg_has_role('newsdesk_site', 'newsdesk_reader', 'MEMBER')$q$,
         'GRANT newsdesk_reader TO newsdesk_site')
    ) AS s (done, change) LOOP
        EXECUTE step.done INTO done;
        CONTINUE WHEN done;
        BEGIN
            EXECUTE step.change;
        EXCEPTION WHEN OTHERS THEN
            EXECUTE step.done INTO done;
            IF NOT done THEN
                RAISE;
            END IF;
        END;
    END LOOP;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO newsdesk_site', current_database());
END
$$;

CREATE SCHEMA site;
COMMENT ON SCHEMA site IS 'What readers may see: pages, feeds, search and public changes. Called by the site''s login.';

CREATE TABLE newsroom.public_change (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- When readers see the change: at once, or when a scheduled time or an
    -- embargo's lift comes (no transaction happens then).
    visible_at  timestamptz NOT NULL,
    kind        text NOT NULL CHECK (kind IN (
                    'edition.published', 'edition.scheduled_time_reached', 'edition.embargo_lifted',
                    'edition.edited', 'edition.withdrawn',
                    'update.added', 'update.edited', 'update.withdrawn', 'update.key_on', 'update.key_off')),
    story_id    bigint NOT NULL REFERENCES newsroom.story,
    edition_id  bigint NOT NULL REFERENCES newsroom.edition,
    update_id   bigint REFERENCES newsroom.live_update
);
COMMENT ON TABLE newsroom.public_change IS
    'Every change readers can see, in commit order (id), with when they see it. Written by triggers, never changed.';

-- A live page resumes by edition; the change stream finds what came due by time.
CREATE INDEX public_change_by_edition ON newsroom.public_change (edition_id, id);
CREATE INDEX public_change_by_visible_at ON newsroom.public_change (visible_at);
