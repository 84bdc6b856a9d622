-- SQLite widens its name indexes of clients and contacts for the walks of
-- ranked searches (see the SQLite migration of this name). PostgreSQL
-- ranks the whole match set through its keyword index (its name indexes
-- do not serve `COLLATE "C"`): nothing changes here; the version exists so
-- both trees keep the same names.
SELECT 1;
