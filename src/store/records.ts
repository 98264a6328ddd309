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
  | { kind: 'child'; runId: string; step: string; until?: string };

/** What the journal records. */
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
  /** Newest first; at most this many. */
  limit?: number;
}
