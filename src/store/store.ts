import type { DueRun, JournalEntry, RunQuery, RunRecord, RunStatus, StepRecord, StoredJournalEntry } from './records.js';

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

/**
 * Everything durable. The engine and runtimes know only this interface; test/store/store-contract.ts
 * is its executable specification and runs unchanged against every implementation.
 */
export interface Store {
  /** Flow content by hash, so a run can resume on the exact flow it started with. */
  putFlowContent(hash: string, content: string): Promise<void>;
  getFlowContent(hash: string): Promise<string | undefined>;

  /** Fails with `RunExistsError` when the id is taken, writing nothing. */
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
   * it. With `owner`, fenced as `RunWrite.owner` on the run of the steps (all of one run).
   */
  putSteps(steps: readonly StepRecord[], write?: { owner?: string; journal?: readonly JournalEntry[] }): Promise<void>;
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
  setState(namespace: string, key: string, value: unknown): Promise<void>;
  deleteState(namespace: string, key: string): Promise<void>;
  /** Entries whose key starts with `prefix` (taken literally), by key in code point (UTF-8 byte) order. */
  listState(namespace: string, prefix?: string): Promise<{ key: string; value: unknown }[]>;

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
