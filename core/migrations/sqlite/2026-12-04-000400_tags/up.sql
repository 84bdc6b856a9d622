-- Tags of the firm, on clients and contacts: a stable code, French and
-- English names and a colour (`#rrggbb`), versioned (a stale update is a
-- conflict). A tag in use cannot be deleted (the engine says how many
-- records carry it), so the references below never dangle.
CREATE TABLE tags (
    code        TEXT    PRIMARY KEY NOT NULL,
    name_fr     TEXT    NOT NULL,
    name_en     TEXT    NOT NULL,
    colour      TEXT    NOT NULL,
    version     BIGINT  NOT NULL DEFAULT 1
);

CREATE TABLE client_tags (
    client_id   BIGINT  NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    tag         TEXT    NOT NULL REFERENCES tags(code),
    PRIMARY KEY (client_id, tag)
);
-- "Clients tagged urgent": from the tag to its clients.
CREATE INDEX client_tags_tag ON client_tags(tag, client_id);

CREATE TABLE contact_tags (
    contact_id  BIGINT  NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    tag         TEXT    NOT NULL REFERENCES tags(code),
    PRIMARY KEY (contact_id, tag)
);
CREATE INDEX contact_tags_tag ON contact_tags(tag, contact_id);
