import type { CompiledSwitch } from '../compiled-flow.js';
import type { StepExecutor } from './step-context.js';

/** Output: `{ branch, output }` — the case index (or "default") and its last step's output. */
export const executeSwitch: StepExecutor<CompiledSwitch> = async (step, frame, { execution, state, saveState }) => {
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
