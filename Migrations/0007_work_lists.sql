-- `newsdesk list` reads the most recently saved editions first: in all
-- statuses, or in a few (the review queue, drafts), without sorting the
-- whole newsroom.
CREATE INDEX edition_by_saved ON newsroom.edition (saved_at DESC, id DESC);
CREATE INDEX edition_by_status_saved ON newsroom.edition (status, saved_at DESC, id DESC);
