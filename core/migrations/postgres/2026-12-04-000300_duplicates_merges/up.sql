-- Likely duplicates: the keys two records are compared by (folded name,
-- e-mail, phone digits; computed in Rust, `text::duplicate_keys`), one row
-- per key, written with every insert and update of a client or contact.
-- Filled by the engine at open for rows written before this table.
CREATE TABLE dup_keys (
    entity      TEXT    NOT NULL,
    entity_id   BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    PRIMARY KEY (entity, kind, key, entity_id)
);
CREATE INDEX dup_keys_record ON dup_keys(entity, entity_id);

-- Merges of two clients or two contacts: the merged record went to the
-- trash entry `trash_id`; `moves` (JSON) is what moved onto the kept record,
-- so that restoring the entry moves exactly that back.
CREATE TABLE merges (
    id          BIGSERIAL PRIMARY KEY,
    entity      TEXT    NOT NULL,
    kept_id     BIGINT  NOT NULL,
    merged_id   BIGINT  NOT NULL,
    trash_id    BIGINT  NOT NULL UNIQUE,
    moves       TEXT    NOT NULL,
    merged_by   BIGINT  NOT NULL,
    merged_at   BIGINT  NOT NULL
);
