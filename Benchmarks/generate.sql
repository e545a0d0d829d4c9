-- Builds the benchmark newsroom: :editions editions (uk, ru and en of
-- :editions / 3 stories, all published), 5 live updates each, one revision
-- each, 50 subjects with 1–2 per story. Run by scripts/bench as the
-- embedded database's superuser acting as the tables' owner, with the
-- replication role's triggers (foreign keys) off: this is generated test
-- data, not the newsroom's work, so it is not audited (the audit triggers
-- fire even for a replica, but not for a superuser acting as the owner) nor
-- re-checked against other tables row by row. The text rules still hold.
\set ON_ERROR_STOP on
SET session_replication_role = replica;
SET ROLE newsdesk_owner;
SET synchronous_commit = off;
\set stories (:editions / 3)

INSERT INTO newsroom.subject (slug, names)
SELECT 'topic-' || g, jsonb_build_object('en', 'Topic ' || g, 'uk', 'Тема ' || g, 'ru', 'Тема ' || g)
FROM generate_series(1, 50) g ON CONFLICT DO NOTHING;

INSERT INTO newsroom.story (id, created_at, created_by) OVERRIDING SYSTEM VALUE
SELECT s, now() - s * interval '30 seconds', 'bench' FROM generate_series(1, :stories) s;

INSERT INTO newsroom.edition (id, story_id, lang, slug, headline, lead, body, bylines, status, version,
                              published_at, updated_at, update_count, saved_at)
SELECT (s - 1) * 3 + l, s, lang, 'bench-' || s || '-' || lang,
       CASE lang
           WHEN 'en' THEN 'Council ' || (ARRAY['approves','debates','rejects','delays','funds'])[1 + s % 5] || ' '
                || (ARRAY['heating','transport','schools','hospitals','bridges','parks','water','housing'])[1 + s % 8]
                || ' plan for district ' || s % 97
           WHEN 'uk' THEN 'Рада ' || (ARRAY['схвалює','обговорює','відхиляє','відкладає','фінансує'])[1 + s % 5] || ' план '
                || (ARRAY['опалення','транспорту','шкіл','лікарень','мостів','парків','водопостачання','житла'])[1 + s % 8]
                || ' для району ' || s % 97
           ELSE 'Совет ' || (ARRAY['одобряет','обсуждает','отклоняет','откладывает','финансирует'])[1 + s % 5] || ' план '
                || (ARRAY['отопления','транспорта','школ','больниц','мостов','парков','водоснабжения','жилья'])[1 + s % 8]
                || ' для района ' || s % 97
       END,
       'Lead paragraph of story ' || s || ' with the essential facts for readers.',
       repeat('Body text of story ' || s || ' describing the decision, the budget and what happens next. ', 4),
       ARRAY['bench'], 'published', 1,
       now() - s * interval '30 seconds', now() - s * interval '30 seconds' + interval '25 minutes', 5,
       now() - s * interval '30 seconds'
FROM generate_series(1, :stories) s, unnest(ARRAY['uk', 'ru', 'en']) WITH ORDINALITY AS langs (lang, l);

INSERT INTO newsroom.edition_slug (lang, slug, edition_id) SELECT lang, slug, id FROM newsroom.edition WHERE slug LIKE 'bench-%';

INSERT INTO newsroom.edition_revision (story_id, edition_id, version, slug, headline, lead, body, bylines, video, saved_at, saved_by, change)
SELECT story_id, id, 1, slug, headline, lead, body, bylines, video, saved_at, 'bench', 'create' FROM newsroom.edition WHERE slug LIKE 'bench-%';

INSERT INTO newsroom.live_update (id, story_id, edition_id, seq, posted_at, author, kind, body) OVERRIDING SYSTEM VALUE
SELECT (e.id - 1) * 5 + u, e.story_id, e.id, u, e.published_at + u * interval '5 minutes', 'bench', 'update',
       'Update ' || u || ' on story ' || e.story_id || ': officials confirmed the next steps.'
FROM newsroom.edition e, generate_series(1, 5) u WHERE e.slug LIKE 'bench-%';

INSERT INTO newsroom.story_subject (story_id, subject)
SELECT s, 'topic-' || (1 + s % 50) FROM generate_series(1, :stories) s
UNION ALL
SELECT s, 'topic-' || (1 + (s * 7) % 50) FROM generate_series(1, :stories) s WHERE s % 2 = 0 AND (s * 7) % 50 <> s % 50;

SELECT setval(pg_get_serial_sequence('newsroom.story', 'id'), (SELECT max(id) FROM newsroom.story));
SELECT setval(pg_get_serial_sequence('newsroom.edition', 'id'), (SELECT max(id) FROM newsroom.edition));
SELECT setval(pg_get_serial_sequence('newsroom.live_update', 'id'), (SELECT max(id) FROM newsroom.live_update));
RESET ROLE;
RESET session_replication_role;
ANALYZE;
