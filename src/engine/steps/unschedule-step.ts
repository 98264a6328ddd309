import { InputError } from '../../errors/index.js';
import type { CompiledValue } from '../expressions/template.js';
import type { StepExecutor } from './step-context.js';
import type { CompiledStepBase, RetryableStepBase, StepKind } from './step-kind.js';

export interface UnscheduleStep extends RetryableStepBase {
  kind: 'unschedule';
  key: string;
}

export interface CompiledUnschedule extends CompiledStepBase<'unschedule'> {
  key: CompiledValue;
}

declare module './step-kind.js' {
  interface StepDefinitions {
    unschedule: UnscheduleStep;
  }
  interface CompiledSteps {
    unschedule: CompiledUnschedule;
  }
}

/** Cancels the pending schedule under `key`; nothing when there is none. Output `{ key, cancelled }`. */
const executeUnschedule: StepExecutor<CompiledUnschedule> = async (step, frame, { execution }) => {
  const key = await execution.evaluate(step.key, frame.scope);
  if (typeof key !== 'string' || key === '') throw new InputError(`"key" must give a non-empty string, got ${JSON.stringify(key)}`, 'schedule.invalid_key');
  const cancelled = await execution.services.store.cancelSchedule(key, execution.services.now().toISOString());
  return { key, cancelled: cancelled !== undefined };
};

export const unscheduleStep: StepKind<UnscheduleStep, CompiledUnschedule> = {
  kind: 'unschedule',
  nature: () => 'effect',
  compile: (step, pointer, c) => ({ key: c.value(step.key, `${pointer}/key`) }),
  execute: executeUnschedule,
};
