-- The schema of Staffwire 0.1.0, the first release. IF NOT EXISTS: databases made by that
-- release, which kept no user_version, already hold it.
CREATE TABLE IF NOT EXISTS flows (hash TEXT PRIMARY KEY, content TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  flow_id TEXT NOT NULL,
  status TEXT NOT NULL,
  parent_run_id TEXT,
  created_at TEXT NOT NULL,
  owner TEXT,
  lease_until TEXT,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_flow ON runs (flow_id, created_at);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_at);
CREATE INDEX IF NOT EXISTS runs_by_parent ON runs (parent_run_id);
CREATE TABLE IF NOT EXISTS steps (
  run_id TEXT NOT NULL,
  path TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (run_id, path)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS timers (id TEXT PRIMARY KEY, run_id TEXT NOT NULL, fire_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS timers_by_time ON timers (fire_at);
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at TEXT NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS seen_events (
  source TEXT NOT NULL, event_id TEXT NOT NULL, expires_at TEXT NOT NULL,
  PRIMARY KEY (source, event_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (
  namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
