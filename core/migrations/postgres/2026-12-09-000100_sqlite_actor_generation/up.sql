-- SQLite's actor generation (see the SQLite migration of this name);
-- PostgreSQL has had its own since 2026-12-08-000100_actor_generation.
-- Nothing changes here: the version exists so both trees keep the same
-- names.
SELECT 1;
