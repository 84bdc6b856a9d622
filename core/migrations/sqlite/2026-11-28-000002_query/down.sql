DROP TABLE layouts;
DROP TABLE chosen_columns;
DROP TABLE saved_views;
DROP TABLE transfers_fts;
DROP TABLE interactions_fts;
DROP TABLE contacts_fts;
DROP TABLE clients_fts;
