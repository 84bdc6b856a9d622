-- SQLite's actor generation, as PostgreSQL has had since
-- `2026-12-08-000100_actor_generation`: a number that every change to what
-- a request reads with its actor (`store/actor.rs`: the staff, the firm's
-- custom fields, the staff's chosen columns, the roles of people in charge
-- and the tags) moves on, whoever writes it: this engine, another process,
-- or SQL by hand.
--
-- `PRAGMA data_version` tells a connection that someone else committed,
-- and a connection's own writes are known to it, but neither says *what*
-- changed: until now every commit anywhere made every connection read its
-- actors again (~0.09 ms a request at firm size, after every
-- `client.create`). A connection now keeps its actors across commits that
-- leave this number where it was, and checks it (one row) only after a
-- commit.
--
-- Not seen: a write made with triggers switched off (a connection's
-- `SQLITE_DBCONFIG_ENABLE_TRIGGER` off) or a migration that rebuilds one of
-- these tables without them; restart the engines after one
-- (`tests/tests/actor_reads.rs` checks each table's triggers).
--
-- Drawn at random at each change, not counted up: a file restored from a
-- backup never hands out again a number an engine kept an actor at. Row
-- triggers (SQLite has no statement triggers): one update of one row per
-- row written to these small tables, in the writing transaction.
CREATE TABLE actor_generation (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    n        INTEGER NOT NULL
);
INSERT INTO actor_generation (only_row, n) VALUES (1, random());
CREATE TRIGGER staff_actor_generation_ai AFTER INSERT ON staff BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER staff_actor_generation_au AFTER UPDATE ON staff BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER staff_actor_generation_ad AFTER DELETE ON staff BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER custom_fields_actor_generation_ai AFTER INSERT ON custom_fields BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER custom_fields_actor_generation_au AFTER UPDATE ON custom_fields BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER custom_fields_actor_generation_ad AFTER DELETE ON custom_fields BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER chosen_columns_actor_generation_ai AFTER INSERT ON chosen_columns BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER chosen_columns_actor_generation_au AFTER UPDATE ON chosen_columns BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER chosen_columns_actor_generation_ad AFTER DELETE ON chosen_columns BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER staff_roles_actor_generation_ai AFTER INSERT ON staff_roles BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER staff_roles_actor_generation_au AFTER UPDATE ON staff_roles BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER staff_roles_actor_generation_ad AFTER DELETE ON staff_roles BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER tags_actor_generation_ai AFTER INSERT ON tags BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER tags_actor_generation_au AFTER UPDATE ON tags BEGIN UPDATE actor_generation SET n = random(); END;
CREATE TRIGGER tags_actor_generation_ad AFTER DELETE ON tags BEGIN UPDATE actor_generation SET n = random(); END;
