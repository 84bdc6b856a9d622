-- Query engine: folded shadow columns for filters, keyword index, saved
-- views, chosen columns and dashboard layouts.

ALTER TABLE clients ADD COLUMN office_fold TEXT;
ALTER TABLE clients ADD COLUMN city_fold TEXT;
ALTER TABLE clients ADD COLUMN emails_fold TEXT;
ALTER TABLE clients ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN company_fold TEXT;
ALTER TABLE contacts ADD COLUMN city_fold TEXT;
ALTER TABLE contacts ADD COLUMN emails_fold TEXT;
ALTER TABLE contacts ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE interactions ADD COLUMN subject_fold TEXT NOT NULL DEFAULT '';
ALTER TABLE interactions ADD COLUMN custom_fold TEXT NOT NULL DEFAULT '{}';
ALTER TABLE interactions ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE transfers ADD COLUMN subject_fold TEXT NOT NULL DEFAULT '';
ALTER TABLE transfers ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

CREATE INDEX clients_code_key_id ON clients(code_key, id);
CREATE INDEX clients_status ON clients(status, name_fold, id);
CREATE INDEX interactions_kind ON interactions(kind, occurred_at, id);
CREATE INDEX interactions_staff ON interactions(staff_id, occurred_at, id);
CREATE INDEX transfers_status_sent ON transfers(status, sent_at, id);

-- One keyword index per list, external content, kept in step by triggers
-- on every insert, update of search_text, and delete.
CREATE VIRTUAL TABLE clients_fts USING fts5(search_text, content='clients', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE contacts_fts USING fts5(search_text, content='contacts', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE interactions_fts USING fts5(search_text, content='interactions', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE transfers_fts USING fts5(search_text, content='transfers', content_rowid='id', tokenize='unicode61 remove_diacritics 2');

CREATE TRIGGER clients_fts_ai AFTER INSERT ON clients BEGIN
  INSERT INTO clients_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER clients_fts_ad AFTER DELETE ON clients BEGIN
  INSERT INTO clients_fts(clients_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER clients_fts_au AFTER UPDATE OF search_text ON clients BEGIN
  INSERT INTO clients_fts(clients_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
  INSERT INTO clients_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts BEGIN
  INSERT INTO contacts_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts BEGIN
  INSERT INTO contacts_fts(contacts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER contacts_fts_au AFTER UPDATE OF search_text ON contacts BEGIN
  INSERT INTO contacts_fts(contacts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
  INSERT INTO contacts_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER interactions_fts_ai AFTER INSERT ON interactions BEGIN
  INSERT INTO interactions_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER interactions_fts_ad AFTER DELETE ON interactions BEGIN
  INSERT INTO interactions_fts(interactions_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER interactions_fts_au AFTER UPDATE OF search_text ON interactions BEGIN
  INSERT INTO interactions_fts(interactions_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
  INSERT INTO interactions_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER transfers_fts_ai AFTER INSERT ON transfers BEGIN
  INSERT INTO transfers_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER transfers_fts_ad AFTER DELETE ON transfers BEGIN
  INSERT INTO transfers_fts(transfers_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER transfers_fts_au AFTER UPDATE OF search_text ON transfers BEGIN
  INSERT INTO transfers_fts(transfers_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
  INSERT INTO transfers_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE TABLE saved_views (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    list         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    owner        BIGINT  REFERENCES staff(id) ON DELETE CASCADE,
    shared       BOOLEAN NOT NULL,
    firm_default BOOLEAN NOT NULL,
    query        TEXT    NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX saved_views_list ON saved_views(list, owner);
CREATE UNIQUE INDEX saved_views_one_default ON saved_views(list) WHERE firm_default;

CREATE TABLE chosen_columns (
    staff_id  BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    list      TEXT   NOT NULL,
    columns   TEXT   NOT NULL,
    PRIMARY KEY (staff_id, list)
);

CREATE TABLE layouts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    dashboard    TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    owner        BIGINT  REFERENCES staff(id) ON DELETE CASCADE,
    firm_default BOOLEAN NOT NULL,
    layout       TEXT    NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX layouts_owner ON layouts(dashboard, owner);
CREATE UNIQUE INDEX layouts_one_default ON layouts(dashboard) WHERE firm_default;
