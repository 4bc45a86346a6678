-- 002_decisions_append_only (SQLite): the decision log rejects UPDATE and DELETE from anyone.
-- PostgreSQL gets the same guarantee from 002_decisions_append_only.postgres.sql (a trigger
-- function raising an exception) when its adapter lands.

CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN
  SELECT RAISE(ABORT, 'decisions are append-only');
END;

CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN
  SELECT RAISE(ABORT, 'decisions are append-only');
END;
