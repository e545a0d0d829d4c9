-- Every edition, for `newsdesk export --all` (one document each, in id order).
CREATE FUNCTION desk.all_editions(after_id bigint DEFAULT 0, max_items integer DEFAULT 500) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(desk.edition_document(e.id) ORDER BY e.id), '[]')
    FROM (SELECT id FROM newsroom.edition WHERE id > after_id ORDER BY id LIMIT greatest(1, least(max_items, 5000))) e
$$;

CALL newsroom.secure_objects();
