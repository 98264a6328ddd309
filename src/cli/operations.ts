import type { DeliveryOutcome, DeliveryRecord, RunRecord, RunStatus, ScheduleRecord, StepRecord, StoredJournalEntry } from '../store/records.js';

/** A run with where its steps stand and its history. */
export interface RunDetail {
  run: RunRecord;
  steps: StepRecord[];
  journal: StoredJournalEntry[];
}

export interface RunFilter {
  flowId?: string;
  status?: RunStatus[];
  /** Created at or after, UTC ISO. */
  from?: string;
  /** Created before, UTC ISO. */
  to?: string;
  businessKey?: string;
  limit: number;
}

export interface ScheduleFilter {
  status: ScheduleRecord['status'][];
  flowId?: string;
  keyPrefix?: string;
  from?: string;
  to?: string;
  limit: number;
}

export interface DeliveryFilter {
  source?: string;
  outcome?: DeliveryOutcome[];
  since?: string;
  limit: number;
}

/**
 * What the `runs`, `schedules` and `events` commands do, against the local store or a running
 * server (`--server`): the same answers and the same errors either way, so a command prints the
 * same lines wherever its data lives. Not-found reads are `undefined`; refused changes throw
 * InputError with the engine's (or server's) code and message.
 */
export interface Operations {
  listRuns(filter: RunFilter): Promise<RunRecord[]>;
  getRun(id: string): Promise<RunDetail | undefined>;
  cancelRun(id: string): Promise<RunRecord>;
  listSchedules(filter: ScheduleFilter): Promise<ScheduleRecord[]>;
  getSchedule(key: string): Promise<ScheduleRecord | undefined>;
  cancelSchedule(key: string): Promise<ScheduleRecord>;
  moveSchedule(key: string, at: string): Promise<ScheduleRecord>;
  listDeliveries(filter: DeliveryFilter): Promise<DeliveryRecord[]>;
  getDelivery(id: number): Promise<DeliveryRecord | undefined>;
  close(): Promise<void>;
}
