import type { CompiledValue } from '../expressions/template.js';
import type { CompiledStepBase, StepBase, StepKind } from './step-kind.js';

export interface ReturnStep extends StepBase {
  kind: 'return';
  output?: unknown;
}

export interface CompiledReturn extends CompiledStepBase<'return'> {
  output: CompiledValue;
}

declare module './step-kind.js' {
  interface StepDefinitions {
    return: ReturnStep;
  }
  interface CompiledSteps {
    return: CompiledReturn;
  }
}

/** Evaluates the output; the engine checkpoints it and ends the run, from any depth. */
export const returnStep: StepKind<ReturnStep, CompiledReturn> = {
  kind: 'return',
  nature: () => 'pure',
  endsRun: true,
  compile: (step, pointer, c) => ({ output: c.value(step.output ?? null, `${pointer}/output`) }),
  execute: (step, frame, { execution }) => execution.evaluate(step.output, frame.scope),
};
