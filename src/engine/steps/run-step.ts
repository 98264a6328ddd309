import { StaffwireError, WaitSignal } from '../../errors/index.js';
import type { CompiledValue } from '../expressions/template.js';
import type { StepExecutor } from './step-context.js';
import type { CompiledStepBase, RetryableStepBase, StepKind } from './step-kind.js';

export interface RunStep extends RetryableStepBase {
  kind: 'run';
  flow: string;
  input?: unknown;
}

export interface CompiledRun extends CompiledStepBase<'run'> {
  flow: string;
  input: CompiledValue;
}

declare module './step-kind.js' {
  interface StepDefinitions {
    run: RunStep;
  }
  interface CompiledSteps {
    run: CompiledRun;
  }
}

/**
 * Runs another flow as a child run and returns its output; waits with it when it waits. The
 * child executes here unless another live process holds it: then this run parks, and the
 * child's end wakes it through the store.
 */
const executeRun: StepExecutor<CompiledRun> = async (step, frame, { execution, path, state, saveState, recordInput }) => {
  const services = execution.services;
  let childRunId = state?.childRunId as string | undefined;
  let child = childRunId === undefined ? undefined : await services.store.getRun(childRunId);
  if (!child) {
    const flow = await services.subFlow(step.flow, execution.run);
    const input = await execution.evaluate(step.input, frame.scope);
    recordInput(input);
    childRunId ??= services.newRunId();
    // The id is saved before the child exists, so a crash in between cannot start a second child.
    await saveState({ childRunId }, { durable: true });
    child = await services.startRun(flow, input, {
      runId: childRunId,
      parentRunId: execution.run.id,
      parentStepPath: path,
      ...(execution.run.subFlows ? { subFlows: execution.run.subFlows } : {}),
    });
  }
  if (child.status !== 'succeeded' && child.status !== 'failed' && child.status !== 'cancelled') {
    child = await services.executeRun(child.id);
  }
  switch (child.status) {
    case 'succeeded':
      return child.output;
    case 'waiting':
      // The child's end wakes this run; its own deadline is when to look again at the latest.
      throw new WaitSignal([{ kind: 'child', runId: child.id, step: path, ...(child.waitingUntil ? { until: child.waitingUntil } : {}) }]);
    case 'queued':
    case 'running':
      // Held by a live process elsewhere. Its end wakes this run; the lease bounds the wait should
      // that process die without ending it.
      throw new WaitSignal([{ kind: 'child', runId: child.id, step: path, until: new Date(services.now().getTime() + services.leaseMs).toISOString() }]);
    default:
      throw new StaffwireError(`sub-flow ${step.flow} (run ${child.id}) ${child.status}: ${child.error?.message ?? 'no error recorded'}`, {
        code: child.error?.code ?? `subflow.${child.status}`,
        category: child.error && child.error.category !== 'cancelled' ? child.error.category : 'internal',
        details: { childRunId: child.id },
      });
  }
};

/** Runs another flow as a child run; output its output. */
export const runStep: StepKind<RunStep, CompiledRun> = {
  kind: 'run',
  nature: () => 'effect',
  startsFlows: (step) => [step.flow],
  compile: (step, pointer, c) => ({ flow: step.flow, input: c.value(step.input ?? {}, `${pointer}/input`) }),
  execute: executeRun,
};
