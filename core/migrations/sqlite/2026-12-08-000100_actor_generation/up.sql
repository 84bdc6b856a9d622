-- PostgreSQL keeps a generation number of what a request reads with its
-- actor (see the PostgreSQL migration of this name). SQLite's
-- `PRAGMA data_version` already tells a connection when another one
-- committed (`store/actor.rs`): nothing changes here; the version exists
-- so both trees keep the same names.
SELECT 1;
