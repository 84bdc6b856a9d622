-- The name indexes of clients and contacts carry what a ranked search's
-- walk checks (issue 10; `query/search.rs`): walking a name index in order
-- and checking each row's keyword text (rank 2) or its links (rank 3)
-- fetched every row from the table (~1.4 µs a row at size M); with
-- `trash_id`, the office, the code and the index text in the index, rows
-- that do not match are rejected from the index alone and only the page's
-- rows are read (`jean-françois` among 60,000 contacts: a walk of ~1,700
-- rows, 2.45 ms before, 0.33 ms after). Same leading columns and names as
-- before, so every plan that used them still does.
DROP INDEX clients_name_fold;
CREATE INDEX clients_name_fold ON clients(name_fold, id, trash_id, office, code_key, search_text);
DROP INDEX contacts_file_as_fold;
CREATE INDEX contacts_file_as_fold ON contacts(file_as_fold, id, trash_id, search_text);

-- The trash indexes of clients and contacts only ever look up trashed rows
-- (`trash_id = ?`): live rows stay out of them, as for interactions and
-- transfers (2026-12-05-000400). Every live row was in them under NULL,
-- which made "trash_id IS NULL" look like an index search to the planner
-- of a database without statistics (the engine never runs ANALYZE): it
-- read every live client through `clients_trash` and sorted them, where a
-- ranked search's walk reads the name index in order and stops at the page.
DROP INDEX clients_trash;
CREATE INDEX clients_trash ON clients(trash_id) WHERE trash_id IS NOT NULL;
DROP INDEX contacts_trash;
CREATE INDEX contacts_trash ON contacts(trash_id) WHERE trash_id IS NOT NULL;
