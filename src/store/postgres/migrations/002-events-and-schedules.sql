-- Every webhook delivery, whatever became of it; accepted ones wait in the outbox until
-- dispatched to the flows and listeners they concern.
CREATE TABLE deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source text COLLATE "C" NOT NULL,
  received_at text COLLATE "C" NOT NULL,
  outcome text COLLATE "C" NOT NULL,
  dispatched_at text COLLATE "C",
  body text NOT NULL
);
CREATE INDEX deliveries_by_source ON deliveries (source, id);
CREATE INDEX deliveries_by_outcome ON deliveries (outcome, id);
CREATE INDEX deliveries_by_received ON deliveries (received_at);
CREATE INDEX deliveries_outbox ON deliveries (id) WHERE outcome = 'accepted' AND dispatched_at IS NULL;

-- The scalars of accepted events by path, so a listen finds "the envelope I sent was completed"
-- by an index look-up, whether the event came before or after it began listening.
CREATE TABLE event_keys (
  source text COLLATE "C" NOT NULL,
  type text COLLATE "C" NOT NULL,
  path text COLLATE "C" NOT NULL,
  value text COLLATE "C" NOT NULL,
  delivery_id bigint NOT NULL,
  received_at text COLLATE "C" NOT NULL,
  PRIMARY KEY (source, type, path, value, delivery_id)
);
CREATE INDEX event_keys_by_delivery ON event_keys (delivery_id);

-- What waiting runs listen for, kept from their waitingFor by every write of the run.
CREATE TABLE listens (
  source text COLLATE "C" NOT NULL,
  type text COLLATE "C" NOT NULL,
  path text COLLATE "C" NOT NULL,
  value text COLLATE "C" NOT NULL,
  run_id text COLLATE "C" NOT NULL,
  step text COLLATE "C" NOT NULL,
  PRIMARY KEY (source, type, path, value, run_id, step)
);
CREATE INDEX listens_by_run ON listens (run_id);

-- One-off future runs by business key.
CREATE TABLE schedules (
  key text COLLATE "C" PRIMARY KEY,
  flow_id text COLLATE "C" NOT NULL,
  status text COLLATE "C" NOT NULL,
  fire_at text COLLATE "C" NOT NULL,
  body text NOT NULL
);
CREATE INDEX schedules_pending ON schedules (fire_at, key) WHERE status = 'pending';
CREATE INDEX schedules_by_fire ON schedules (fire_at, key);
