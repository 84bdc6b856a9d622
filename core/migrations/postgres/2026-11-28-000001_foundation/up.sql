-- Foundation schema (PostgreSQL). Times are UTC milliseconds since the epoch
-- (BIGINT), dates are ISO 'YYYY-MM-DD' text, nested value lists are JSON text.
-- `*_fold` columns hold the case- and accent-folded form used by filters.

CREATE TABLE staff (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT    NOT NULL,
    initials    TEXT    NOT NULL,
    email       TEXT,
    office      TEXT,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    rights      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE trash (
    id          BIGSERIAL PRIMARY KEY,
    entity      TEXT    NOT NULL,
    entity_id   BIGINT  NOT NULL,
    label       TEXT    NOT NULL,
    deleted_by  BIGINT  NOT NULL REFERENCES staff(id),
    deleted_at  BIGINT  NOT NULL
);

CREATE TABLE clients (
    id            BIGSERIAL PRIMARY KEY,
    code          TEXT    NOT NULL,
    code_key      TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    name_fold     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    office        TEXT,
    address       TEXT,
    phones        TEXT    NOT NULL,
    emails        TEXT    NOT NULL,
    website       TEXT,
    notes         TEXT,
    referral_type TEXT,
    referred_by   TEXT,
    won_date      TEXT,
    won_reason    TEXT,
    left_date     TEXT,
    lost_to       TEXT,
    lost_reason   TEXT,
    created_by    BIGINT  NOT NULL REFERENCES staff(id),
    created_at    BIGINT  NOT NULL,
    updated_by    BIGINT  NOT NULL REFERENCES staff(id),
    updated_at    BIGINT  NOT NULL,
    version       BIGINT  NOT NULL,
    trash_id      BIGINT  REFERENCES trash(id)
);
CREATE UNIQUE INDEX clients_code_key ON clients(code_key);
CREATE INDEX clients_name_fold ON clients(name_fold, id);
CREATE INDEX clients_office ON clients(office);
CREATE INDEX clients_trash ON clients(trash_id);

CREATE TABLE contacts (
    id          BIGSERIAL PRIMARY KEY,
    first_name  TEXT    NOT NULL,
    last_name   TEXT    NOT NULL,
    file_as     TEXT    NOT NULL,
    file_as_fold TEXT   NOT NULL,
    company     TEXT,
    title       TEXT,
    phones      TEXT    NOT NULL,
    emails      TEXT    NOT NULL,
    address     TEXT,
    notes       TEXT,
    created_by  BIGINT  NOT NULL REFERENCES staff(id),
    created_at  BIGINT  NOT NULL,
    updated_by  BIGINT  NOT NULL REFERENCES staff(id),
    updated_at  BIGINT  NOT NULL,
    version     BIGINT  NOT NULL,
    trash_id    BIGINT  REFERENCES trash(id)
);
CREATE INDEX contacts_file_as_fold ON contacts(file_as_fold, id);
CREATE INDEX contacts_trash ON contacts(trash_id);

CREATE TABLE contact_links (
    client_id   BIGINT  NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    contact_id  BIGINT  NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    role        TEXT    NOT NULL,
    created_by  BIGINT  NOT NULL REFERENCES staff(id),
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (client_id, contact_id)
);
CREATE UNIQUE INDEX contact_links_one_primary ON contact_links(client_id) WHERE role = 'primary';
CREATE INDEX contact_links_contact ON contact_links(contact_id);

CREATE TABLE custom_fields (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    label_fr    TEXT    NOT NULL,
    label_en    TEXT    NOT NULL,
    field_type  TEXT    NOT NULL,
    choices     TEXT    NOT NULL,
    required    BOOLEAN NOT NULL,
    UNIQUE (kind, key)
);

CREATE TABLE transfers (
    id                 BIGSERIAL PRIMARY KEY,
    direction          TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    from_staff         BIGINT  NOT NULL REFERENCES staff(id),
    to_contact         BIGINT  NOT NULL REFERENCES contacts(id),
    client_id          BIGINT  NOT NULL REFERENCES clients(id),
    subject            TEXT    NOT NULL,
    message            TEXT    NOT NULL,
    signature_required BOOLEAN NOT NULL,
    files              TEXT    NOT NULL,
    sent_at            BIGINT  NOT NULL,
    expires_at         BIGINT  NOT NULL,
    closed_at          BIGINT,
    created_by         BIGINT  NOT NULL REFERENCES staff(id),
    created_at         BIGINT  NOT NULL,
    updated_by         BIGINT  NOT NULL REFERENCES staff(id),
    updated_at         BIGINT  NOT NULL,
    version            BIGINT  NOT NULL,
    trash_id           BIGINT  REFERENCES trash(id)
);
CREATE INDEX transfers_client ON transfers(client_id, sent_at);
CREATE INDEX transfers_open ON transfers(status, expires_at);
CREATE INDEX transfers_sent ON transfers(sent_at, id);
CREATE INDEX transfers_trash ON transfers(trash_id);

CREATE TABLE interactions (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT    NOT NULL,
    occurred_at    BIGINT  NOT NULL,
    client_id      BIGINT  REFERENCES clients(id),
    contact_id     BIGINT  REFERENCES contacts(id),
    staff_id       BIGINT  REFERENCES staff(id),
    subject        TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    direction      TEXT,
    duration_secs  BIGINT,
    phone          TEXT,
    email_from     TEXT,
    email_to       TEXT,
    email_cc       TEXT,
    taken_for      TEXT,
    custom         TEXT    NOT NULL,
    transfer_id    BIGINT  REFERENCES transfers(id) ON DELETE SET NULL,
    created_by     BIGINT  NOT NULL REFERENCES staff(id),
    created_at     BIGINT  NOT NULL,
    updated_by     BIGINT  NOT NULL REFERENCES staff(id),
    updated_at     BIGINT  NOT NULL,
    version        BIGINT  NOT NULL,
    trash_id       BIGINT  REFERENCES trash(id),
    CHECK (client_id IS NOT NULL OR contact_id IS NOT NULL)
);
CREATE INDEX interactions_client ON interactions(client_id, occurred_at, id);
CREATE INDEX interactions_contact ON interactions(contact_id, occurred_at, id);
CREATE INDEX interactions_occurred ON interactions(occurred_at, id);
CREATE INDEX interactions_transfer ON interactions(transfer_id);
CREATE INDEX interactions_trash ON interactions(trash_id);
