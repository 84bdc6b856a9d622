DROP INDEX clients_business_number;
ALTER TABLE contacts DROP COLUMN language;
ALTER TABLE contacts DROP COLUMN custom_fold;
ALTER TABLE contacts DROP COLUMN custom;
ALTER TABLE clients DROP COLUMN business_number;
ALTER TABLE clients DROP COLUMN fiscal_year_end;
ALTER TABLE clients DROP COLUMN language;
ALTER TABLE clients DROP COLUMN custom_fold;
ALTER TABLE clients DROP COLUMN custom;
