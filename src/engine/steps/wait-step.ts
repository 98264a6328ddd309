import { InputError, WaitSignal } from '../../errors/index.js';
import type { CompiledWait } from '../compiled-flow.js';
import type { StepExecutor } from './step-context.js';

/** Parks the run until a moment; output `{ until }`. The deadline is fixed on first entry. */
export const executeWait: StepExecutor<CompiledWait> = async (step, frame, { execution, state, saveState }) => {
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
  if (new Date(until) > execution.services.now()) throw new WaitSignal(new Date(until), `step ${step.id}`);
  return { until };
};
