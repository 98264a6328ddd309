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
  /** When a waiting run is due to continue. */
  waitingUntil?: string;
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

/** A moment at which something must happen; `id` is unique (for run wake-ups: the run id). */
export interface TimerRecord {
  id: string;
  runId: string;
  fireAt: string;
}

export interface RunQuery {
  flowId?: string;
  status?: RunStatus[];
  parentRunId?: string;
  /** Newest first; at most this many. */
  limit?: number;
}
