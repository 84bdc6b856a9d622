-- A number that every change to what a request reads with its actor
-- (`store/actor.rs`: the staff, the firm's custom fields, the staff's
-- chosen columns, the roles of people in charge and the tags) moves on,
-- whoever writes it: this engine, another workstation's, or SQL by hand
-- (not a load that bypasses triggers: logical replication,
-- `session_replication_role = replica`, `pg_restore --disable-triggers`;
-- restart the engines after one).
--
-- A read request may then use the actor it read before, at the
-- generation that actor carries, without reading it again: its first
-- query is guarded by `clientele_actor_fresh(generation)`, which
-- fails (SQLSTATE CL001) when the number has moved since. The engine then
-- reads the actor again and runs the request afresh (`store/actor.rs`).
-- That saves a read request its actor's round trip.
--
-- The number is drawn at random at each change, not counted up: a
-- database restored from a backup, or a replica promoted without the last
-- commits, never hands out again a number an engine kept an actor at.
-- It is one row, updated in the writing transaction, so it becomes
-- visible exactly with the change (a sequence would move before).
CREATE TABLE actor_generation (
    only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    n BIGINT NOT NULL
);
INSERT INTO actor_generation (only_row, n) VALUES (true, floor(random() * 9.0e18)::bigint);

CREATE FUNCTION clientele_actor_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE actor_generation SET n = floor(random() * 9.0e18)::bigint;
    RETURN NULL;
END
$$;

-- Statement-level, before the statement: one bump per statement, whatever
-- the rows; and the row's lock is taken before any row of these tables,
-- so two transactions writing them queue on it rather than deadlock over
-- each other's rows (an import creating tags beside a `tag.put`).
CREATE TRIGGER staff_actor_generation BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_actor_bump();
CREATE TRIGGER custom_fields_actor_generation BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON custom_fields
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_actor_bump();
CREATE TRIGGER chosen_columns_actor_generation BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON chosen_columns
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_actor_bump();
CREATE TRIGGER staff_roles_actor_generation BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff_roles
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_actor_bump();
CREATE TRIGGER tags_actor_generation BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_actor_bump();

-- True when the generation is still `seen`; else fails with CL001 (also
-- when the row is gone). STABLE with a parameter for argument: PostgreSQL
-- evaluates it once, before the statement reads a row (a one-time filter
-- over the query kept apart as a materialized CTE, so that a query whose
-- conditions fold to false cannot fold the check away with them).
CREATE FUNCTION clientele_actor_fresh(seen BIGINT) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF (SELECT n FROM actor_generation) IS DISTINCT FROM seen THEN
        RAISE EXCEPTION 'clientele: the actor changed since it was read' USING ERRCODE = 'CL001';
    END IF;
    RETURN true;
END
$$;
