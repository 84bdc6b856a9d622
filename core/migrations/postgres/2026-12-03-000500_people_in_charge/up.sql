-- People in charge of a client: staff assignments with a role. Roles are the
-- firm's (three built in, more added by the host with French and English
-- names); a client has any number of assignments, one per (role, staff).
CREATE TABLE staff_roles (
    code        TEXT    PRIMARY KEY,
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

-- Phone messages are taken for a staff member (a link; the free text of
-- older messages is linked at open where it names exactly one staff member,
-- by name or initials, and kept otherwise) and have a status.
ALTER TABLE interactions ADD COLUMN taken_for_id BIGINT REFERENCES staff(id);
ALTER TABLE interactions ADD COLUMN message_status TEXT;
UPDATE interactions SET message_status = 'new' WHERE kind = 'phone_message';
CREATE INDEX interactions_taken_for ON interactions(taken_for_id, message_status);

-- Follow-ups of interactions: who must act, by when, done (when, by whom).
-- A table of their own: one per interaction at most.
CREATE TABLE follow_ups (
    interaction_id BIGINT  PRIMARY KEY REFERENCES interactions(id) ON DELETE CASCADE,
    assignee_id    BIGINT  NOT NULL REFERENCES staff(id),
    due            TEXT,
    done           BOOLEAN NOT NULL DEFAULT FALSE,
    done_at        BIGINT,
    done_by        BIGINT  REFERENCES staff(id)
);
CREATE INDEX follow_ups_assignee ON follow_ups(assignee_id, done, due);

-- One-time data passes the engine runs at open (in Rust), by name.
CREATE TABLE data_migrations (
    name TEXT PRIMARY KEY
);
