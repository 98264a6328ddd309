import { WaitSignal } from '../../errors/index.js';
import type { CompiledParallel } from '../compiled-flow.js';
import type { StepExecutor } from './step-context.js';

/** Branches run together; output `{ <branch>: <its last step's output> }`. A failed branch fails the step once all settle. */
export const executeParallel: StepExecutor<CompiledParallel> = async (step, frame, { execution }) => {
  const settled = await Promise.allSettled(step.branches.map(([, steps]) => execution.block(steps, frame)));
  const failure = settled.find((s) => s.status === 'rejected' && !(s.reason instanceof WaitSignal));
  if (failure) throw (failure as PromiseRejectedResult).reason;
  const waits = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as WaitSignal] : []));
  if (waits.length > 0) throw waits.reduce((a, b) => (b.until < a.until ? b : a));
  return Object.fromEntries(step.branches.map(([name], i) => [name, (settled[i] as PromiseFulfilledResult<unknown>).value]));
};
