import type { ErrorRecord } from '../../store/records.js';
import { StepFailedError } from '../step-failed-error.js';
import type { StepExecutor } from './step-context.js';
import type { CompiledStep, CompiledStepBase, RetryableStepBase, Step, StepKind } from './step-kind.js';

export interface TryStep extends RetryableStepBase {
  kind: 'try';
  steps: Step[];
  catch: Step[];
}

export interface CompiledTry extends CompiledStepBase<'try'> {
  steps: CompiledStep[];
  catch: CompiledStep[];
}

declare module './step-kind.js' {
  interface StepDefinitions {
    try: TryStep;
  }
  interface CompiledSteps {
    try: CompiledTry;
  }
}

/** Output: the last output of the steps, or of the catch block when one of them failed. */
const executeTry: StepExecutor<CompiledTry> = async (step, frame, { execution, state, saveState }) => {
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

/** Runs `steps`; when one fails for good, runs `catch` with `$error`. */
export const tryStep: StepKind<TryStep, CompiledTry> = {
  kind: 'try',
  nature: () => 'tracked',
  children: (step, pointer) => [
    { pointer: `${pointer}/steps`, steps: step.steps },
    { pointer: `${pointer}/catch`, steps: step.catch },
  ],
  compile: (step, pointer, c) => ({
    steps: c.block(step.steps, `${pointer}/steps`),
    // The catch block runs after the steps that ran: it may read those that finished.
    catch: c.block(step.catch, `${pointer}/catch`, { sees: step.steps }),
  }),
  execute: executeTry,
};
