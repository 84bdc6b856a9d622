-- The history of every write to a client, contact, client–contact link,
-- interaction or transfer: who, when, the operation, and each changed field
-- with its old and new value (JSON: {"field": {"old": …, "new": …}}, the
-- protocol's field names and JSON values). Written by the same transaction
-- as the write it records. A link is recorded on both its contact and its
-- client. `client_id` is the client whose timeline shows the entry (the
-- record's client), so a timeline reads its records' changes by one index.
CREATE TABLE history (
    id          INTEGER PRIMARY KEY,
    record_kind TEXT    NOT NULL,
    record_id   BIGINT  NOT NULL,
    client_id   BIGINT,
    op          TEXT    NOT NULL,
    staff_id    BIGINT,
    at          BIGINT  NOT NULL,
    changes     TEXT    NOT NULL,
    -- The other record of a link (or merge): a client of a contact's
    -- entry, a contact of a client's.
    related_kind TEXT,
    related_id   BIGINT
);
CREATE INDEX history_record ON history(record_kind, record_id, at DESC, id DESC);
CREATE INDEX history_client ON history(client_id, at DESC, id DESC);
