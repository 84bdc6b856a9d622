-- Optimistic concurrency for staff, saved views and layouts too: an edit
-- carries the version it read.
ALTER TABLE staff ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE saved_views ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE layouts ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
