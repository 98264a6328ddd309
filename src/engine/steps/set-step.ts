import type { CompiledValue } from '../expressions/template.js';
import type { CompiledStepBase, RetryableStepBase, StepKind } from './step-kind.js';

export interface SetStep extends RetryableStepBase {
  kind: 'set';
  values: Record<string, unknown>;
}

export interface CompiledSet extends CompiledStepBase<'set'> {
  values: CompiledValue;
}

declare module './step-kind.js' {
  interface StepDefinitions {
    set: SetStep;
  }
  interface CompiledSteps {
    set: CompiledSet;
  }
}

/** Computes `values`; output the evaluated object. */
export const setStep: StepKind<SetStep, CompiledSet> = {
  kind: 'set',
  nature: () => 'pure',
  compile: (step, pointer, c) => ({ values: c.value(step.values, `${pointer}/values`) }),
  execute: (step, frame, { execution }) => execution.evaluate(step.values, frame.scope),
};
