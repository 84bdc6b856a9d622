DROP TABLE contact_tags;
DROP TABLE client_tags;
DROP TABLE tags;
