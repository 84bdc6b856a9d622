-- Custom fields on clients and contacts (definitions stay in custom_fields,
-- whose `kind` is then `client` or `contact`), and the standard fields
-- firms need in Canada: preferred language, fiscal year end (MM-DD),
-- CRA business number (normalised: 9 digits, optional program account).
ALTER TABLE clients ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE clients ADD COLUMN custom_fold TEXT NOT NULL DEFAULT '{}';
ALTER TABLE clients ADD COLUMN language TEXT;
ALTER TABLE clients ADD COLUMN fiscal_year_end TEXT;
ALTER TABLE clients ADD COLUMN business_number TEXT;
ALTER TABLE contacts ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE contacts ADD COLUMN custom_fold TEXT NOT NULL DEFAULT '{}';
ALTER TABLE contacts ADD COLUMN language TEXT;
CREATE INDEX clients_business_number ON clients (business_number);
