-- The newsroom's tables, types, roles and first data: everything a database
-- holds that is not a function, view or trigger. Those are in Schema/, one
-- file per area, and are applied after the versioned migrations whenever
-- they change (see Sources/NewsdeskCore/Database/Migrator.swift).
--
-- This baseline folds releases 0001–0012 into one file. A database made by
-- them upgrades in place: the migrator recognises their bookkeeping and
-- records this baseline instead (nothing in it is run there).
--
-- Design: the newsroom's tables (schema newsroom) belong to the NOLOGIN role
-- newsdesk_owner, and nobody else has any right on them. People act only
-- through the functions in schema desk, which run as the owner (SECURITY
-- DEFINER), check the SPEC §3 matrix against the acting login (session_user,
-- never a value the client sends) and write one audit event per action in
-- the same transaction. A person with psql and their own login can call the
-- same functions, under the same rules, and nothing else.

-- Roles ---------------------------------------------------------------------------

-- Roles belong to the whole cluster, and another newsroom database may be
-- migrating at this moment: each change is made only when it is missing, and
-- a concurrent one is accepted once it shows.
DO $$
DECLARE
    step record;
    done boolean;
BEGIN
    FOR step IN SELECT * FROM (VALUES
        -- Owns the newsroom's schemas, tables and functions. Nobody logs in as it.
        ($q$SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'newsdesk_owner')$q$,
         'CREATE ROLE newsdesk_owner NOLOGIN'),
        -- Every person's login is a member: it may call the desk functions, nothing more.
        ($q$SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'newsdesk_staff')$q$,
         'CREATE ROLE newsdesk_staff NOLOGIN'),
        -- Creates, enables and disables staff logins; nothing else.
        ($q$SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'newsdesk_gatekeeper')$q$,
         'CREATE ROLE newsdesk_gatekeeper NOLOGIN'),
        ($q$SELECT rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = 'newsdesk_gatekeeper'$q$,
         'ALTER ROLE newsdesk_gatekeeper CREATEROLE'),
        -- The owner has no power over roles (an older release gave it CREATEROLE).
        ($q$SELECT NOT rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = 'newsdesk_owner'$q$,
         'ALTER ROLE newsdesk_owner NOCREATEROLE'),
        -- To end the sessions of a deactivated or stuck login, and to see how long they have been idle.
        ($q$SELECT pg_catalog.pg_has_role('newsdesk_gatekeeper', 'pg_signal_backend', 'MEMBER')$q$,
         'GRANT pg_signal_backend TO newsdesk_gatekeeper'),
        ($q$SELECT pg_catalog.pg_has_role('newsdesk_gatekeeper', 'pg_read_all_stats', 'MEMBER')$q$,
         'GRANT pg_read_all_stats TO newsdesk_gatekeeper')
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

-- Who may connect to the newsroom's database is the newsroom's decision:
-- staff logins get CONNECT from staff add and lose it on deactivation
-- (superusers and the database's owner connect as before).
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO newsdesk_gatekeeper WITH GRANT OPTION', current_database());
END
$$;

-- Advisory locks: `newsdesk db migrate` (a superuser) takes one, and the DDL
-- record (Schema/audit.sql) trusts it; nobody else needs them in a newsroom database.
REVOKE EXECUTE ON FUNCTION pg_catalog.pg_advisory_lock(bigint), pg_catalog.pg_advisory_lock_shared(bigint),
    pg_catalog.pg_try_advisory_lock(bigint), pg_catalog.pg_try_advisory_lock_shared(bigint),
    pg_catalog.pg_advisory_xact_lock(bigint), pg_catalog.pg_advisory_xact_lock_shared(bigint),
    pg_catalog.pg_try_advisory_xact_lock(bigint), pg_catalog.pg_try_advisory_xact_lock_shared(bigint)
    FROM PUBLIC;

-- Schemas -------------------------------------------------------------------------

CREATE SCHEMA newsroom;
COMMENT ON SCHEMA newsroom IS 'The newsroom''s tables; reachable only through the functions in schema desk.';

CREATE SCHEMA desk;
COMMENT ON SCHEMA desk IS 'The actions of the newsroom: one function each, checked and audited by the database.';

CREATE SCHEMA logins AUTHORIZATION newsdesk_gatekeeper;
COMMENT ON SCHEMA logins IS 'Staff logins: made, switched on and off, their sessions ended. Only the owner calls these.';
REVOKE ALL ON SCHEMA logins FROM PUBLIC;
GRANT USAGE ON SCHEMA logins TO newsdesk_owner;

-- levenshtein() suggests the closest subject slugs for a mistyped one. In the
-- newsroom schema, because the desk functions see only pg_catalog and what
-- they name.
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch SCHEMA newsroom;

-- Rules the tables are built on ------------------------------------------------------
-- Constraints, indexes and generated columns use these, so they are part of
-- the tables: changing one is a versioned migration that revalidates or
-- rebuilds what depends on it.

-- Whether `value` is text the newsroom stores (SPEC §7, the same rules as
-- newsdesk's TextField, which says which rule a text breaks): no control
-- characters but (in multi-line fields) newline and tab; no line or
-- paragraph separators; no bidirectional marks, embeddings, overrides or
-- isolates, nor invisible characters that disguise text (zero-width and
-- Hangul fillers, word joiners, invisible operators, tag characters,
-- interlinear annotation); no noncharacters (U+FFFE and U+FFFF cannot be
-- carried by XML at all); and NFC. One character class per kind of field,
-- so a body is scanned once (the check runs on every row an import writes);
-- ASCII text is NFC already, and counting is cheaper than normalising. The
-- patterns are E'' strings, read the same whatever standard_conforming_strings
-- a session sets.
CREATE FUNCTION newsroom.is_clean_text(value text, multiline boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT value IS NULL OR (
        value !~ CASE WHEN multiline
                      THEN E'[\\u0001-\\u0008\\u000B-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u115F\\u1160\\u180E\\u200B\\u2060-\\u2064\\u206A-\\u206F\\u3164\\uFEFF\\uFFA0\\uFFF9-\\uFFFB\\U000E0000-\\U000E007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF\\U0001FFFE\\U0001FFFF\\U0002FFFE\\U0002FFFF\\U0003FFFE\\U0003FFFF\\U0004FFFE\\U0004FFFF\\U0005FFFE\\U0005FFFF\\U0006FFFE\\U0006FFFF\\U0007FFFE\\U0007FFFF\\U0008FFFE\\U0008FFFF\\U0009FFFE\\U0009FFFF\\U000AFFFE\\U000AFFFF\\U000BFFFE\\U000BFFFF\\U000CFFFE\\U000CFFFF\\U000DFFFE\\U000DFFFF\\U000EFFFE\\U000EFFFF\\U000FFFFE\\U000FFFFF\\U0010FFFE\\U0010FFFF]'
                      ELSE E'[\\u0001-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u115F\\u1160\\u180E\\u200B\\u2060-\\u2064\\u206A-\\u206F\\u3164\\uFEFF\\uFFA0\\uFFF9-\\uFFFB\\U000E0000-\\U000E007F\\uFDD0-\\uFDEF\\uFFFE\\uFFFF\\U0001FFFE\\U0001FFFF\\U0002FFFE\\U0002FFFF\\U0003FFFE\\U0003FFFF\\U0004FFFE\\U0004FFFF\\U0005FFFE\\U0005FFFF\\U0006FFFE\\U0006FFFF\\U0007FFFE\\U0007FFFF\\U0008FFFE\\U0008FFFF\\U0009FFFE\\U0009FFFF\\U000AFFFE\\U000AFFFF\\U000BFFFE\\U000BFFFF\\U000CFFFE\\U000CFFFF\\U000DFFFE\\U000DFFFF\\U000EFFFE\\U000EFFFF\\U000FFFFE\\U000FFFFF\\U0010FFFE\\U0010FFFF]' END
        AND (octet_length(value) = char_length(value) OR value IS NFC NORMALIZED))
$$;

-- Names in several languages ({"uk": "…", "en": "…"}): each key a language
-- tag, each value one line of clean text.
CREATE FUNCTION newsroom.are_clean_names(names jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM jsonb_each(names) n
                       WHERE n.key !~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'
                          OR jsonb_typeof(n.value) <> 'string'
                          OR NOT newsroom.is_clean_text(n.value #>> '{}', false)
                          OR octet_length(n.value #>> '{}') > 200)
$$;

-- A web address (a photo, a Media Topic): http or https, a host, no spaces.
CREATE FUNCTION newsroom.is_web_address(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT value IS NULL OR value ~ E'^[Hh][Tt][Tt][Pp][Ss]?://[^[:space:]/?#@]+([/?#][^[:space:]]*)?$'
$$;

-- Full-text search per language (SPEC §6): headline weighted above lead above
-- body. English and Russian use PostgreSQL's Snowball stemmers. PostgreSQL
-- ships no Ukrainian stemmer, so Ukrainian uses the 'simple' configuration
-- (lower-cased words, no stemming): a search finds the word forms it names.

CREATE FUNCTION newsroom.search_config(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE split_part(lang, '-', 1)
        WHEN 'en' THEN 'pg_catalog.english'::regconfig
        WHEN 'ru' THEN 'pg_catalog.russian'::regconfig
        ELSE 'pg_catalog.simple'::regconfig
    END
$$;

-- The newsroom itself ----------------------------------------------------------------

CREATE TABLE newsroom.newsroom_setting (
    key   text PRIMARY KEY,
    value text NOT NULL
);
COMMENT ON TABLE newsroom.newsroom_setting IS 'Newsroom-wide settings, such as the time zone readers see times in.';

-- Readers see local times in this zone; TIME arguments without an offset are
-- read in it. Links in feeds are built on the site's address.
INSERT INTO newsroom.newsroom_setting (key, value) VALUES
    ('timezone', 'Europe/Kyiv'),
    ('site_url', 'https://newsroom.example');

CREATE TABLE newsroom.language (
    -- A BCP 47 tag: primary language subtag, then optional subtags (en, uk, pt-BR).
    tag      text PRIMARY KEY CHECK (tag ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
    name     text NOT NULL CHECK (name <> ''),
    position integer NOT NULL UNIQUE
);
COMMENT ON TABLE newsroom.language IS 'The languages the newsroom publishes editions in, in the order readers see them.';

INSERT INTO newsroom.language (tag, name, position) VALUES
    ('uk', 'Українська', 1),
    ('ru', 'Русский', 2),
    ('en', 'English', 3);

-- Staff (SPEC §3) ----------------------------------------------------------------------

CREATE TABLE newsroom.staff (
    login      text PRIMARY KEY CHECK (login ~ '^[a-z_][a-z0-9_]{0,62}$'),
    names      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(names) = 'object')
               CONSTRAINT names_is_clean_text CHECK (newsroom.are_clean_names(names)),
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE newsroom.staff IS 'People of the newsroom; each is a PostgreSQL login role of the same name.';

CREATE TABLE newsroom.staff_role (
    login text NOT NULL REFERENCES newsroom.staff,
    role  text NOT NULL CHECK (role IN ('reporter', 'translator', 'editor', 'admin')),
    PRIMARY KEY (login, role)
);

-- The audit log (SPEC §4) ------------------------------------------------------------

CREATE TABLE newsroom.audit_event (
    seq        bigint PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    story_id   bigint,
    edition_id bigint,
    update_id  bigint,
    detail     jsonb NOT NULL DEFAULT '{}',
    client     text NOT NULL DEFAULT '',
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL
);
CREATE INDEX audit_event_by_story ON newsroom.audit_event (story_id, seq);
CREATE INDEX audit_event_by_actor ON newsroom.audit_event (actor, seq);
CREATE INDEX audit_event_by_action ON newsroom.audit_event (action, seq);
CREATE INDEX audit_event_by_time ON newsroom.audit_event (at);
COMMENT ON TABLE newsroom.audit_event IS
    'One row per change, hash-chained: hash = sha256(prev_hash || canonical encoding of the row). Append-only.';

-- The newest event: appends lock this row, so concurrent writers take turns
-- and the chain never forks; seq has no gaps.
CREATE TABLE newsroom.audit_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq       bigint NOT NULL,
    hash      bytea NOT NULL
);
INSERT INTO newsroom.audit_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- A refusal is recorded without taking the chain's head: it waits here until
-- the next append (or a read of the log) chains it, in the order refused. A
-- refused call left open in a transaction then blocks no one.
CREATE TABLE newsroom.audit_pending (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    story_id   bigint,
    edition_id bigint,
    detail     jsonb NOT NULL,
    client     text NOT NULL
);
COMMENT ON TABLE newsroom.audit_pending IS 'Refusals not yet in the hash chain; the next append moves them there.';
CREATE INDEX audit_pending_by_actor ON newsroom.audit_pending (actor);

-- Stories and their editions (SPEC §1, §2) ---------------------------------------------

CREATE TYPE newsroom.edition_status AS ENUM ('draft', 'in_review', 'scheduled', 'published', 'withdrawn');

CREATE TABLE newsroom.story (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT session_user
);
COMMENT ON TABLE newsroom.story IS 'The language-independent news event; owns its editions and subjects.';

CREATE TABLE newsroom.edition (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    story_id         bigint NOT NULL REFERENCES newsroom.story,
    lang             text NOT NULL REFERENCES newsroom.language (tag),
    slug             text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND octet_length(slug) <= 80),
    headline         text NOT NULL CHECK (headline <> '' AND octet_length(headline) <= 400)
                     CONSTRAINT headline_is_clean_text CHECK (newsroom.is_clean_text(headline, false)),
    lead             text NOT NULL DEFAULT '' CHECK (octet_length(lead) <= 4000)
                     CONSTRAINT lead_is_clean_text CHECK (newsroom.is_clean_text(lead, true)),
    body             text NOT NULL DEFAULT '' CHECK (octet_length(body) <= 1048576)
                     CONSTRAINT body_is_clean_text CHECK (newsroom.is_clean_text(body, true)),
    photo_url        text CHECK (octet_length(photo_url) <= 2000)
                     CONSTRAINT photo_url_is_clean_text
                         CHECK (newsroom.is_clean_text(photo_url, false) AND newsroom.is_web_address(photo_url)),
    photo_caption    text CHECK (octet_length(photo_caption) <= 1000)
                     CONSTRAINT photo_caption_is_clean_text CHECK (newsroom.is_clean_text(photo_caption, false)),
    photo_credit     text CHECK (octet_length(photo_credit) <= 300)
                     CONSTRAINT photo_credit_is_clean_text CHECK (newsroom.is_clean_text(photo_credit, false)),
    bylines          text[] NOT NULL DEFAULT '{}',
    video            boolean NOT NULL DEFAULT false,
    status           newsroom.edition_status NOT NULL DEFAULT 'draft',
    version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    published_at     timestamptz,
    updated_at       timestamptz,
    scheduled_at     timestamptz,
    embargo_until    timestamptz,
    saved_at         timestamptz NOT NULL DEFAULT now(),
    review_note      text CONSTRAINT review_note_is_clean_text CHECK (newsroom.is_clean_text(review_note, true)),
    withdrawal_reason text
                     CONSTRAINT withdrawal_reason_is_clean_text CHECK (newsroom.is_clean_text(withdrawal_reason, true)),
    -- Counts the edition's live updates; appending locks the edition row, so
    -- seq is gapless and updates commit in seq order.
    update_count     integer NOT NULL DEFAULT 0,
    -- A translation records what it was made from, so that "out of date" is
    -- computed, never guessed.
    translated_from  bigint REFERENCES newsroom.edition,
    translated_from_version integer,
    -- Full-text search (SPEC §6): headline weighted above lead above body.
    search           tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector(newsroom.search_config(lang), headline), 'A')
                         || setweight(to_tsvector(newsroom.search_config(lang), lead), 'B')
                         || setweight(to_tsvector(newsroom.search_config(lang), body), 'C')) STORED,
    CONSTRAINT edition_one_per_language UNIQUE (story_id, lang),
    CONSTRAINT edition_slug_unique UNIQUE (lang, slug),
    CONSTRAINT edition_scheduled_has_time CHECK (status <> 'scheduled' OR scheduled_at IS NOT NULL),
    CONSTRAINT edition_translation_complete CHECK ((translated_from IS NULL) = (translated_from_version IS NULL))
);
COMMENT ON TABLE newsroom.edition IS 'A story in one language. version counts saved revisions.';
COMMENT ON COLUMN newsroom.edition.updated_at IS 'Last public change: a revision of a published edition, a live update, a correction.';

-- Feeds read newest first by publication or by last public change.
CREATE INDEX edition_feed_published ON newsroom.edition (lang, published_at DESC, id DESC) WHERE published_at IS NOT NULL;
CREATE INDEX edition_feed_updated ON newsroom.edition (lang, updated_at DESC, id DESC) WHERE updated_at IS NOT NULL;

-- Search orders matches by where the words are found — headline, then lead,
-- then body — each tier from its own index (Schema/search.sql says why).
CREATE INDEX edition_search ON newsroom.edition USING gin (search);
CREATE INDEX edition_headline_search ON newsroom.edition
    USING gin (to_tsvector(newsroom.search_config(lang), headline));
CREATE INDEX edition_lead_search ON newsroom.edition
    USING gin (to_tsvector(newsroom.search_config(lang), lead));

-- Every slug an edition has had, so old links keep working.
CREATE TABLE newsroom.edition_slug (
    lang       text NOT NULL,
    slug       text NOT NULL,
    edition_id bigint NOT NULL REFERENCES newsroom.edition DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (lang, slug)
);

CREATE TABLE newsroom.edition_revision (
    edition_id    bigint NOT NULL REFERENCES newsroom.edition,
    version       integer NOT NULL,
    slug          text NOT NULL,
    headline      text NOT NULL CONSTRAINT headline_is_clean_text CHECK (newsroom.is_clean_text(headline, false)),
    lead          text NOT NULL CONSTRAINT lead_is_clean_text CHECK (newsroom.is_clean_text(lead, true)),
    body          text NOT NULL CONSTRAINT body_is_clean_text CHECK (newsroom.is_clean_text(body, true)),
    photo_url     text CONSTRAINT photo_url_is_clean_text
                      CHECK (newsroom.is_clean_text(photo_url, false) AND newsroom.is_web_address(photo_url)),
    photo_caption text CONSTRAINT photo_caption_is_clean_text CHECK (newsroom.is_clean_text(photo_caption, false)),
    photo_credit  text CONSTRAINT photo_credit_is_clean_text CHECK (newsroom.is_clean_text(photo_credit, false)),
    bylines       text[] NOT NULL,
    video         boolean NOT NULL,
    embargo_until timestamptz,
    saved_at      timestamptz NOT NULL DEFAULT now(),
    saved_by      text NOT NULL DEFAULT session_user,
    change        text NOT NULL CHECK (change IN ('create', 'edit', 'correction', 'restore')),
    note          text CONSTRAINT note_is_clean_text CHECK (newsroom.is_clean_text(note, true)),
    PRIMARY KEY (edition_id, version)
);
COMMENT ON TABLE newsroom.edition_revision IS 'One immutable snapshot per saved version. Never updated, never deleted.';

CREATE TABLE newsroom.edition_correction (
    edition_id bigint NOT NULL REFERENCES newsroom.edition,
    version    integer NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    note       text NOT NULL CHECK (note <> '') CONSTRAINT note_is_clean_text CHECK (newsroom.is_clean_text(note, true)),
    PRIMARY KEY (edition_id, version),
    FOREIGN KEY (edition_id, version) REFERENCES newsroom.edition_revision
);
COMMENT ON TABLE newsroom.edition_correction IS 'Public corrections: shown to readers with their time.';

CREATE TABLE newsroom.edition_event (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    edition_id bigint NOT NULL REFERENCES newsroom.edition,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL DEFAULT session_user,
    action     text NOT NULL CHECK (action IN ('submit', 'return', 'publish', 'schedule', 'unpublish', 'republish')),
    note       text CONSTRAINT note_is_clean_text CHECK (newsroom.is_clean_text(note, true))
);
CREATE INDEX edition_event_by_edition ON newsroom.edition_event (edition_id, at);
COMMENT ON TABLE newsroom.edition_event IS 'Lifecycle changes of an edition: who submitted, published, withdrew it, and when.';

-- Live updates (SPEC §1, §2, §8) ---------------------------------------------------------

CREATE TYPE newsroom.update_kind AS ENUM ('update', 'correction', 'clarification');

CREATE TABLE newsroom.live_update (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    edition_id        bigint NOT NULL REFERENCES newsroom.edition,
    seq               integer NOT NULL CHECK (seq >= 1),
    posted_at         timestamptz NOT NULL DEFAULT now(),
    author            text NOT NULL DEFAULT session_user,
    kind              newsroom.update_kind NOT NULL DEFAULT 'update',
    body              text NOT NULL CHECK (body <> '' AND octet_length(body) <= 65536)
                      CONSTRAINT body_is_clean_text CHECK (newsroom.is_clean_text(body, true)),
    key               boolean NOT NULL DEFAULT false,
    version           integer NOT NULL DEFAULT 1,
    edited_at         timestamptz,
    withdrawn_at      timestamptz,
    withdrawal_reason text
                      CONSTRAINT withdrawal_reason_is_clean_text CHECK (newsroom.is_clean_text(withdrawal_reason, true)),
    -- A translated live update points at its source update.
    translation_of    bigint REFERENCES newsroom.live_update,
    CONSTRAINT live_update_seq_unique UNIQUE (edition_id, seq),
    CONSTRAINT live_update_translated_once UNIQUE (edition_id, translation_of)
);
COMMENT ON TABLE newsroom.live_update IS 'Timestamped entries appended to a published edition; seq is 1, 2, 3 … per edition.';

-- Every version of every update: edits and withdrawals keep the earlier text.
CREATE TABLE newsroom.live_update_revision (
    update_id bigint NOT NULL REFERENCES newsroom.live_update,
    version   integer NOT NULL,
    kind      newsroom.update_kind NOT NULL,
    body      text NOT NULL CONSTRAINT body_is_clean_text CHECK (newsroom.is_clean_text(body, true)),
    key       boolean NOT NULL,
    saved_at  timestamptz NOT NULL DEFAULT now(),
    saved_by  text NOT NULL DEFAULT session_user,
    change    text NOT NULL CHECK (change IN ('add', 'edit', 'withdraw', 'key', 'unkey')),
    note      text CONSTRAINT note_is_clean_text CHECK (newsroom.is_clean_text(note, true)),
    PRIMARY KEY (update_id, version)
);

-- A command repeated with the same --idempotency-key happens once: the first
-- run stores its result, later runs with the same request get it back.
CREATE TABLE newsroom.idempotency (
    actor      text NOT NULL,
    key        text NOT NULL CHECK (key <> '' AND octet_length(key) <= 200)
               CONSTRAINT key_is_clean_text CHECK (newsroom.is_clean_text(key, false)),
    action     text NOT NULL CONSTRAINT action_is_clean_text CHECK (action ~ '^[a-z][a-z._:]*$'),
    request    text NOT NULL,
    response   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);

-- Subjects (SPEC §1, §6) -------------------------------------------------------------------

CREATE TABLE newsroom.subject (
    slug       text PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND octet_length(slug) <= 80),
    names      jsonb NOT NULL CHECK (jsonb_typeof(names) = 'object' AND names <> '{}')
               CONSTRAINT names_is_clean_text CHECK (newsroom.are_clean_names(names)),
    parent     text REFERENCES newsroom.subject,
    mediatopic text CHECK (mediatopic ~ '^https?://')
               CONSTRAINT mediatopic_is_clean_text
                   CHECK (newsroom.is_clean_text(mediatopic, false) AND newsroom.is_web_address(mediatopic)),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subject_not_its_own_parent CHECK (parent <> slug)
);
COMMENT ON TABLE newsroom.subject IS 'The newsroom''s vocabulary: a stable slug, a name per language, an optional IPTC Media Topic.';

CREATE TABLE newsroom.story_subject (
    story_id bigint NOT NULL REFERENCES newsroom.story,
    subject  text NOT NULL REFERENCES newsroom.subject,
    tagged_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (story_id, subject)
);
CREATE INDEX story_subject_by_subject ON newsroom.story_subject (subject, story_id);

-- Import -------------------------------------------------------------------------------

-- Each imported document's uri is kept, so running the same import again
-- creates nothing twice.
CREATE TABLE newsroom.edition_import (
    uri         text PRIMARY KEY CONSTRAINT uri_is_clean_text CHECK (newsroom.is_clean_text(uri, false)),
    edition_id  bigint NOT NULL REFERENCES newsroom.edition,
    imported_at timestamptz NOT NULL DEFAULT now(),
    imported_by text NOT NULL DEFAULT session_user
);

-- One document of an import, as `newsdesk import` stages it.
CREATE TYPE desk.import_row AS (
    line integer, uri text, lang text, slug text, headline text, lead text, body text, status text,
    published_at timestamptz, updated_at timestamptz, embargo_until timestamptz, subjects text[]
);

-- A document that will become a new story, with the ids and slug it gets.
CREATE TYPE newsroom.import_plan AS (
    line integer, uri text, lang text, headline text, lead text, body text, status text,
    published_at timestamptz, updated_at timestamptz, embargo_until timestamptz, subjects text[],
    story_id bigint, edition_id bigint, slug text, slug_use bigint
);
