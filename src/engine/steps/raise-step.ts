import { RaisedError } from '../../errors/index.js';
import type { CompiledValue } from '../expressions/template.js';
import type { CompiledStepBase, StepBase, StepKind } from './step-kind.js';

export interface RaiseStep extends StepBase {
  kind: 'raise';
  error: string;
  message?: string;
}

export interface CompiledRaise extends CompiledStepBase<'raise'> {
  error: string;
  message: CompiledValue;
}

declare module './step-kind.js' {
  interface StepDefinitions {
    raise: RaiseStep;
  }
  interface CompiledSteps {
    raise: CompiledRaise;
  }
}

/** Fails with a named error and its evaluated message. */
export const raiseStep: StepKind<RaiseStep, CompiledRaise> = {
  kind: 'raise',
  nature: () => 'pure',
  compile: (step, pointer, c) => ({ error: step.error, message: c.value(step.message ?? step.error, `${pointer}/message`) }),
  async execute(step, frame, { execution }) {
    const message = await execution.evaluate(step.message, frame.scope);
    throw new RaisedError(step.error, typeof message === 'string' ? message : JSON.stringify(message));
  },
};
