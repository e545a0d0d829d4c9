-- The change stream (site.changes: `newsdesk events`, caches, webhooks)
-- reads public changes in the order readers see them: by visible_at, then
-- by id. The index was on visible_at alone, so changes that share an
-- instant were sorted again for every page; on a newsroom whose million
-- editions were published at one instant (an import, a bulk release), each
-- page of 1,000 changes sorted that million: 3.7 s a page, and a stream
-- read from the start never got past them in reasonable time. An index in
-- the stream's own order serves each page as one index walk (0.16 s for
-- 1,000 changes, most of it building their documents), and every lookup
-- the old index served (the newest change readers may see, the next one
-- due).
--
-- Building it reads the whole table and blocks changes to it meanwhile:
-- 5.4 s on 7 million changes; the site's pages read on.

CREATE INDEX public_change_in_order ON newsroom.public_change (visible_at, id);
DROP INDEX newsroom.public_change_by_visible_at;
