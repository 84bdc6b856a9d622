-- People in charge of a client: staff assignments with a role. Roles are the
-- firm's (three built in, more added by the host with French and English
-- names); a client has any number of assignments, one per (role, staff).
CREATE TABLE staff_roles (
    code        TEXT    PRIMARY KEY NOT NULL,
    label_fr    TEXT    NOT NULL,
    label_en    TEXT    NOT NULL,
    position    BIGINT  NOT NULL,
    builtin     BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO staff_roles (code, label_fr, label_en, position, builtin) VALUES
    ('partner', 'Associé', 'Partner', 1, TRUE),
    ('manager', 'Directeur', 'Manager', 2, TRUE),
    ('staff', 'Responsable', 'Staff', 3, TRUE);

CREATE TABLE client_assignments (
    client_id   BIGINT  NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    role        TEXT    NOT NULL REFERENCES staff_roles(code),
    staff_id    BIGINT  NOT NULL REFERENCES staff(id),
    position    BIGINT  NOT NULL,
    PRIMARY KEY (client_id, role, staff_id)
);
-- "My clients": the clients of one staff member (in a role).
CREATE INDEX client_assignments_staff ON client_assignments(staff_id, role, client_id);

-- Staff names folded (case, accents) as the filter folds: lists sort by
-- the name of the people in charge. Filled by the engine at open for rows
-- written before this column (folding is done in Rust).
ALTER TABLE staff ADD COLUMN name_fold TEXT;
