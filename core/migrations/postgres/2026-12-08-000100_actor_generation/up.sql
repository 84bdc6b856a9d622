-- A number that every change to what a request reads with its actor
-- (`store/actor.rs`: the staff, the firm's custom fields, the staff's
-- chosen columns, the roles of people in charge and the tags) moves on,
-- whoever writes it: this engine, another workstation's, or SQL by hand.
--
-- A read request may then use the actor it read before, at the
-- generation that actor carries, without reading it again: its first
-- statement is guarded by `clientele_actor_fresh(generation)`, which
-- fails (SQLSTATE CL001) when the number has moved since. The engine then
-- reads the actor again and runs the request afresh (`store/actor.rs`).
-- That saves a read request its actor's round trip.
CREATE TABLE actor_generation (
    only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    n BIGINT NOT NULL
);
INSERT INTO actor_generation (only_row, n) VALUES (true, 1);

CREATE FUNCTION clientele_actor_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE actor_generation SET n = n + 1;
    RETURN NULL;
END
$$;

-- Statement-level: one bump per statement, whatever the rows.
CREATE TRIGGER staff_actor_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_actor_bump();
CREATE TRIGGER custom_fields_actor_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON custom_fields
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_actor_bump();
CREATE TRIGGER chosen_columns_actor_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chosen_columns
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_actor_bump();
CREATE TRIGGER staff_roles_actor_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff_roles
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_actor_bump();
CREATE TRIGGER tags_actor_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_actor_bump();

-- True when the generation is still `seen`; else fails with CL001. STABLE
-- with a parameter for argument: PostgreSQL evaluates it once, before
-- the statement reads a row (a one-time filter), even for an empty page.
CREATE FUNCTION clientele_actor_fresh(seen BIGINT) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF (SELECT n FROM actor_generation) IS DISTINCT FROM seen THEN
        RAISE EXCEPTION 'clientele: the actor changed since it was read' USING ERRCODE = 'CL001';
    END IF;
    RETURN true;
END
$$;
