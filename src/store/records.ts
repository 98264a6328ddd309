import type { ErrorCategory } from '../errors/index.js';

export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type StepStatus = Exclude<RunStatus, 'queued'>;

export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/** A failure as recorded on a run or step: enough to act on without the logs. */
export interface ErrorRecord {
  code: string;
  message: string;
  category: ErrorCategory | 'cancelled';
  /** Path of the step that failed, for a run's error. */
  step?: string;
  details?: Record<string, unknown>;
}

/** Timestamps are ISO 8601 strings in UTC (`Date#toISOString`), which sort as text. */
export interface RunRecord {
  id: string;
  flowId: string;
  flowVersion: string;
  /** SHA-256 of the flow's canonical content: the run is pinned to it. */
  flowHash: string;
  status: RunStatus;
  input: unknown;
  output?: unknown;
  error?: ErrorRecord;
  parentRunId?: string;
  parentStepPath?: string;
  /** Content hash of each sub-flow this run may start, fixed when its top-level run started. */
  subFlows?: Record<string, string>;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  updatedAt: string;
  /** Who started it: `cli`, `api:<token name>`, `schedule`, `event:<id>`, or `engine` (a sub-flow). */
  createdBy?: string;
  /** A key from the business (an offer id, an employment id) that the flow declares for its runs. */
  businessKey?: string;
  /**
   * While the run is unfinished, no other run of its flow with the same business key may be
   * created (`onDuplicate: skip`): the store refuses it with `BusinessKeyTakenError`.
   */
  exclusiveKey?: boolean;
  /** When a waiting run is due to continue: the earliest deadline of what it waits for. */
  waitingUntil?: string;
  /** What a waiting run waits for, as data: any process can tell what would wake it. */
  waitingFor?: Suspension[];
  /** Which process executes the run now, and until when its claim holds without renewal. */
  owner?: string;
  leaseUntil?: string;
}

export interface StepRecord {
  runId: string;
  /** Step id qualified by enclosing iterations, e.g. `notify` or `each_leaver[3].notify`. */
  path: string;
  stepId: string;
  kind: string;
  status: StepStatus;
  attempts: number;
  startedAt: string;
  finishedAt?: string;
  updatedAt: string;
  /**
   * What the step acted on, as evaluated: a call's `with`, a sub-flow's input, a schedule's key,
   * moment and input. Kept so whoever debugs a failed call sees what was sent.
   */
  input?: unknown;
  output?: unknown;
  error?: ErrorRecord;
  /** Container bookkeeping that must survive a crash: chosen branch, caught error, wait deadline. */
  state?: Record<string, unknown>;
}

/** One thing a parked run waits for. */
export type Suspension =
  /** A moment: a wait step, a retry's back-off. */
  | { kind: 'moment'; until: string; step: string; reason: string }
  /** A child run's end; `until` is when to look again should the process running it die. */
  | { kind: 'child'; runId: string; step: string; until?: string }
  /**
   * An event from a connection whose payload holds `value` at `path`; `until` is its deadline.
   * The store indexes it, so a delivery finds its listeners by key, never by a scan.
   */
  | { kind: 'event'; connection: string; type: string; path: string; value: string; step: string; until?: string; since: string };

/**
 * What happened to a run between its creation and its outcome, which the run record holds
 * (`createdAt`, `createdBy`, `status`, `finishedAt`, `error`).
 */
export const JOURNAL_TYPES = [
  'run.woken',
  'run.parked',
  'run.cancelled',
  'run.retried',
  'step.started',
  'step.succeeded',
  'step.failed',
  'step.retrying',
  'step.waiting',
  'step.progress',
] as const;
export type JournalType = (typeof JOURNAL_TYPES)[number];

/** One line of a run's append-only history. */
export interface JournalEntry {
  runId: string;
  at: string;
  type: JournalType;
  /** The step's path, for step entries. */
  step?: string;
  attempt?: number;
  /** Who caused it: `cli`, `api:<token name>`, `schedule`, `event:<id>`, or `engine` for what the engine does by itself. */
  actor: string;
  data?: Record<string, unknown>;
}

/** A journal entry as stored: numbered in the order it was written. */
export interface StoredJournalEntry extends JournalEntry {
  seq: number;
}

/** A run that is due now: queued, its lease lapsed, its wait over, or woken. */
export interface DueRun {
  id: string;
  dueAt: string;
}

export interface RunQuery {
  flowId?: string;
  status?: RunStatus[];
  parentRunId?: string;
  businessKey?: string;
  /** Created at or after this moment. */
  createdFrom?: string;
  /** Created before this moment. */
  createdBefore?: string;
  /** Only runs after this one in the listing's order (newest first): the `cursor` of the previous page. */
  after?: RunCursor;
  /** Newest first; at most this many. */
  limit?: number;
}

/** Where a page of runs ended: the last run's creation time and id. */
export interface RunCursor {
  createdAt: string;
  id: string;
}

/** What became of a webhook delivery. */
export type DeliveryOutcome = 'accepted' | 'duplicate' | 'refused' | 'challenge';

/** One delivery to the intake, as recorded whatever became of it. */
export interface DeliveryRecord {
  /** Numbered in the order received. */
  id: number;
  /** The connection (or `hook:<flow id>`) it came in for. */
  source: string;
  receivedAt: string;
  outcome: DeliveryOutcome;
  /** Why it was refused or counted as a duplicate. */
  reason?: { code: string; message: string };
  /** The normalised event, for accepted and duplicate deliveries. */
  event?: EventRecord;
  /** When the runs it starts and wakes were found; unset while it waits in the outbox. */
  dispatchedAt?: string;
  /** What dispatching it did. */
  dispatch?: DispatchResult[];
}

/** An event in the one shape every connector's verifier produces. */
export interface EventRecord {
  id: string;
  type: string;
  occurredAt: string;
  tenant?: string;
  payload: Record<string, unknown>;
}

/** For one flow or listener: the run an event started or woke, or why it started none. */
export type DispatchResult =
  | { flowId: string; runId: string; started: true }
  | { flowId: string; runId?: string; started: false; reason: string }
  | { runId: string; woken: true; step: string };

export interface DeliveryQuery {
  source?: string;
  outcome?: DeliveryOutcome[];
  receivedFrom?: string;
  /** Deliveries numbered below this one (the previous page's last id). */
  before?: number;
  limit?: number;
}

/** A one-off future run under a business key. */
export interface ScheduleRecord {
  /** The business key, e.g. `deactivate:<employment id>`; scheduling it again replaces it. */
  key: string;
  flowId: string;
  input: unknown;
  /** When it fires, ISO 8601 UTC. */
  fireAt: string;
  /** The time zone its moment was meant in, for display. */
  timeZone?: string;
  status: 'pending' | 'fired' | 'cancelled';
  /** Bumped each time the key is scheduled again: a fired run's id derives from (key, generation). */
  generation: number;
  createdAt: string;
  updatedAt: string;
  /** The run and step that scheduled it, or the actor. */
  createdBy: string;
  /** The run it started, once fired. */
  runId?: string;
}

export interface ScheduleQuery {
  status?: ScheduleRecord['status'][];
  flowId?: string;
  keyPrefix?: string;
  fireFrom?: string;
  fireBefore?: string;
  limit?: number;
  /** Schedules after this one in fire order (the previous page's last). */
  after?: { fireAt: string; key: string };
}
