import { InputError, WaitSignal } from '../../errors/index.js';
import type { CompiledValue } from '../expressions/template.js';
import type { Duration } from '../flow-types.js';
import { parseDuration } from '../retry/duration.js';
import type { StepExecutor } from './step-context.js';
import type { CompiledStepBase, RetryableStepBase, StepKind } from './step-kind.js';

export interface WaitStep extends RetryableStepBase {
  kind: 'wait';
  for?: Duration;
  until?: string;
}

export interface CompiledWait extends CompiledStepBase<'wait'> {
  forMs: number | undefined;
  until: CompiledValue | undefined;
}

declare module './step-kind.js' {
  interface StepDefinitions {
    wait: WaitStep;
  }
  interface CompiledSteps {
    wait: CompiledWait;
  }
}

/** Parks the run until a moment; output `{ until }`. The deadline is fixed on first entry. */
const executeWait: StepExecutor<CompiledWait> = async (step, frame, { execution, path, state, saveState }) => {
  let until = state?.until as string | undefined;
  if (until === undefined) {
    const now = execution.services.now();
    if (step.forMs !== undefined) {
      until = new Date(now.getTime() + step.forMs).toISOString();
    } else {
      const value = await execution.evaluate(step.until!, frame.scope);
      const at = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
      if (!at || Number.isNaN(at.getTime())) {
        throw new InputError(`"until" must give a timestamp, got ${JSON.stringify(value)}`, 'wait.invalid_until');
      }
      until = at.toISOString();
    }
    await saveState({ until });
  }
  if (new Date(until) > execution.services.now()) throw new WaitSignal([{ kind: 'moment', until, step: path, reason: 'wait' }]);
  return { until };
};

/** Parks the run for a duration or until a moment. */
export const waitStep: StepKind<WaitStep, CompiledWait> = {
  kind: 'wait',
  nature: () => 'tracked',
  compile: (step, pointer, c) => ({
    forMs: parseDuration(step.for),
    until: step.until === undefined ? undefined : c.timestamp(step.until, `${pointer}/until`),
  }),
  execute: executeWait,
};
