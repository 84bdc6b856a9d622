DROP TABLE interactions;
DROP TABLE transfers;
DROP TABLE custom_fields;
DROP TABLE contact_links;
DROP TABLE contacts;
DROP TABLE clients;
DROP TABLE trash;
DROP TABLE staff;
