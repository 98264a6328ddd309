import type { RunRecord } from '../store/records.js';

/** An execution backend: decides when and where the engine executes runs. */
export interface Runtime {
  /** Executes a run (now or when a slot frees) and resolves with its state afterwards. */
  submit(runId: string): Promise<RunRecord>;
  /** Resumes interrupted runs and starts firing timers. */
  start(): Promise<void>;
  /** Stops firing timers and waits for runs in flight to park or finish. */
  stop(): Promise<void>;
}
