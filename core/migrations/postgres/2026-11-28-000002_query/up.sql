-- Query engine: folded shadow columns for filters, keyword index, saved
-- views, chosen columns and dashboard layouts. Folded columns sort by code
-- point (COLLATE "C"), exactly as SQLite and Rust compare strings.

ALTER TABLE clients ALTER COLUMN code_key TYPE TEXT COLLATE "C";
ALTER TABLE clients ALTER COLUMN name_fold TYPE TEXT COLLATE "C";
ALTER TABLE contacts ALTER COLUMN file_as_fold TYPE TEXT COLLATE "C";
ALTER TABLE clients ADD COLUMN office_fold TEXT COLLATE "C";
ALTER TABLE clients ADD COLUMN city_fold TEXT COLLATE "C";
ALTER TABLE clients ADD COLUMN emails_fold TEXT COLLATE "C";
ALTER TABLE clients ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN company_fold TEXT COLLATE "C";
ALTER TABLE contacts ADD COLUMN city_fold TEXT COLLATE "C";
ALTER TABLE contacts ADD COLUMN emails_fold TEXT COLLATE "C";
ALTER TABLE contacts ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE interactions ADD COLUMN subject_fold TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE interactions ADD COLUMN custom_fold TEXT NOT NULL DEFAULT '{}';
ALTER TABLE interactions ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE transfers ADD COLUMN subject_fold TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE transfers ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

CREATE INDEX clients_code_key_id ON clients(code_key, id);
CREATE INDEX clients_status ON clients(status, name_fold, id);
CREATE INDEX interactions_kind ON interactions(kind, occurred_at, id);
CREATE INDEX interactions_staff ON interactions(staff_id, occurred_at, id);
CREATE INDEX transfers_status_sent ON transfers(status, sent_at, id);

-- Keyword indexes: the engine stores pre-folded words, so the 'simple'
-- configuration (no stemming, no stop words) is exactly right.
CREATE INDEX clients_search ON clients USING GIN (to_tsvector('simple', search_text));
CREATE INDEX contacts_search ON contacts USING GIN (to_tsvector('simple', search_text));
CREATE INDEX interactions_search ON interactions USING GIN (to_tsvector('simple', search_text));
CREATE INDEX transfers_search ON transfers USING GIN (to_tsvector('simple', search_text));

CREATE TABLE saved_views (
    id           BIGSERIAL PRIMARY KEY,
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
    id           BIGSERIAL PRIMARY KEY,
    dashboard    TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    owner        BIGINT  REFERENCES staff(id) ON DELETE CASCADE,
    firm_default BOOLEAN NOT NULL,
    layout       TEXT    NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX layouts_owner ON layouts(dashboard, owner);
CREATE UNIQUE INDEX layouts_one_default ON layouts(dashboard) WHERE firm_default;
