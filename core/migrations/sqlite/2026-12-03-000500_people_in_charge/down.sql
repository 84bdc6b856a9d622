DROP TABLE data_migrations;
DROP TABLE follow_ups;
DROP INDEX interactions_taken_for;
ALTER TABLE interactions DROP COLUMN message_status;
ALTER TABLE interactions DROP COLUMN taken_for_id;
ALTER TABLE staff DROP COLUMN name_fold;
DROP TABLE client_assignments;
DROP TABLE staff_roles;
