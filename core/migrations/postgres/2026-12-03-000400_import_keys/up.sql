-- The key an import gave a contact (the old product's contact number):
-- later imports and the links and interactions of the same files find the
-- contact by it. Unique among contacts that have one.
ALTER TABLE contacts ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX contacts_import_key ON contacts(import_key) WHERE import_key IS NOT NULL;
