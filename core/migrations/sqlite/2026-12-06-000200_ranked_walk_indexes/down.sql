DROP INDEX contacts_trash;
CREATE INDEX contacts_trash ON contacts(trash_id);
DROP INDEX clients_trash;
CREATE INDEX clients_trash ON clients(trash_id);
DROP INDEX contacts_file_as_fold;
CREATE INDEX contacts_file_as_fold ON contacts(file_as_fold, id);
DROP INDEX clients_name_fold;
CREATE INDEX clients_name_fold ON clients(name_fold, id);
