-- Suspension as data: when a queued or waiting run next needs looking at (queued: now; waiting:
-- its deadline, or a wake-up a finished child or an event left) is one indexed column every
-- process polls; running runs are found by their lease. Run wake-ups need no timers table.
ALTER TABLE runs ADD COLUMN due_at TEXT;
ALTER TABLE runs ADD COLUMN wake_at TEXT;
ALTER TABLE runs ADD COLUMN business_key TEXT;

UPDATE runs SET due_at = CASE status
    WHEN 'queued' THEN json_extract(body, '$.updatedAt')
    WHEN 'waiting' THEN coalesce((SELECT min(fire_at) FROM timers WHERE timers.run_id = runs.id), json_extract(body, '$.waitingUntil'))
    ELSE NULL
  END;

DROP TABLE timers;

CREATE INDEX runs_by_due ON runs (due_at) WHERE due_at IS NOT NULL;
-- Most runs have no parent: only sub-flow runs need an entry.
DROP INDEX runs_by_parent;
CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
CREATE INDEX runs_by_business_key ON runs (flow_id, business_key) WHERE business_key IS NOT NULL;
CREATE INDEX runs_by_created ON runs (created_at);

-- A run's checkpoints and its append-only journal (what happened, when, at which attempt, by
-- whom) share one b-tree keyed by run: `s:<step path>` and `j:<seq>`, so a checkpoint and the
-- journal lines riding with it land on the same pages, and each is one range to read.
CREATE TABLE run_records (
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
INSERT INTO run_records (run_id, key, body) SELECT run_id, 's:' || path, body FROM steps;
DROP TABLE steps;
