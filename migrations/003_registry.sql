-- 003_registry: the model registry's aliases and serving history, live outcomes, and runbooks.
-- Portable between SQLite and PostgreSQL, like 001 (TEXT, BIGINT epoch ms, INTEGER, JSON as TEXT).

-- Current aliases of a model (`champion` = the version served, `challenger`); one row per alias.
CREATE TABLE model_aliases (
  name TEXT NOT NULL,
  alias TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (name, alias)
);

-- Every change of an alias, append-only: the serving history. `seq` orders a model's events
-- (1, 2, … per name, assigned by the adapter in the same transaction as the alias change);
-- `version` is NULL when the alias was removed.
CREATE TABLE model_alias_events (
  name TEXT NOT NULL,
  seq INTEGER NOT NULL,
  alias TEXT NOT NULL,
  version INTEGER,
  at BIGINT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (name, seq)
);

-- Observed outcomes of model outputs (labels and actuals): the raw material of live metrics.
CREATE TABLE model_outcomes (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX model_outcomes_name_at ON model_outcomes (name, at);
CREATE INDEX model_outcomes_name_version_at ON model_outcomes (name, version, at);

CREATE TABLE runbooks (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  fault_kind TEXT NOT NULL,
  entity_kind TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX runbooks_status_updated_at ON runbooks (status, updated_at);
