DROP FUNCTION clientele_actor_fresh(BIGINT);
DROP TRIGGER tags_actor_generation ON tags;
DROP TRIGGER staff_roles_actor_generation ON staff_roles;
DROP TRIGGER chosen_columns_actor_generation ON chosen_columns;
DROP TRIGGER custom_fields_actor_generation ON custom_fields;
DROP TRIGGER staff_actor_generation ON staff;
DROP FUNCTION clientele_actor_bump();
DROP TABLE actor_generation;
