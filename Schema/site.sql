-- What the site serves (SPEC §11): the functions in schema site, which the
-- site's login (newsdesk_reader) and staff may call, and the record of public
-- changes that caches, webhooks and live pages follow.
--
-- Everything here returns only what readers may see at the moment of the
-- call: published editions whose scheduled time and embargo have passed.

-- The record of public changes ------------------------------------------------------

-- Commit order. public_change ids come from a sequence, which hands them out
-- in the order transactions ask, not the order they commit: a reader
-- following the ids could pass a change that commits later with a smaller
-- one. So a writer takes this table's SHARE ROW EXCLUSIVE lock (it conflicts
-- with itself) before it records, and keeps it until it commits, and a
-- reader takes SHARE (newsroom.public_changes_settled) before it reads, and
-- lets it go at once: the reader waits for changes being committed, and a
-- later change gets a later id and a later recorded_at. The lock is taken
-- at the end of a desk action, just before its commit, so writers queue
-- only for that moment.
CREATE OR REPLACE FUNCTION newsroom.record_public_change(
    change_kind text, e newsroom.edition, changed_update bigint, visible_at timestamptz
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    recorded timestamptz;
BEGIN
    PERFORM newsroom.lock_public_changes();
    -- One reading of the clock for both times: a change readers see at once
    -- is one whose visible_at is not after its recorded_at
    -- (newsroom.change_stands), and two readings a microsecond apart would
    -- make a withdrawal look deferred, and drop it from the stream.
    recorded := clock_timestamp();
    INSERT INTO newsroom.public_change (recorded_at, visible_at, kind, story_id, edition_id, lang, update_id)
    VALUES (recorded, greatest(visible_at, recorded), change_kind, e.story_id, e.id, e.lang, changed_update);
    -- Delivered when (and only if) the change commits; the payload says
    -- which edition, so a server wakes only the pages that show it.
    PERFORM pg_notify('newsdesk_public_change', e.id::text);
END
$$;

-- When a public edition becomes visible to readers, and how to name the moment.
CREATE OR REPLACE FUNCTION newsroom.release_kind(e newsroom.edition) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN e.released_at IS NULL OR e.released_at <= clock_timestamp() THEN 'edition.published'
        WHEN e.embargo_until IS NOT NULL AND e.embargo_until >= e.published_at THEN 'edition.embargo_lifted'
        ELSE 'edition.scheduled_time_reached'
    END
$$;

-- An edition changed: published (now or for later), edited while public,
-- rescheduled, given another embargo, withdrawn. A change of update_count
-- alone is a live update's, recorded by the live update's own trigger.
CREATE OR REPLACE FUNCTION newsroom.edition_public_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    was_public boolean := OLD.status IN ('published', 'scheduled');
    is_public boolean := NEW.status IN ('published', 'scheduled');
BEGIN
    IF is_public AND (NOT was_public OR NEW.released_at IS DISTINCT FROM OLD.released_at) THEN
        -- Readers saw it, and an embargo set now (or its time moved later)
        -- takes it away until then: caches drop it now, and its return is
        -- recorded for its time.
        IF newsroom.visible(OLD.status, OLD.scheduled_at, OLD.embargo_until)
           AND NOT newsroom.visible(NEW.status, NEW.scheduled_at, NEW.embargo_until) THEN
            PERFORM newsroom.record_public_change('edition.hidden', NEW, NULL, now());
        END IF;
        PERFORM newsroom.record_public_change(newsroom.release_kind(NEW), NEW, NULL, coalesce(NEW.released_at, now()));
    ELSIF is_public AND (NEW.version <> OLD.version OR NEW.slug <> OLD.slug)
          -- A scheduled revision taking over was recorded for its time when it was saved.
          AND NOT (OLD.revision_due_at IS NOT NULL AND NEW.revision_due_at IS NULL AND NEW.version <> OLD.version
                   AND OLD.revision_due_at <= now()) THEN
        PERFORM newsroom.record_public_change('edition.edited', NEW, NULL, coalesce(NEW.released_at, now()));
    ELSIF was_public AND NOT is_public
          AND newsroom.visible(OLD.status, OLD.scheduled_at, OLD.embargo_until) THEN
        PERFORM newsroom.record_public_change('edition.withdrawn', NEW, NULL, now());
    END IF;
    RETURN NULL;
END
$$;

-- Editions that arrive public (an import): one change each, in one statement.
CREATE OR REPLACE FUNCTION newsroom.new_editions_public_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM added a WHERE a.status IN ('published', 'scheduled')) THEN
        PERFORM newsroom.lock_public_changes();
        -- One reading of the clock, as in newsroom.record_public_change.
        INSERT INTO newsroom.public_change (recorded_at, visible_at, kind, story_id, edition_id, lang)
        SELECT t.recorded, greatest(a.released_at, t.recorded), newsroom.release_kind(a), a.story_id, a.id, a.lang
        FROM added a CROSS JOIN (SELECT clock_timestamp() AS recorded) t WHERE a.status IN ('published', 'scheduled')
        ORDER BY a.id;
        PERFORM pg_notify('newsdesk_public_change', a.id::text)
        FROM added a WHERE a.status IN ('published', 'scheduled');
    END IF;
    RETURN NULL;
END
$$;

-- Live updates added to a public edition (one by a desk action, many by an import).
CREATE OR REPLACE FUNCTION newsroom.new_updates_public_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition;
    item record;
BEGIN
    FOR item IN
        SELECT a.id, a.edition_id
        FROM added a JOIN newsroom.edition x ON x.id = a.edition_id
        WHERE x.status IN ('published', 'scheduled') AND a.withdrawn_at IS NULL
        ORDER BY a.edition_id, a.seq
    LOOP
        SELECT * INTO e FROM newsroom.edition WHERE id = item.edition_id;
        PERFORM newsroom.record_public_change('update.added', e, item.id, coalesce(e.released_at, now()));
    END LOOP;
    RETURN NULL;
END
$$;

-- A live update edited, withdrawn, or marked as a key event (or not).
CREATE OR REPLACE FUNCTION newsroom.update_public_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition;
    change_kind text := CASE
        WHEN NEW.withdrawn_at IS NOT NULL AND OLD.withdrawn_at IS NULL THEN 'update.withdrawn'
        WHEN NEW.body <> OLD.body OR NEW.kind <> OLD.kind THEN 'update.edited'
        WHEN NEW.key AND NOT OLD.key THEN 'update.key_on'
        WHEN OLD.key AND NOT NEW.key THEN 'update.key_off'
    END;
BEGIN
    SELECT * INTO e FROM newsroom.edition WHERE id = NEW.edition_id;
    IF change_kind IS NOT NULL AND e.status IN ('published', 'scheduled') THEN
        PERFORM newsroom.record_public_change(change_kind, e, NEW.id, coalesce(e.released_at, now()));
    END IF;
    RETURN NULL;
END
$$;

-- Subjects added to or taken from stories: their public editions' pages
-- show "Subjects:", so each is recorded as edited, unless it was recorded in
-- this same transaction already (an import tags what it has just published).
-- Tagging, untagging and renaming a subject change what a story's pages
-- show ("Subjects:", subject lists), so each visible or scheduled edition of
-- those stories records an edit (once per transaction).
CREATE OR REPLACE FUNCTION newsroom.record_retagged(stories bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    e newsroom.edition;
BEGIN
    FOR e IN
        SELECT * FROM newsroom.edition x
        WHERE x.story_id = ANY (stories) AND x.status IN ('published', 'scheduled')
          AND NOT EXISTS (SELECT 1 FROM newsroom.public_change c WHERE c.edition_id = x.id AND c.recorded_at >= now())
        ORDER BY x.id
    LOOP
        PERFORM newsroom.record_public_change('edition.edited', e, NULL, coalesce(e.released_at, now()));
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION newsroom.subjects_added_public_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM newsroom.record_retagged(ARRAY(SELECT DISTINCT a.story_id FROM added a));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION newsroom.subjects_removed_public_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM newsroom.record_retagged(ARRAY(SELECT DISTINCT r.story_id FROM removed r));
    RETURN NULL;
END
$$;

-- A subject's new name shows on every page of the stories tagged with it.
CREATE OR REPLACE FUNCTION newsroom.subjects_renamed_public_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM newsroom.record_retagged(ARRAY(
        SELECT DISTINCT t.story_id
        FROM renamed r JOIN earlier o ON o.slug = r.slug JOIN newsroom.story_subject t ON t.subject = r.slug
        WHERE r.names IS DISTINCT FROM o.names));
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER edition_public_change AFTER UPDATE ON newsroom.edition
    FOR EACH ROW EXECUTE FUNCTION newsroom.edition_public_change();
CREATE OR REPLACE TRIGGER new_editions_public_change AFTER INSERT ON newsroom.edition
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION newsroom.new_editions_public_change();
CREATE OR REPLACE TRIGGER new_updates_public_change AFTER INSERT ON newsroom.live_update
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION newsroom.new_updates_public_change();
CREATE OR REPLACE TRIGGER update_public_change AFTER UPDATE ON newsroom.live_update
    FOR EACH ROW EXECUTE FUNCTION newsroom.update_public_change();
CREATE OR REPLACE TRIGGER subjects_added_public_change AFTER INSERT ON newsroom.story_subject
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION newsroom.subjects_added_public_change();
CREATE OR REPLACE TRIGGER subjects_removed_public_change AFTER DELETE ON newsroom.story_subject
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION newsroom.subjects_removed_public_change();
CREATE OR REPLACE TRIGGER subjects_renamed_public_change AFTER UPDATE ON newsroom.subject
    REFERENCING OLD TABLE AS earlier NEW TABLE AS renamed
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.subjects_renamed_public_change();
CREATE OR REPLACE TRIGGER public_change_is_immutable BEFORE UPDATE OR DELETE ON newsroom.public_change
    FOR EACH ROW EXECUTE FUNCTION newsroom.refuse_change();

-- Kept pages ---------------------------------------------------------------------------

-- A reader's article page shows its edition's document (newsroom.compose),
-- a dozen lookups each planned and started at every read. It is kept
-- instead, in newsroom.reader_page (Migrations/0018_kept_reader_pages.sql),
-- and stays right by one rule: whatever changes what a page shows counts
-- the change on the page's row, in the same transaction, and a document
-- is used only while the count it was built at is the row's count.
--   - The counts are written by triggers on the tables themselves, so every
--     way of changing them counts, whoever connects.
--   - A document is built from what its transaction sees, with the count it
--     read before (newsroom.build_page): a change committed after that
--     counts past it. Building never has to be right about time or order.
--   - What is not the edition's own: the language switch (its story's other
--     editions), subjects, names of staff, languages and subjects, the
--     newsroom's settings, each count too (settings and names of staff and
--     languages for every page at once: reader_page_generation).
--   - Time alone changes what a page shows when a scheduled time, an
--     embargo or a scheduled revision of its story comes: the document says
--     from and until when it stands (valid_from, valid_until).
-- newsroom.page_stands is the rule, in one place.
--   - The related stories are other stories' and change with every
--     publication in the language: they are read with the page.
-- The edition's visibility itself is never taken from here: site.article
-- decides it from the edition at every read, as before.

-- Counts a change to what these editions' pages show. The rows are locked
-- in order, so two transactions counting the same pages do not deadlock,
-- and waited for as any lock at the desk: a staff session that changed
-- another edition of the story and sits on its transaction is ended
-- (newsroom.outwait), so it cannot hold up the story's other languages.
-- `build`: whether the pages are built again as the change commits
-- (newsroom.keep_reader_page).
CREATE OR REPLACE FUNCTION newsroom.pages_changed(editions newsroom.page_key[], build boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(editions) = 0 THEN
        RETURN;
    END IF;
    BEGIN
        PERFORM newsroom.count_page_changes(editions, build);
    EXCEPTION WHEN lock_not_available THEN
        PERFORM newsroom.outwait('newsroom.reader_page', 'A page of the same story');
        PERFORM newsroom.count_page_changes(editions, build);
    END;
END
$$;

CREATE OR REPLACE FUNCTION newsroom.count_page_changes(editions newsroom.page_key[], build boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO newsroom.reader_page AS p (story_id, edition_id, build_at_commit)
    SELECT DISTINCT x.story_id, x.edition_id, build FROM unnest(editions) x ORDER BY 1, 2
    ON CONFLICT (story_id, edition_id) DO UPDATE SET changes = p.changes + 1, build_at_commit = excluded.build_at_commit;
END
$$;

-- The edition without what no page shows: its search vectors (the
-- lexicon's load writes them for every Ukrainian edition at once) and its
-- count of live updates (each update counts on the page itself); without
-- `updated`, without the time it was updated either (which a live update sets).
CREATE OR REPLACE FUNCTION newsroom.as_shown(e newsroom.edition, updated boolean DEFAULT true) RETURNS newsroom.edition
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    e.search := NULL;
    e.headline_search := NULL;
    e.lead_search := NULL;
    e.update_count := NULL;
    IF NOT updated THEN
        e.updated_at := NULL;
        e.revised_at := NULL;
    END IF;
    RETURN e;
END
$$;

-- An edition changed (as newsroom.as_shown has it): its own page; and, if
-- what the language switch shows of it changed (address, status, times),
-- its story's other editions' pages. Built as the change commits, unless
-- all that changed is the time it was updated, which a live update sets
-- (newsroom.edition_parts_changed_pages says why those are not built).
CREATE OR REPLACE FUNCTION newsroom.editions_changed_pages() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed newsroom.page_key[];
    updated_only newsroom.page_key[];
BEGIN
    SELECT array_agg((n.story_id, n.id)::newsroom.page_key) FILTER (WHERE NOT t.updated_only),
           array_agg((n.story_id, n.id)::newsroom.page_key) FILTER (WHERE t.updated_only)
      INTO changed, updated_only
      FROM after n JOIN before o ON o.id = n.id
      CROSS JOIN LATERAL (SELECT newsroom.as_shown(n, updated => false) IS NOT DISTINCT FROM
                                 newsroom.as_shown(o, updated => false) AS updated_only) t
     WHERE newsroom.as_shown(n) IS DISTINCT FROM newsroom.as_shown(o);
    changed := coalesce(changed, '{}') || ARRAY(
        SELECT (s.story_id, s.id)::newsroom.page_key FROM after n JOIN before o ON o.id = n.id
        JOIN newsroom.edition s ON s.story_id IN (n.story_id, o.story_id) AND s.id <> n.id
        WHERE (n.story_id, n.lang, n.slug, n.status, n.scheduled_at, n.embargo_until)
              IS DISTINCT FROM (o.story_id, o.lang, o.slug, o.status, o.scheduled_at, o.embargo_until));
    -- One count for the statement, its rows locked in one order.
    IF cardinality(changed) > 0 THEN
        PERFORM newsroom.pages_changed(changed || coalesce(updated_only, '{}'));
    ELSE
        PERFORM newsroom.pages_changed(coalesce(updated_only, '{}'), build => false);
    END IF;
    RETURN NULL;
END
$$;

-- Editions added or removed: the language switch of their stories' other
-- editions; and the pages of those removed go with them.
CREATE OR REPLACE FUNCTION newsroom.editions_added_pages() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM newsroom.reader_page p USING changed n WHERE p.story_id = n.story_id AND p.edition_id = n.id;
    END IF;
    PERFORM newsroom.pages_changed(ARRAY(
        SELECT (s.story_id, s.id)::newsroom.page_key FROM changed n
        JOIN newsroom.edition s ON s.story_id = n.story_id AND s.id <> n.id));
    RETURN NULL;
END
$$;

-- Live updates and corrections added or changed: their editions' pages.
-- A live update's is not built as it commits: a live story's page changes
-- with every update, composing its hundreds of updates would hold up the
-- update's delivery to readers by as much (20 ms for 900), and between
-- updates the site's own page cache holds the page. Its page is composed
-- at each read the cache does not answer, until an edit builds it again.
-- (Rows moved to another edition, or removed, count on the edition they left too.)
CREATE OR REPLACE FUNCTION newsroom.edition_parts_changed_pages() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pages newsroom.page_key[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        pages := ARRAY(SELECT (n.story_id, n.edition_id)::newsroom.page_key FROM changed n);
    ELSIF TG_OP = 'UPDATE' THEN
        pages := ARRAY(SELECT (n.story_id, n.edition_id)::newsroom.page_key FROM changed n
                       UNION SELECT (o.story_id, o.edition_id)::newsroom.page_key FROM before o);
    ELSE
        pages := ARRAY(SELECT (o.story_id, o.edition_id)::newsroom.page_key FROM before o);
    END IF;
    PERFORM newsroom.pages_changed(pages, build => TG_TABLE_NAME <> 'live_update');
    RETURN NULL;
END
$$;

-- Stories tagged or untagged: every edition's page of those stories.
CREATE OR REPLACE FUNCTION newsroom.tags_changed_pages() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM newsroom.pages_changed(ARRAY(
            SELECT (e.story_id, e.id)::newsroom.page_key FROM newsroom.edition e
            WHERE e.story_id IN (SELECT t.story_id FROM changed t UNION SELECT t.story_id FROM before t)));
    ELSE
        PERFORM newsroom.pages_changed(ARRAY(
            SELECT (e.story_id, e.id)::newsroom.page_key FROM newsroom.edition e
            WHERE e.story_id IN (SELECT t.story_id FROM changed t)));
    END IF;
    RETURN NULL;
END
$$;

-- Subjects renamed: the pages of the stories tagged with them. Not built
-- as the rename commits: a subject of thousands of stories would hold the
-- rename (and every desk action on those pages) for seconds; their pages
-- are composed until built (newsdesk db pages).
CREATE OR REPLACE FUNCTION newsroom.subjects_changed_pages() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM newsroom.pages_changed(ARRAY(
        SELECT (e.story_id, e.id)::newsroom.page_key FROM after n JOIN before o ON o.slug = n.slug
        JOIN newsroom.story_subject t ON t.subject = n.slug JOIN newsroom.edition e ON e.story_id = t.story_id
        WHERE n IS DISTINCT FROM o), build => false);
    RETURN NULL;
END
$$;

-- Names of staff or languages, or a setting (the time zone, the site's
-- address): every page shows them, so every page is counted at once.
CREATE OR REPLACE FUNCTION newsroom.newsroom_changed_pages() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE newsroom.reader_page_generation SET generation = generation + 1;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION newsroom.page_generation() RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT g.generation FROM newsroom.reader_page_generation g);
END
$$;

-- Whether page `p`'s kept document stands now, the newsroom being at
-- `generation`: it has every change counted on the page, was built in that
-- generation, and now lies between the moment it was built for and the
-- first time its story changes by time alone. (SQL, inlined where used.)
CREATE OR REPLACE FUNCTION newsroom.page_stands(p newsroom.reader_page, generation bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p.document IS NOT NULL AND p.document_changes = p.changes AND p.generation = page_stands.generation
       AND now() >= p.valid_from AND now() < p.valid_until
$$;

CREATE OR REPLACE TRIGGER edition_changed_pages AFTER UPDATE ON newsroom.edition
    REFERENCING OLD TABLE AS before NEW TABLE AS after
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.editions_changed_pages();
CREATE OR REPLACE TRIGGER edition_added_pages AFTER INSERT ON newsroom.edition
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION newsroom.editions_added_pages();
CREATE OR REPLACE TRIGGER edition_removed_pages AFTER DELETE ON newsroom.edition
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION newsroom.editions_added_pages();
CREATE OR REPLACE TRIGGER update_added_pages AFTER INSERT ON newsroom.live_update
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION newsroom.edition_parts_changed_pages();
CREATE OR REPLACE TRIGGER update_changed_pages AFTER UPDATE ON newsroom.live_update
    REFERENCING OLD TABLE AS before NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.edition_parts_changed_pages();
CREATE OR REPLACE TRIGGER update_removed_pages AFTER DELETE ON newsroom.live_update
    REFERENCING OLD TABLE AS before FOR EACH STATEMENT EXECUTE FUNCTION newsroom.edition_parts_changed_pages();
CREATE OR REPLACE TRIGGER correction_changed_pages AFTER UPDATE ON newsroom.edition_correction
    REFERENCING OLD TABLE AS before NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.edition_parts_changed_pages();
CREATE OR REPLACE TRIGGER correction_removed_pages AFTER DELETE ON newsroom.edition_correction
    REFERENCING OLD TABLE AS before FOR EACH STATEMENT EXECUTE FUNCTION newsroom.edition_parts_changed_pages();
CREATE OR REPLACE TRIGGER correction_added_pages AFTER INSERT ON newsroom.edition_correction
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION newsroom.edition_parts_changed_pages();
CREATE OR REPLACE TRIGGER tags_added_pages AFTER INSERT ON newsroom.story_subject
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION newsroom.tags_changed_pages();
CREATE OR REPLACE TRIGGER tags_removed_pages AFTER DELETE ON newsroom.story_subject
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION newsroom.tags_changed_pages();
CREATE OR REPLACE TRIGGER tags_changed_pages AFTER UPDATE ON newsroom.story_subject
    REFERENCING OLD TABLE AS before NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.tags_changed_pages();
CREATE OR REPLACE TRIGGER subject_changed_pages AFTER UPDATE ON newsroom.subject
    REFERENCING OLD TABLE AS before NEW TABLE AS after
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.subjects_changed_pages();
-- (Staff: only their names are on pages, and deactivating someone changes none.)
CREATE OR REPLACE TRIGGER staff_changed_pages AFTER INSERT OR DELETE ON newsroom.staff
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.newsroom_changed_pages();
CREATE OR REPLACE TRIGGER staff_renamed_pages AFTER UPDATE ON newsroom.staff
    FOR EACH ROW WHEN (OLD.login IS DISTINCT FROM NEW.login OR OLD.names IS DISTINCT FROM NEW.names)
    EXECUTE FUNCTION newsroom.newsroom_changed_pages();
CREATE OR REPLACE TRIGGER language_changed_pages AFTER INSERT OR UPDATE OR DELETE ON newsroom.language
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.newsroom_changed_pages();
CREATE OR REPLACE TRIGGER setting_changed_pages AFTER INSERT OR UPDATE OR DELETE ON newsroom.newsroom_setting
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.newsroom_changed_pages();
-- Emptying a table a page shows counts for every page.
CREATE OR REPLACE TRIGGER edition_emptied_pages AFTER TRUNCATE ON newsroom.edition
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.newsroom_changed_pages();
CREATE OR REPLACE TRIGGER update_emptied_pages AFTER TRUNCATE ON newsroom.live_update
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.newsroom_changed_pages();
CREATE OR REPLACE TRIGGER correction_emptied_pages AFTER TRUNCATE ON newsroom.edition_correction
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.newsroom_changed_pages();
CREATE OR REPLACE TRIGGER tags_emptied_pages AFTER TRUNCATE ON newsroom.story_subject
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.newsroom_changed_pages();
CREATE OR REPLACE TRIGGER subject_emptied_pages AFTER TRUNCATE ON newsroom.subject
    FOR EACH STATEMENT EXECUTE FUNCTION newsroom.newsroom_changed_pages();
-- (Revisions are not counted apart: saving one changes its edition's row.)

-- Builds the document of `target`'s page if its row counts a change the
-- document does not have, and readers may see the edition now; says
-- whether it did. The count and the generation are read before the
-- document: a change committed in between is in the document and counts
-- past what it records, which only means it is built again.
CREATE OR REPLACE FUNCTION newsroom.build_page(story bigint, target bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    page newsroom.reader_page;
    newest bigint := newsroom.page_generation();
    e newsroom.edition;
    until timestamptz;
BEGIN
    SELECT * INTO page FROM newsroom.reader_page p WHERE p.story_id = story AND p.edition_id = target;
    IF NOT FOUND OR newsroom.page_stands(page, newest) THEN
        RETURN false;
    END IF;
    SELECT * INTO e FROM newsroom.edition x WHERE x.story_id = story AND x.id = target;
    IF NOT newsroom.visible(e.status, e.scheduled_at, e.embargo_until) THEN
        UPDATE newsroom.reader_page p SET document = NULL, document_changes = NULL
        WHERE p.story_id = story AND p.edition_id = target AND p.document IS NOT NULL;
        RETURN false;
    END IF;
    -- The first time after now at which time alone changes the page.
    SELECT min(t.at) INTO until
    FROM newsroom.edition o
    CROSS JOIN LATERAL (VALUES (o.scheduled_at), (o.embargo_until), (o.revision_due_at)) t (at)
    WHERE o.story_id = story AND t.at > now();
    UPDATE newsroom.reader_page p
    SET document = newsroom.compose(newsroom.as_seen(e), NULL, true) - 'related',
        document_changes = page.changes, generation = newest,
        valid_from = now(), valid_until = coalesce(until, 'infinity')
    WHERE p.story_id = story AND p.edition_id = target;
    RETURN true;
END
$$;

-- At commit, each page whose row this transaction counted is built again,
-- so the next reader finds it ready. As the owner: the commit runs as
-- whoever committed, who may not read the newsroom's tables. Only in READ
-- COMMITTED, where each statement sees what committed before it (a
-- snapshot taken earlier would only build a page that is stale at once);
-- not while a superuser loads data as a replica would (the benchmark's
-- newsroom: newsdesk db pages builds those pages afterwards).
CREATE OR REPLACE FUNCTION newsroom.keep_reader_page() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF current_setting('transaction_isolation') = 'read committed'
       AND current_setting('session_replication_role') <> 'replica' THEN
        PERFORM newsroom.build_page(NEW.story_id, NEW.edition_id);
    END IF;
    RETURN NULL;
END
$$;

-- (A constraint trigger has no CREATE OR REPLACE.)
DROP TRIGGER IF EXISTS keep_reader_page ON newsroom.reader_page;
CREATE CONSTRAINT TRIGGER keep_reader_page AFTER INSERT OR UPDATE OF changes ON newsroom.reader_page
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.build_at_commit)
    EXECUTE FUNCTION newsroom.keep_reader_page();

-- Builds up to `max_pages` pages that readers may see and that have no
-- document standing (`newsdesk db pages`: after an import, a change of
-- names or settings, or on a newsroom that had none), in order of edition;
-- returns how many it built. As the owner: run by the superuser that
-- migrates, it is the owner's own work, not plain SQL recorded page by page
-- in the audit log (which would also hold the log's head for the batch).
-- Only the owner may call it.
CREATE OR REPLACE FUNCTION newsroom.keep_pages(max_pages integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    newest bigint := newsroom.page_generation();
    target newsroom.page_key;
    built integer := 0;
BEGIN
    FOR target IN
        SELECT e.story_id, e.id FROM newsroom.edition e
        LEFT JOIN newsroom.reader_page p ON p.story_id = e.story_id AND p.edition_id = e.id
        WHERE newsroom.visible(e.status, e.scheduled_at, e.embargo_until)
          AND NOT coalesce(newsroom.page_stands(p, newest), false)
        ORDER BY e.id LIMIT max_pages
    LOOP
        -- (An edition no change has counted on gets its page's row here.)
        PERFORM newsroom.pages_changed(ARRAY[target], build => false);
        IF newsroom.build_page(target.story_id, target.edition_id) THEN
            built := built + 1;
        END IF;
    END LOOP;
    RETURN built;
END
$$;

-- Waits until every public change being committed has committed, and says
-- up to when the record is complete: nothing recorded later can be seen
-- earlier than this. The SHARE lock is taken in a subtransaction that is
-- then rolled back, which releases it at once: a reader waits for the
-- writers ahead of it but never holds a writer up, not even from a
-- transaction it leaves open (any login may call the site's functions).
-- A writer that comes after takes its lock, and reads the clock for its
-- change, only after this reading, so its change is not before `settled`.
CREATE OR REPLACE FUNCTION newsroom.public_changes_settled() RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
    settled timestamptz;
BEGIN
    BEGIN
        LOCK TABLE newsroom.public_change IN SHARE MODE;
        settled := clock_timestamp();
        RAISE EXCEPTION USING ERRCODE = 'NDRL0', MESSAGE = 'releases the lock just taken';
    EXCEPTION WHEN SQLSTATE 'NDRL0' THEN
        -- (A variable keeps what it was given inside the rolled-back block.)
    END;
    RETURN settled;
END
$$;

-- Takes the writers' lock on the record (above), waiting as for any lock at
-- the desk: a staff session that sits on it past the wait is ended
-- (newsroom.outwait), so no one can stop every publication by holding it.
CREATE OR REPLACE FUNCTION newsroom.lock_public_changes() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        LOCK TABLE newsroom.public_change IN SHARE ROW EXCLUSIVE MODE;
    EXCEPTION WHEN lock_not_available THEN
        PERFORM newsroom.outwait('newsroom.public_change', 'The record of public changes');
        LOCK TABLE newsroom.public_change IN SHARE ROW EXCLUSIVE MODE;
    END;
END
$$;

-- The keys a cache tags what it stores with (Surrogate-Key), for a change
-- to `e`: the edition, its story (every language's page shows the language
-- switch), its language's feeds and lists, and its subjects' pages.
CREATE OR REPLACE FUNCTION newsroom.surrogate_keys(e newsroom.edition) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_array('edition-' || e.id, 'story-' || e.story_id, 'feed', 'feed-' || e.lang)
        || coalesce((SELECT jsonb_agg('subject-' || t.subject ORDER BY t.subject)
                     FROM newsroom.story_subject t WHERE t.story_id = e.story_id), '[]')
$$;

-- One public change as `newsdesk events`, live pages and webhooks get it.
CREATE OR REPLACE FUNCTION newsroom.public_change_document(c newsroom.public_change, e newsroom.edition) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', c.id,
        'cursor', (extract(epoch FROM c.visible_at) * 1000000)::bigint::text || '-' || c.id,
        'kind', c.kind, 'at', newsroom.rfc3339(c.visible_at),
        'story_id', c.story_id, 'edition_id', c.edition_id, 'lang', e.lang, 'slug', e.slug,
        'update_id', c.update_id,
        'update', (SELECT newsroom.reader_update(u) FROM newsroom.live_update u WHERE u.id = c.update_id),
        'surrogate_keys', newsroom.surrogate_keys(e))
$$;

-- A live update as readers get it: a withdrawn one says only that it was.
-- Built in the readers' shape (newsroom.update_json), never with the
-- withdrawal reason, as a page's updates are (newsroom.updates_of).
-- PL/pgSQL, with the time zone read once into a variable: as a SQL function
-- with a subquery it was planned again at every call, and update_json, given
-- newsroom.timezone() for an argument it uses four times, was not inlined
-- (0.31 ms an update; a page of 1,000 public changes builds up to 1,000).
CREATE OR REPLACE FUNCTION newsroom.reader_update(u newsroom.live_update) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    zone text := newsroom.timezone();
BEGIN
    IF u.withdrawn_at IS NOT NULL THEN
        RETURN jsonb_build_object('id', u.id, 'edition_id', u.edition_id, 'seq', u.seq,
                                  'withdrawn_at', newsroom.rfc3339(u.withdrawn_at));
    END IF;
    RETURN (SELECT newsroom.update_json(u, e.lang, s.names, s.login, zone)
            FROM newsroom.edition e LEFT JOIN newsroom.staff s ON s.login = u.author
            WHERE e.id = u.edition_id);
END
$$;

-- Whether a change that came due by time still stands: the edition is
-- visible at `horizon`, and a release is still the one that was recorded
-- (a rescheduled or withdrawn edition's earlier time does not count).
CREATE OR REPLACE FUNCTION newsroom.change_stands(c newsroom.public_change, e newsroom.edition, horizon timestamptz)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT c.visible_at <= c.recorded_at
        OR ((e.status = 'published' OR (e.status = 'scheduled' AND e.scheduled_at <= horizon))
            AND (e.embargo_until IS NULL OR e.embargo_until <= horizon)
            AND (c.kind NOT IN ('edition.scheduled_time_reached', 'edition.embargo_lifted')
                 OR e.released_at = c.visible_at))
$$;

-- Reading ---------------------------------------------------------------------------

-- An article page: {"state": "visible", "edition", "recent", "modified_at",
-- "language_changed_at", "last_event"} when readers may see it ("recent":
-- the language's `recent_items` newest, none for 0 or NULL); "moved" (an
-- old slug: "lang", "slug" now) when they may; "withdrawn" (its headline and
-- notice) when it was public once and is no more; "hidden" otherwise (not
-- yet visible, or no such page).
CREATE OR REPLACE FUNCTION site.article(lang text, slug text, recent_items integer DEFAULT 10) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    e newsroom.edition;
    recent jsonb;
    modified timestamptz;
    language_changed timestamptz;
    last_event bigint;
    -- The document is the current version's: no revision.
    current newsroom.edition_revision;
    kept jsonb;
BEGIN
    SELECT * INTO e FROM newsroom.edition x WHERE x.lang = article.lang AND x.slug = article.slug;
    IF NOT FOUND THEN
        SELECT x.* INTO e FROM newsroom.edition_slug s JOIN newsroom.edition x ON x.id = s.edition_id
        WHERE s.lang = article.lang AND s.slug = article.slug;
        IF NOT FOUND THEN
            RETURN jsonb_build_object('state', 'hidden');
        END IF;
        IF newsroom.visible(e.status, e.scheduled_at, e.embargo_until) THEN
            RETURN jsonb_build_object('state', 'moved', 'lang', e.lang, 'slug', e.slug, 'id', e.id, 'story_id', e.story_id);
        END IF;
    END IF;
    IF newsroom.visible(e.status, e.scheduled_at, e.embargo_until) THEN
        e := newsroom.as_seen(e);
        -- No list when the caller keeps its own (the site server does, until the next public change).
        IF recent_items > 0 THEN
            recent := desk.feed(e.lang, NULL, 'published', least(recent_items, 50))->'items';
        END IF;
        -- For Last-Modified: the latest change readers could see on the
        -- page: its own, its story's other editions (the language switch),
        -- and its language's (Recent news, related stories; a withdrawal
        -- changes those lists without a newer item). Each is one step back
        -- along an index (Migrations/0013_changes_by_language.sql); and
        -- where the page's live updates stand (its script follows them
        -- from there). One statement for the three.
        SELECT (SELECT max(c.visible_at) FROM newsroom.public_change c WHERE c.lang = e.lang AND c.visible_at <= now()),
               (SELECT max(c.visible_at) FROM newsroom.public_change c
                WHERE c.story_id = e.story_id AND c.visible_at <= now()),
               (SELECT coalesce(max(c.id), 0) FROM newsroom.public_change c
                WHERE c.edition_id = e.id AND c.visible_at <= now())
        INTO language_changed, modified, last_event;
        modified := greatest(e.revised_at, modified, language_changed);
        -- Its kept document, if it stands (see "Kept pages" above), with the related stories.
        SELECT p.document INTO kept FROM newsroom.reader_page p
        WHERE p.story_id = e.story_id AND p.edition_id = e.id
          AND newsroom.page_stands(p, (SELECT g.generation FROM newsroom.reader_page_generation g));
        RETURN jsonb_build_object(
            'state', 'visible',
            -- What readers may see of it (newsroom.compose_edition says what that leaves out).
            'edition', CASE WHEN kept IS NULL THEN newsroom.compose(e, current, true)
                            ELSE kept || jsonb_build_object('related', newsroom.related_stories(e.story_id, e.lang)) END,
            'recent', coalesce(recent, '[]'),
            'modified_at', newsroom.rfc3339(modified),
            -- Every change to what "Recent news" lists is a public change of
            -- the language: a list read when this was the newest still stands.
            'language_changed_at', newsroom.rfc3339(language_changed),
            'last_event', last_event);
    END IF;
    -- Withdrawn after readers saw it: they are told so, and why. One
    -- withdrawn before readers could see it (under embargo, before its time)
    -- stays unknown, its reason the desk's, even once the embargo's time has
    -- passed: it was released no later than it was withdrawn (updated_at;
    -- an imported withdrawal may not say when, and counts as seen).
    IF e.status = 'withdrawn' AND e.released_at IS NOT NULL AND e.released_at <= now()
       AND e.released_at <= coalesce(e.updated_at, e.released_at) THEN
        RETURN jsonb_build_object('state', 'withdrawn', 'edition', jsonb_build_object(
            'id', e.id, 'story_id', e.story_id, 'lang', e.lang, 'slug', e.slug, 'headline', e.headline,
            'status', 'withdrawn', 'withdrawal_reason', e.withdrawal_reason,
            'withdrawn_at', newsroom.rfc3339(e.updated_at)));
    END IF;
    RETURN jsonb_build_object('state', 'hidden');
END
$$;

-- A feed page, as `newsdesk feed` (Schema/feeds.sql) gives it.
CREATE OR REPLACE FUNCTION site.feed(
    lang text DEFAULT NULL, subjects text[] DEFAULT NULL, max_items integer DEFAULT 20, before text DEFAULT NULL
) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT desk.feed(feed.lang, feed.subjects, 'published', feed.max_items, feed.before)
$$;

-- Search over what readers may see, as `newsdesk search` gives it.
CREATE OR REPLACE FUNCTION site.search(query text, lang text DEFAULT NULL, max_items integer DEFAULT 20) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT newsroom.search(search.query, search.lang, search.max_items, false)
$$;

-- Every subject, with its names.
CREATE OR REPLACE FUNCTION site.subjects() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT desk.subject_list()
$$;

-- The public changes after `after` (a cursor from an earlier answer; from the
-- first change when null), oldest first, up to `max_items`; and the cursor
-- to continue from, and when the next change already recorded comes due.
-- A change readers see at a later time (a scheduled publication, an
-- embargo's lift) is listed when that time has come, though no transaction
-- happens then. Ordered by when readers see each change, then by id.
CREATE OR REPLACE FUNCTION site.changes(after text DEFAULT NULL, max_items integer DEFAULT 100) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    horizon timestamptz := newsroom.public_changes_settled();
    after_time timestamptz := '-infinity'::timestamptz;
    after_id bigint := 0;
    wanted integer := greatest(1, least(max_items, 1000));
    found jsonb;
BEGIN
    IF after IS NOT NULL THEN
        IF after !~ '^[0-9]{1,19}-[0-9]{1,18}$' THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('after: "%s" is not a cursor from newsdesk events.', after);
        END IF;
        -- Exact to the microsecond (to_timestamp would round through a double).
        after_time := 'epoch'::timestamptz + split_part(after, '-', 1)::bigint * interval '1 microsecond';
        after_id := split_part(after, '-', 2)::bigint;
    END IF;
    WITH page AS (
        SELECT c, e FROM newsroom.public_change c JOIN newsroom.edition e ON e.id = c.edition_id
        WHERE (c.visible_at, c.id) > (after_time, after_id) AND c.visible_at <= horizon
          AND newsroom.change_stands(c, e, horizon)
        ORDER BY c.visible_at, c.id
        LIMIT wanted)
    SELECT coalesce(jsonb_agg(newsroom.public_change_document(p.c, p.e) ORDER BY (p.c).visible_at, (p.c).id), '[]')
    INTO found
    FROM page p;
    RETURN jsonb_build_object(
        'events', found,
        'cursor', coalesce(found->-1->>'cursor', after),
        'more', jsonb_array_length(found) >= wanted,
        'next_due', (SELECT newsroom.rfc3339(min(c.visible_at)) FROM newsroom.public_change c WHERE c.visible_at > horizon));
END
$$;

-- One edition's public changes after change id `after_id`, for its live page
-- (`Last-Event-ID`) and for clients that poll: {"edition_id", "events",
-- "more", "last_id"}; with no `after_id`, no events, only where they stand.
-- JSON null when readers may not see the edition. At most 100 changes, the
-- oldest first: a live story can have thousands, and `after=0` asked for
-- every one in a single read (3,000 updates: 2–3 MB, a second of the
-- database for one request). With "more", "last_id" is the last change
-- given and the caller asks again from there.
CREATE OR REPLACE FUNCTION site.edition_changes(lang text, slug text, after_id bigint DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    page_size constant integer := 100;
    horizon timestamptz := newsroom.public_changes_settled();
    e newsroom.edition;
    given newsroom.public_change[];
    more boolean;
BEGIN
    SELECT * INTO e FROM newsroom.edition x WHERE x.lang = edition_changes.lang AND x.slug = edition_changes.slug;
    IF NOT FOUND OR NOT newsroom.visible(e.status, e.scheduled_at, e.embargo_until) THEN
        RETURN 'null'::jsonb;
    END IF;
    -- One more than a page, to know whether there are more.
    given := ARRAY(
        SELECT c FROM newsroom.public_change c
        WHERE after_id IS NOT NULL AND c.edition_id = e.id AND c.id > after_id AND c.visible_at <= horizon
          AND newsroom.change_stands(c, e, horizon)
        ORDER BY c.id LIMIT page_size + 1);
    more := cardinality(given) > page_size;
    IF more THEN
        given := given[1:page_size];
    END IF;
    RETURN jsonb_build_object(
        'edition_id', e.id,
        'events', to_jsonb(ARRAY(SELECT newsroom.public_change_document(c, e) FROM unnest(given) c ORDER BY c.id)),
        'more', more,
        'last_id', CASE WHEN more THEN (given[page_size]).id ELSE
                       greatest(coalesce((given[cardinality(given)]).id, 0), coalesce(after_id, 0),
                                (SELECT coalesce(max(l.id), 0) FROM newsroom.public_change l
                                 WHERE l.edition_id = e.id AND l.visible_at <= horizon)) END);
END
$$;

-- Where the change stream stands now: the cursor from which only changes
-- to come are listed (a server that starts follows from here).
CREATE OR REPLACE FUNCTION site.changes_now() RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    horizon timestamptz := newsroom.public_changes_settled();
BEGIN
    RETURN jsonb_build_object('cursor', (extract(epoch FROM horizon) * 1000000)::bigint::text || '-'
                                        || coalesce((SELECT max(c.id) FROM newsroom.public_change c), 0));
END
$$;

-- When readers last saw anything change ({"at": time, or null}): the
-- Last-Modified of lists. A list's newest item does not say it — a
-- withdrawal or an edit changes a list without a newer item — so lists are
-- as new as the newest public change, which is never too early.
CREATE OR REPLACE FUNCTION site.last_change() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('at', newsroom.rfc3339(max(c.visible_at)))
    FROM newsroom.public_change c WHERE c.visible_at <= clock_timestamp()
$$;

-- What the server needs to know once: the site's address and its languages
-- in the newsroom's order (the first is the front page's).
CREATE OR REPLACE FUNCTION site.about() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'site_url', (SELECT s.value FROM newsroom.newsroom_setting s WHERE s.key = 'site_url'),
        'languages', coalesce(jsonb_agg(l.tag ORDER BY l.position), '[]'))
    FROM newsroom.language l
$$;
