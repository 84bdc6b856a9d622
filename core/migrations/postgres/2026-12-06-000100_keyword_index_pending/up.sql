-- The keyword indexes (GIN) keep new entries in a pending list that every
-- search reads whole until it is merged into the index: by autovacuum, or
-- when the list outgrows `gin_pending_list_limit` (4 MB by default, about
-- 500 pages). After an import, or on a server without autovacuum, each
-- search of the list read those pages (5-13 ms at size M, every keyword
-- probe of every search). A list of at most 64 kB (8 pages) is merged
-- by the insert that fills it, so a search reads at most that much.
ALTER INDEX clients_search SET (gin_pending_list_limit = 64);
ALTER INDEX contacts_search SET (gin_pending_list_limit = 64);
ALTER INDEX interactions_search SET (gin_pending_list_limit = 64);
ALTER INDEX transfers_search SET (gin_pending_list_limit = 64);
-- What is pending now is merged at once.
SELECT gin_clean_pending_list('clients_search'::regclass);
SELECT gin_clean_pending_list('contacts_search'::regclass);
SELECT gin_clean_pending_list('interactions_search'::regclass);
SELECT gin_clean_pending_list('transfers_search'::regclass);
