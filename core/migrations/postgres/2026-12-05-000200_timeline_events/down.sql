ALTER TABLE interactions DROP COLUMN event;
