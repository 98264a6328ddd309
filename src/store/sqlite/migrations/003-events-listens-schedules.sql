-- One live run per business key where a flow says so (onDuplicate: skip): the column holds the
-- key only while such a run is unfinished, and a unique index refuses a second.
ALTER TABLE runs ADD COLUMN exclusive_key TEXT;
CREATE UNIQUE INDEX runs_by_exclusive_key ON runs (flow_id, exclusive_key) WHERE exclusive_key IS NOT NULL;

-- Every webhook delivery, whatever became of it; accepted ones wait in the outbox until
-- dispatched to the flows and listeners they concern.
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  received_at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  dispatched_at TEXT,
  body TEXT NOT NULL
);
CREATE INDEX deliveries_by_source ON deliveries (source, id);
CREATE INDEX deliveries_outbox ON deliveries (id) WHERE outcome = 'accepted' AND dispatched_at IS NULL;

-- The scalars of accepted events by path, so a listen finds "the envelope I sent was completed"
-- by an index look-up, whether the event came before or after it began listening.
CREATE TABLE event_keys (
  source TEXT NOT NULL,
  type TEXT NOT NULL,
  path TEXT NOT NULL,
  value TEXT NOT NULL,
  delivery_id INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (source, type, path, value, delivery_id)
) WITHOUT ROWID;

-- What waiting runs listen for, kept from their waitingFor by every write of the run.
CREATE TABLE listens (
  source TEXT NOT NULL,
  type TEXT NOT NULL,
  path TEXT NOT NULL,
  value TEXT NOT NULL,
  run_id TEXT NOT NULL,
  step TEXT NOT NULL,
  PRIMARY KEY (source, type, path, value, run_id, step)
) WITHOUT ROWID;
CREATE INDEX listens_by_run ON listens (run_id);

-- One-off future runs by business key.
CREATE TABLE schedules (
  key TEXT PRIMARY KEY,
  flow_id TEXT NOT NULL,
  status TEXT NOT NULL,
  fire_at TEXT NOT NULL,
  body TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX schedules_pending ON schedules (fire_at, key) WHERE status = 'pending';
CREATE INDEX schedules_by_fire ON schedules (fire_at, key);
