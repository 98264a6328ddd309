import type { RunRecord } from '../store/records.js';

/** An execution backend: decides when and where the engine executes runs. */
export interface Runtime {
  /** Executes a run (now or when a slot frees, here or on a worker) and resolves with its state afterwards. */
  submit(runId: string): Promise<RunRecord>;
  /** Something may have become due (a run started, a run woken): look at the store now. */
  poll(): Promise<void>;
  /** Resolves once the runs this process executes have finished or parked. */
  idle(): Promise<unknown>;
  /** Resumes interrupted runs and starts firing timers. */
  start(): Promise<void>;
  /** Stops firing timers and waits for runs in flight to park or finish. */
  stop(): Promise<void>;
}
