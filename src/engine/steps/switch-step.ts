import type { CompiledValue } from '../expressions/template.js';
import type { StepExecutor } from './step-context.js';
import type { CompiledStep, CompiledStepBase, RetryableStepBase, Step, StepKind } from './step-kind.js';

export interface SwitchStep extends RetryableStepBase {
  kind: 'switch';
  cases: { when: string; steps: Step[] }[];
  default?: Step[];
}

export interface CompiledSwitch extends CompiledStepBase<'switch'> {
  cases: { when: CompiledValue; steps: CompiledStep[] }[];
  otherwise: CompiledStep[] | undefined;
}

declare module './step-kind.js' {
  interface StepDefinitions {
    switch: SwitchStep;
  }
  interface CompiledSteps {
    switch: CompiledSwitch;
  }
}

/** Output: `{ branch, output }` — the case index (or "default") and its last step's output. */
const executeSwitch: StepExecutor<CompiledSwitch> = async (step, frame, { execution, state, saveState }) => {
  let branch = state?.branch as number | 'default' | 'none' | undefined;
  if (branch === undefined) {
    branch = step.otherwise ? 'default' : 'none';
    for (let i = 0; i < step.cases.length; i++) {
      if (isTruthy(await execution.evaluate(step.cases[i]!.when, frame.scope))) {
        branch = i;
        break;
      }
    }
    // Conditions may read the clock: remember the choice so a resumed run takes the same branch.
    await saveState({ branch });
  }
  const steps = branch === 'default' ? step.otherwise : branch === 'none' ? undefined : step.cases[branch]?.steps;
  const output = steps ? await execution.block(steps, frame) : undefined;
  return { branch, output };
};

/** JSONata truthiness: empty strings, zero, empty arrays and objects, null and nothing are false. */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.some(isTruthy);
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Runs the steps of the first case whose `when` holds, else `default`. */
export const switchStep: StepKind<SwitchStep, CompiledSwitch> = {
  kind: 'switch',
  nature: () => 'tracked',
  children: (step, pointer) => [
    ...step.cases.map((c, i) => ({ pointer: `${pointer}/cases/${i}/steps`, steps: c.steps, together: 'exclusive' as const })),
    ...(step.default ? [{ pointer: `${pointer}/default`, steps: step.default, together: 'exclusive' as const }] : []),
  ],
  compile: (step, pointer, c) => ({
    cases: step.cases.map((kase, i) => ({
      when: c.value(kase.when, `${pointer}/cases/${i}/when`),
      steps: c.block(kase.steps, `${pointer}/cases/${i}/steps`),
    })),
    otherwise: step.default ? c.block(step.default, `${pointer}/default`) : undefined,
  }),
  execute: executeSwitch,
};
