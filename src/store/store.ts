import type {
  DeliveryQuery,
  DeliveryRecord,
  DispatchResult,
  DueRun,
  EventRecord,
  JournalEntry,
  RunQuery,
  RunRecord,
  RunStatus,
  ScheduleQuery,
  ScheduleRecord,
  StepRecord,
  StoredJournalEntry,
} from './records.js';

/** A change to the key/value state: `value` set under the key, or the key removed. */
export type StateChange = { namespace: string; key: string; value: unknown } | { namespace: string; key: string; delete: true };

/** What else an update of a run writes, in the same transaction. */
export interface RunWrite {
  /** Checkpoints written with the update (as putSteps), so an outcome and its last steps land together. */
  steps?: readonly StepRecord[];
  /**
   * Fencing: write only while this owner holds the run and it has not finished; otherwise fail
   * with `RunFencedError`, writing nothing. How a process that lost its claim is kept from
   * overwriting what the new owner, or a cancellation, recorded.
   */
  owner?: string;
  /**
   * Makes another unfinished run due at this moment unless it is due earlier: a finished child
   * wakes its parent, whichever process parked it. A wake-up that arrives while the run executes
   * is kept until its next claim, so a run parking right after it still wakes.
   */
  wake?: { runId: string; at: string };
  /** Appended to the journal in the same transaction. */
  journal?: readonly JournalEntry[];
}

/** A process taking a run to execute it. */
export interface RunClaim {
  owner: string;
  leaseUntil: string;
  now: string;
  /** An owner known to be dead, whose live lease may be taken over. */
  takeOverFrom?: string;
  /** Applied only when the claim succeeds, in the same write (e.g. status running). */
  patch?: Partial<Omit<RunRecord, 'id' | 'owner' | 'leaseUntil'>>;
  journal?: readonly JournalEntry[];
}

/** A delivery as the intake hands it over; the store decides whether it is a duplicate. */
export interface NewDelivery {
  source: string;
  receivedAt: string;
  outcome: 'accepted' | 'refused' | 'challenge';
  reason?: { code: string; message: string };
  event?: EventRecord;
  /**
   * For an accepted event: de-duplicate by (source, event id) until this moment. A repeat within
   * the window is recorded as `duplicate` and dispatches nothing.
   */
  dedupeUntil?: string;
  /**
   * Whether a flow may start from this event (one has an event trigger for its source and type):
   * only then does it wait in the outbox. Default true.
   */
  triggers?: boolean;
  /**
   * Whether a run may `listen` for this event (it came from a connection): only then are its
   * keys indexed and listeners woken. Default true; a hook's delivery feeds one run and no listen.
   */
  listenable?: boolean;
  /**
   * Settles an accepted delivery in this same write instead of leaving it to the outbox, for a
   * hook, whose request starts its run itself: `run` is created with the delivery (one that
   * exists under its id already is left as it is, a taken business key starts nothing), and
   * `refused` records why none starts. A duplicate creates nothing.
   */
  settle?: { run: RunRecord } | { flowId: string; refused: string };
}

/** Where an event's key stands in its payload, for a listen to find it. */
export interface EventKeyQuery {
  source: string;
  type: string;
  path: string;
  value: string;
  /** Only events received at or after this moment. */
  receivedFrom: string;
  limit: number;
}

export interface NewSchedule {
  key: string;
  flowId: string;
  input: unknown;
  fireAt: string;
  timeZone?: string;
  /** Who schedules it: `run:<id>/<step path>` for a schedule step, else the actor. */
  createdBy: string;
  at: string;
}

/** Webhook deliveries, their outbox, and the correlation keys listens look events up by. */
export interface EventStore {
  /**
   * Records a delivery whatever became of it, in one transaction with its de-duplication mark
   * and, for an accepted event, its correlation keys (every scalar in the payload, by path) and
   * the wake-up of every run listening for it (named in its `dispatch`). Returns it as stored:
   * `outcome` is `duplicate` when the event was seen within the window.
   */
  recordDelivery(delivery: NewDelivery): Promise<DeliveryRecord>;
  getDelivery(id: number): Promise<DeliveryRecord | undefined>;
  /** Newest first. */
  listDeliveries(query?: DeliveryQuery): Promise<DeliveryRecord[]>;
  /** Accepted deliveries not yet dispatched, oldest first: the outbox. */
  undispatchedDeliveries(limit: number): Promise<DeliveryRecord[]>;
  /** Takes a delivery out of the outbox, adding what dispatching it did to its `dispatch`. */
  markDispatched(id: number, at: string, results: readonly DispatchResult[]): Promise<void>;
  /** Accepted events holding `value` at `path`, oldest first. */
  findEvents(query: EventKeyQuery): Promise<DeliveryRecord[]>;
  /** The runs waiting for an event like this delivery's (same source and type, a key of it). */
  listenersOf(deliveryId: number): Promise<{ runId: string; step: string }[]>;
  /** Makes these unfinished runs due at `at` unless due earlier, as `RunWrite.wake` does: an event woke them. */
  wakeRuns(runIds: readonly string[], at: string): Promise<void>;
}

/** One-off future runs by business key. */
export interface ScheduleStore {
  /**
   * Schedules `key`, replacing what was scheduled under it (its generation goes up, it is pending
   * again). The same scheduler putting the same moment and input again changes nothing, so a step
   * repeated after a crash schedules once.
   */
  putSchedule(schedule: NewSchedule): Promise<ScheduleRecord>;
  /** Cancels a pending schedule; undefined when there is none under the key. */
  cancelSchedule(key: string, at: string): Promise<ScheduleRecord | undefined>;
  /** Moves a pending schedule to another moment. */
  moveSchedule(key: string, fireAt: string, at: string): Promise<ScheduleRecord | undefined>;
  getSchedule(key: string): Promise<ScheduleRecord | undefined>;
  /** In fire order, earliest first. */
  listSchedules(query?: ScheduleQuery): Promise<ScheduleRecord[]>;
  /** Pending schedules due at `now`, earliest first. */
  dueSchedules(now: string, limit: number): Promise<ScheduleRecord[]>;
  nextScheduleAt(): Promise<string | undefined>;
  /**
   * Fires generations of due schedules, all in one transaction: for each, creates its run and
   * marks the schedule fired. Per firing, in order: `fired`, or not when the schedule is no longer
   * pending at that generation (moved, cancelled, fired by another process), or `taken` when the
   * run's business key is held by another unfinished run (that firing wrote nothing; the others
   * stand).
   */
  fireSchedules(firings: readonly ScheduleFiring[]): Promise<FiringOutcome[]>;
}

/** One generation of a due schedule and the run it fires into. */
export interface ScheduleFiring {
  key: string;
  generation: number;
  run: RunRecord;
}

export type FiringOutcome = { fired: true } | { fired: false; taken?: BusinessKeyTakenError };

/** Counts for metrics and the console's overview. */
export interface StoreCounts {
  runsByFlowAndStatus(): Promise<{ flowId: string; status: RunStatus; count: number }[]>;
  pendingSchedules(): Promise<number>;
  /** Waiting runs with a deadline, and the oldest moment that is due but not yet picked up. */
  pendingWakeUps(now: string): Promise<{ waiting: number; oldestDue: string | undefined }>;
}

/**
 * Everything durable. The engine and runtimes know only this interface; test/store/store-contract.ts
 * is its executable specification and runs unchanged against every implementation.
 */
export interface Store extends EventStore, ScheduleStore, StoreCounts {
  /** Flow content by hash, so a run can resume on the exact flow it started with. */
  putFlowContent(hash: string, content: string): Promise<void>;
  getFlowContent(hash: string): Promise<string | undefined>;

  /**
   * Fails with `RunExistsError` when the id is taken, and with `BusinessKeyTakenError` when the
   * run is `exclusiveKey` and an unfinished run of its flow holds its business key; writes nothing.
   */
  createRun(run: RunRecord, journal?: readonly JournalEntry[]): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /**
   * Fields set to `undefined` in the patch are cleared; `write` adds steps, a fence and the
   * run's timer to the same transaction. Fails with `RunNotFoundError` or `RunFencedError`,
   * writing nothing.
   */
  updateRun(id: string, patch: Partial<Omit<RunRecord, 'id'>>, write?: RunWrite): Promise<RunRecord>;
  /** Newest `createdAt` first; every matching run unless the query sets a limit. */
  listRuns(query?: RunQuery): Promise<RunRecord[]>;
  /**
   * Takes the run for `claim.owner` until `claim.leaseUntil` when it is unowned, already the
   * owner's, its lease ended before `claim.now` (a lease ending at `now` still holds), or it is
   * held by `claim.takeOverFrom`. False when refused, when the run has finished (succeeded,
   * failed, cancelled) or when there is no such run. A successful claim consumes any wake-up.
   */
  claimRun(id: string, claim: RunClaim): Promise<boolean>;
  /**
   * Extends the lease of an owner that still holds the run. False when the run has another
   * owner or none, has finished, or does not exist: the caller has lost it and must stop.
   */
  renewLease(id: string, owner: string, leaseUntil: string): Promise<boolean>;
  /** Drops the claim when `owner` holds it; does nothing otherwise. */
  releaseRun(id: string, owner: string): Promise<void>;

  /** In no particular order. */
  listSteps(runId: string): Promise<StepRecord[]>;
  /** Insert or replace by (runId, path). */
  putStep(step: StepRecord): Promise<void>;
  /**
   * Like putStep for each, in order, all or none (one transaction), with `journal` appended in
   * it. With `owner`, fenced as `RunWrite.owner` on the run of the steps (all of one run). `state`
   * changes go in the same transaction, so what a step keeps outside its checkpoint (a sync's map
   * of keys to destination ids) never disagrees with the checkpoint after a crash.
   */
  putSteps(steps: readonly StepRecord[], write?: { owner?: string; journal?: readonly JournalEntry[]; state?: readonly StateChange[] }): Promise<void>;
  deleteSteps(runId: string, paths: readonly string[]): Promise<void>;

  /** A run's history in the order it was written. */
  listJournal(runId: string): Promise<StoredJournalEntry[]>;

  /**
   * At most `limit` unfinished runs due at `now`, earliest first: queued ones, running ones whose
   * lease lapsed, waiting ones whose deadline passed or that were woken. Indexed: never a scan.
   */
  dueRuns(now: string, limit: number): Promise<DueRun[]>;
  /** When the next unfinished run falls due, due already or not. */
  nextDueAt(): Promise<string | undefined>;

  /**
   * Remembers `value` under (scope, key) until `expiresAt`. Returns the value already held when
   * the key is live (its expiry is after the current time), else stores this one and returns
   * undefined: the first caller wins.
   */
  claimIdempotencyKey(scope: string, key: string, value: string, expiresAt: string): Promise<string | undefined>;
  /** True the first time (source, eventId) is seen before `expiresAt` passes; false for a repeat. */
  markEventSeen(source: string, eventId: string, expiresAt: string): Promise<boolean>;
  /** Drops idempotency keys and event keys expiring at or before `now`; returns how many. */
  purgeExpired(now: string): Promise<number>;

  /** Key/value state for sync cursors and id maps, grouped by namespace. */
  getState(namespace: string, key: string): Promise<unknown>;
  /** The values held under these keys; keys with none are absent from the map. */
  getStates(namespace: string, keys: readonly string[]): Promise<Map<string, unknown>>;
  setState(namespace: string, key: string, value: unknown): Promise<void>;
  deleteState(namespace: string, key: string): Promise<void>;
  /**
   * Entries whose key starts with `prefix` (taken literally), by key in code point (UTF-8 byte)
   * order; with `after`, only keys after it, and at most `limit` of them: a page of a large map.
   */
  listState(namespace: string, prefix?: string, page?: { after?: string; limit?: number }): Promise<{ key: string; value: unknown }[]>;

  close(): Promise<void>;
}

export class RunExistsError extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} already exists`);
    this.name = 'RunExistsError';
  }
}

export class RunNotFoundError extends Error {
  constructor(readonly runId: string) {
    super(`no run with id ${runId}`);
    this.name = 'RunNotFoundError';
  }
}

/**
 * A fenced write found the run no longer held by the writer: another process took it over, or it
 * was cancelled or finished meanwhile. Nothing was written.
 */
export class RunFencedError extends Error {
  constructor(
    readonly runId: string,
    readonly expectedOwner: string,
    readonly status: RunStatus | undefined,
    readonly owner: string | undefined,
  ) {
    super(
      status === undefined
        ? `run ${runId} no longer exists`
        : `run ${runId} is no longer held by ${expectedOwner}: it is ${status}${owner ? `, held by ${owner}` : ''}`,
    );
    this.name = 'RunFencedError';
  }
}

/** Another unfinished run of the flow holds the business key (`onDuplicate: skip`). */
export class BusinessKeyTakenError extends Error {
  constructor(
    readonly flowId: string,
    readonly businessKey: string,
    readonly runId: string,
  ) {
    super(`run ${runId} of flow ${flowId} is still under way for business key ${businessKey}`);
    this.name = 'BusinessKeyTakenError';
  }
}
