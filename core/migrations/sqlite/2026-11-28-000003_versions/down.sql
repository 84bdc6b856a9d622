ALTER TABLE layouts DROP COLUMN version;
ALTER TABLE saved_views DROP COLUMN version;
ALTER TABLE staff DROP COLUMN version;
