ALTER TABLE staff DROP COLUMN name_fold;
DROP TABLE client_assignments;
DROP TABLE staff_roles;
