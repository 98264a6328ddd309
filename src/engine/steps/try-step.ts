import type { ErrorRecord } from '../../store/records.js';
import type { CompiledTry } from '../compiled-flow.js';
import { StepFailedError } from '../step-failed-error.js';
import type { StepExecutor } from './step-context.js';

/** Output: the last output of the steps, or of the catch block when one of them failed. */
export const executeTry: StepExecutor<CompiledTry> = async (step, frame, { execution, state, saveState }) => {
  let caught = state?.caught as ErrorRecord | undefined;
  if (caught === undefined) {
    try {
      return await execution.block(step.steps, frame);
    } catch (err) {
      if (!(err instanceof StepFailedError)) throw err;
      caught = err.record;
      // Once caught, a resumed run goes straight to the catch block.
      await saveState({ caught });
    }
  }
  return execution.block(step.catch, { ...frame, scope: { ...frame.scope, error: caught } });
};
