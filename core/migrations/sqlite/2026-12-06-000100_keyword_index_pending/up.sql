-- PostgreSQL only (the keyword indexes' pending lists); the same version
-- on both backends.
SELECT 1;
