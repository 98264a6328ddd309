import type { StateChange } from '../../store/store.js';
import type { CompiledStepBase } from './step-kind.js';
import type { Frame } from '../frame.js';
import type { RunExecution } from '../run-execution.js';

/** What a step kind's executor gets besides its step and frame. */
export interface StepContext {
  execution: RunExecution;
  /** The step's path in this run, e.g. `each_leaver[3].notify`. */
  path: string;
  /** 1 for the first attempt, counted across crashes. */
  attempt: number;
  /** Bookkeeping saved by an earlier attempt or process (chosen branch, wait deadline…). */
  state: Record<string, unknown> | undefined;
  /**
   * Records bookkeeping so a resumed run decides the same way. `durable` writes it before
   * returning: needed when the step is about to create something outside its own checkpoints.
   * `changes` to the key/value state are written in the same transaction (it is then durable).
   */
  saveState(state: Record<string, unknown>, options?: { durable?: boolean; changes?: readonly StateChange[] }): Promise<void>;
  /**
   * Keeps what the step is about to act on (its evaluated input) on its checkpoints from now on.
   * It writes nothing itself: it goes with the step's outcome, or its next attempt's start.
   */
  recordInput(input: unknown): void;
}

export type StepExecutor<S extends CompiledStepBase> = (step: S, frame: Frame, context: StepContext) => Promise<unknown>;

