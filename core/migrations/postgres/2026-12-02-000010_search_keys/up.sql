-- What the keyword index text (`search_text`) was computed with: the
-- engine's key format and the firm's phone region. The engine recomputes
-- every row's search_text at open when they differ from its own (phone keys
-- are computed in Rust with the phone metadata, which SQL cannot do), then
-- records them here. No row: never recomputed yet (databases made before
-- phone keys), so the first open reindexes.
CREATE TABLE search_index (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL,
    phone_region TEXT NOT NULL
);
