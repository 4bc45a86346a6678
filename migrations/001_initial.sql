-- 001_initial: the whole Homeostat schema, portable between SQLite and PostgreSQL.
--
-- Types are names both engines accept: TEXT, BIGINT (epoch milliseconds), DOUBLE PRECISION.
-- JSON is stored as TEXT. Each record table keeps the whole record as JSON in `body` (so it
-- round-trips exactly) next to the columns that lists filter and sort on.
-- No foreign keys: records arrive out of order (an anomaly before its incident, points before
-- their series) and referential integrity is the engine's job, not the schema's.
-- Engine-specific pieces (the append-only triggers of `decisions`) live in
-- `NNN_name.<dialect>.sql` files next to this one.

CREATE TABLE series (
  id TEXT PRIMARY KEY,
  metric TEXT NOT NULL,
  labels TEXT NOT NULL,
  entity_id TEXT NOT NULL
);
CREATE INDEX series_entity_id ON series (entity_id);
CREATE INDEX series_metric ON series (metric);

-- v is NULL for NaN (SQL has no NaN that both engines bind the same way).
-- The primary key serves range reads of one series. There is deliberately no index on t alone:
-- every appended batch would dirty it too (~25 % slower appends), and only the occasional
-- prune (a full scan) would use it.
CREATE TABLE points (
  series_id TEXT NOT NULL,
  t BIGINT NOT NULL,
  v DOUBLE PRECISION,
  PRIMARY KEY (series_id, t)
);

CREATE TABLE entities (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  attributes TEXT NOT NULL,
  capacity TEXT
);

CREATE TABLE relations (
  from_id TEXT NOT NULL,
  to_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (from_id, to_id, kind)
);
CREATE INDEX relations_to_id ON relations (to_id);

CREATE TABLE anomalies (
  id TEXT PRIMARY KEY,
  series_id TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  incident_id TEXT,
  status TEXT NOT NULL,
  at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX anomalies_at ON anomalies (at);
CREATE INDEX anomalies_entity_id_at ON anomalies (entity_id, at);
CREATE INDEX anomalies_series_id_at ON anomalies (series_id, at);
CREATE INDEX anomalies_incident_id ON anomalies (incident_id);
CREATE INDEX anomalies_status_at ON anomalies (status, at);

CREATE TABLE predictions (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  series_id TEXT,
  at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX predictions_at ON predictions (at);
CREATE INDEX predictions_entity_id_at ON predictions (entity_id, at);
CREATE INDEX predictions_series_id_at ON predictions (series_id, at);
CREATE INDEX predictions_kind_at ON predictions (kind, at);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  entity_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_entity_id_at ON events (entity_id, at);

CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  opened_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX incidents_opened_at ON incidents (opened_at);
CREATE INDEX incidents_status_opened_at ON incidents (status, opened_at);

-- Append-only audit log: the Store port has no way to change a row; the dialect files add
-- triggers that reject UPDATE and DELETE issued by anyone else.
CREATE TABLE decisions (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX decisions_at ON decisions (at);
CREATE INDEX decisions_subject_at ON decisions (subject, at);
CREATE INDEX decisions_kind_at ON decisions (kind, at);

CREATE TABLE actions (
  id TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL,
  status TEXT NOT NULL,
  proposed_at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX actions_proposed_at ON actions (proposed_at);
CREATE INDEX actions_incident_id_proposed_at ON actions (incident_id, proposed_at);
CREATE INDEX actions_status ON actions (status);

CREATE TABLE feedback (
  id TEXT PRIMARY KEY,
  subject_type TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX feedback_at ON feedback (at);
CREATE INDEX feedback_subject_id_at ON feedback (subject_id, at);

CREATE TABLE models (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  body TEXT NOT NULL
);

CREATE TABLE model_versions (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  stage TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE INDEX model_versions_stage ON model_versions (stage);

CREATE TABLE model_states (
  key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
