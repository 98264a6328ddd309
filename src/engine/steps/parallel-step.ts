import { WaitSignal } from '../../errors/index.js';
import { escapePointer } from '../expressions/template.js';
import type { StepExecutor } from './step-context.js';
import type { CompiledStep, CompiledStepBase, RetryableStepBase, Step, StepKind } from './step-kind.js';

export interface ParallelStep extends RetryableStepBase {
  kind: 'parallel';
  branches: Record<string, Step[]>;
}

export interface CompiledParallel extends CompiledStepBase<'parallel'> {
  branches: [name: string, steps: CompiledStep[]][];
}

declare module './step-kind.js' {
  interface StepDefinitions {
    parallel: ParallelStep;
  }
  interface CompiledSteps {
    parallel: CompiledParallel;
  }
}

/** Branches run together; output `{ <branch>: <its last step's output> }`. A failed branch fails the step once all settle. */
const executeParallel: StepExecutor<CompiledParallel> = async (step, frame, { execution }) => {
  const settled = await Promise.allSettled(step.branches.map(([, steps]) => execution.block(steps, frame)));
  const failure = settled.find((s) => s.status === 'rejected' && !(s.reason instanceof WaitSignal));
  if (failure) throw (failure as PromiseRejectedResult).reason;
  const waits = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as WaitSignal] : []));
  if (waits.length > 0) throw WaitSignal.all(waits);
  return Object.fromEntries(step.branches.map(([name], i) => [name, (settled[i] as PromiseFulfilledResult<unknown>).value]));
};

/** Runs its named branches at the same time. */
export const parallelStep: StepKind<ParallelStep, CompiledParallel> = {
  kind: 'parallel',
  nature: () => 'tracked',
  children: (step, pointer) =>
    Object.entries(step.branches).map(([name, steps]) => ({ pointer: `${pointer}/branches/${escapePointer(name)}`, steps, together: 'concurrent' as const })),
  compile: (step, pointer, c) => ({
    branches: Object.entries(step.branches).map(([name, steps]) => [name, c.block(steps, `${pointer}/branches/${escapePointer(name)}`)]),
  }),
  execute: executeParallel,
};
