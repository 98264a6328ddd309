import { InputError, WaitSignal } from '../../errors/index.js';
import type { ErrorRecord, StepRecord } from '../../store/records.js';
import type { CompiledValue } from '../expressions/template.js';
import { StepFailedError } from '../step-failed-error.js';
import type { StepExecutor } from './step-context.js';
import type { CompiledStep, CompiledStepBase, RetryableStepBase, Step, StepKind } from './step-kind.js';

export interface ForStep extends RetryableStepBase {
  kind: 'for';
  each: string | unknown[];
  concurrency?: number;
  onFailure?: 'stop' | 'collect';
  steps: Step[];
}

export interface CompiledFor extends CompiledStepBase<'for'> {
  each: CompiledValue;
  concurrency: number;
  onFailure: 'stop' | 'collect';
  steps: CompiledStep[];
}

declare module './step-kind.js' {
  interface StepDefinitions {
    for: ForStep;
  }
  interface CompiledSteps {
    for: CompiledFor;
  }
}

interface ItemFailure {
  index: number;
  item: unknown;
  error: ErrorRecord;
}

/** The kind of the record that marks one collected item failure, at path `<for path>[<index>]`. */
export const FOR_ITEM_KIND = 'for.item';

/**
 * stop: output is the list of per-item outputs; the first failure fails the step once items in
 * flight settle. collect: every item runs; output `{ results, failures }` with null results for
 * failed items.
 */
const executeFor: StepExecutor<CompiledFor> = async (step, frame, { execution, path, state, saveState }) => {
  let items = state?.items as unknown[] | undefined;
  if (items === undefined) {
    const evaluated = await execution.evaluate(step.each, frame.scope);
    if (evaluated === undefined || evaluated === null) items = [];
    else if (Array.isArray(evaluated)) items = evaluated;
    else throw new InputError(`"each" must give a list, got ${typeof evaluated}`, 'for.not_a_list');
    await saveState({ items });
  }
  const list = items;
  const results: unknown[] = new Array(list.length).fill(null);
  // A collected failure is final: when the run resumes (another item waited, or a crash), it is
  // reported again, not retried outside the retry policy. Each is its own small record, so
  // collecting n failures writes O(n), not the whole list again per failure.
  const failures: ItemFailure[] = [];
  const failedEarlier = new Set<number>();
  if (step.onFailure === 'collect') {
    for (let index = 0; index < list.length; index++) {
      const marker = execution.recorded(`${path}[${index}]`);
      if (marker?.kind === FOR_ITEM_KIND && marker.error) {
        failures.push({ index, item: list[index], error: marker.error });
        failedEarlier.add(index);
      }
    }
  }
  let firstFailure: unknown;
  const waits: WaitSignal[] = [];
  let next = 0;

  const worker = async () => {
    while (next < list.length && firstFailure === undefined) {
      const index = next++;
      if (failedEarlier.has(index)) continue;
      const iteration = {
        scope: { ...frame.scope, steps: { ...frame.scope.steps }, item: list[index], index },
        prefix: `${path}[${index}].`,
      };
      try {
        results[index] = await execution.block(step.steps, iteration);
      } catch (err) {
        if (err instanceof WaitSignal) {
          waits.push(err);
        } else if (step.onFailure === 'collect' && err instanceof StepFailedError) {
          failures.push({ index, item: list[index], error: err.record });
          await execution.checkpoint(itemFailure(execution.run.id, path, step.id, index, err.record, execution.services.now()), true);
        } else if (firstFailure === undefined) {
          firstFailure = err;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(step.concurrency, list.length) }, worker));
  if (firstFailure !== undefined) throw firstFailure;
  if (waits.length > 0) throw WaitSignal.all(waits);
  if (step.onFailure === 'collect') {
    failures.sort((a, b) => a.index - b.index);
    return { results, failures };
  }
  return results;
};

function itemFailure(runId: string, forPath: string, stepId: string, index: number, error: ErrorRecord, now: Date): StepRecord {
  const at = now.toISOString();
  return { runId, path: `${forPath}[${index}]`, stepId: `${stepId}[${index}]`, kind: FOR_ITEM_KIND, status: 'failed', attempts: 1, startedAt: at, updatedAt: at, finishedAt: at, error };
}

/** Runs its steps for each item of `each`. */
export const forStep: StepKind<ForStep, CompiledFor> = {
  kind: 'for',
  nature: () => 'tracked',
  children: (step, pointer) => [{ pointer: `${pointer}/steps`, steps: step.steps, iterates: true }],
  compile: (step, pointer, c) => ({
    each: c.value(step.each, `${pointer}/each`),
    concurrency: step.concurrency ?? 1,
    onFailure: step.onFailure ?? 'stop',
    steps: c.block(step.steps, `${pointer}/steps`),
  }),
  execute: executeFor,
};
