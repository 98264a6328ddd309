-- Suspension as data: a run's next moment of interest (queued: now; running: when its lease
-- lapses; waiting: its deadline, or a wake-up a finished child or an event left) is one indexed
-- column that every process polls. Run wake-ups no longer need a timers table.
ALTER TABLE runs ADD COLUMN due_at TEXT;
ALTER TABLE runs ADD COLUMN wake_at TEXT;
ALTER TABLE runs ADD COLUMN business_key TEXT;

UPDATE runs SET due_at = CASE status
    WHEN 'queued' THEN json_extract(body, '$.updatedAt')
    WHEN 'running' THEN coalesce(lease_until, json_extract(body, '$.updatedAt'))
    WHEN 'waiting' THEN coalesce((SELECT min(fire_at) FROM timers WHERE timers.run_id = runs.id), json_extract(body, '$.waitingUntil'))
    ELSE NULL
  END;

DROP TABLE timers;

CREATE INDEX runs_by_due ON runs (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX runs_by_business_key ON runs (flow_id, business_key) WHERE business_key IS NOT NULL;
CREATE INDEX runs_by_created ON runs (created_at);

-- The append-only history of every run: what happened, when, at which attempt, by whom.
CREATE TABLE journal (
  seq INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  step TEXT,
  attempt INTEGER,
  actor TEXT NOT NULL,
  data TEXT
);
CREATE INDEX journal_by_run ON journal (run_id, seq);
