-- Runs, their checkpoints and journal, and the keys and state steps keep. Every text column that
-- is compared or ordered uses the "C" collation: code point order, as the SQLite store sorts,
-- which is also the order ISO-8601 UTC timestamps sort in as text.
CREATE TABLE flows (hash text COLLATE "C" PRIMARY KEY, content text NOT NULL);

-- A run is a JSON body beside the columns the runtime polls and the API filters by.
CREATE TABLE runs (
  id text COLLATE "C" PRIMARY KEY,
  flow_id text COLLATE "C" NOT NULL,
  status text COLLATE "C" NOT NULL,
  parent_run_id text COLLATE "C",
  created_at text COLLATE "C" NOT NULL,
  owner text COLLATE "C",
  lease_until text COLLATE "C",
  business_key text COLLATE "C",
  -- The business key while an exclusive run (onDuplicate: skip) is unfinished, else null.
  exclusive_key text COLLATE "C",
  -- When a queued or waiting run next needs looking at; null for running and finished runs.
  due_at text COLLATE "C",
  -- A wake-up kept for the run until its next claim.
  wake_at text COLLATE "C",
  body text NOT NULL
);
CREATE INDEX runs_by_due ON runs (due_at) WHERE due_at IS NOT NULL;
-- Running runs are few: those whose lease lapsed are found through this, never by a scan.
CREATE INDEX runs_running_by_lease ON runs ((coalesce(lease_until, ''))) WHERE status = 'running';
CREATE INDEX runs_by_created ON runs (created_at, id);
CREATE INDEX runs_by_flow ON runs (flow_id, created_at, id);
CREATE INDEX runs_by_status ON runs (status, created_at, id);
CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
CREATE INDEX runs_by_business_key ON runs (business_key, created_at) WHERE business_key IS NOT NULL;
CREATE UNIQUE INDEX runs_by_exclusive_key ON runs (flow_id, exclusive_key) WHERE exclusive_key IS NOT NULL;

CREATE TABLE run_steps (
  run_id text COLLATE "C" NOT NULL,
  path text COLLATE "C" NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (run_id, path)
);

-- Numbered across all runs by one identity: appends from concurrent transactions never collide,
-- and a run's entries read back in the order they were written.
CREATE TABLE run_journal (
  run_id text COLLATE "C" NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  body text NOT NULL,
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE idempotency_keys (
  scope text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  value text NOT NULL,
  expires_at text COLLATE "C" NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

CREATE TABLE seen_events (
  source text COLLATE "C" NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  expires_at text COLLATE "C" NOT NULL,
  PRIMARY KEY (source, event_id)
);
CREATE INDEX seen_events_by_expiry ON seen_events (expires_at);

CREATE TABLE state (
  namespace text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (namespace, key)
);
