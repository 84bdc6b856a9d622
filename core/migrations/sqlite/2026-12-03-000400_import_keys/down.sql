DROP INDEX contacts_import_key;
ALTER TABLE contacts DROP COLUMN import_key;
