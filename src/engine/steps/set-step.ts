import type { CompiledSet } from '../compiled-flow.js';
import type { StepExecutor } from './step-context.js';

export const executeSet: StepExecutor<CompiledSet> = (step, frame, { execution }) => execution.evaluate(step.values, frame.scope);
