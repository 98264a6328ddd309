import type { CompiledReturn } from '../compiled-flow.js';
import type { StepExecutor } from './step-context.js';

/** Evaluates the output; the engine checkpoints it and ends the run. */
export const executeReturn: StepExecutor<CompiledReturn> = (step, frame, { execution }) =>
  execution.evaluate(step.output, frame.scope);
