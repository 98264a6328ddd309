import { InputError } from '../../errors/index.js';
import { holdsExpression, type CompiledValue } from '../expressions/template.js';
import { isTimeZone } from '../validate/time-checks.js';
import type { StepExecutor } from './step-context.js';
import type { CompiledStepBase, RetryableStepBase, StepKind } from './step-kind.js';

export interface ScheduleStep extends RetryableStepBase {
  kind: 'schedule';
  key: string;
  flow: string;
  input?: unknown;
  at: string;
  timeZone?: string;
}

export interface CompiledSchedule extends CompiledStepBase<'schedule'> {
  key: CompiledValue;
  flow: string;
  input: CompiledValue;
  at: CompiledValue;
  /** Compiled like `at`: the zone usually comes with the data (the leaver's work location). */
  timeZone: CompiledValue | undefined;
}

declare module './step-kind.js' {
  interface StepDefinitions {
    schedule: ScheduleStep;
  }
  interface CompiledSteps {
    schedule: CompiledSchedule;
  }
}

/**
 * Schedules flow `flow` with `input` at moment `at` under business key `key`, replacing what
 * the key held. Repeating the step (a crash, a retry) puts the same schedule again, which
 * changes nothing. Output `{ key, fireAt, generation }`.
 */
const executeSchedule: StepExecutor<CompiledSchedule> = async (step, frame, { execution, path, recordInput }) => {
  const key = await execution.evaluate(step.key, frame.scope);
  if (typeof key !== 'string' || key === '') throw new InputError(`"key" must give a non-empty string, got ${JSON.stringify(key)}`, 'schedule.invalid_key');
  const at = await execution.evaluate(step.at, frame.scope);
  const moment = typeof at === 'string' || typeof at === 'number' ? new Date(at) : undefined;
  if (!moment || Number.isNaN(moment.getTime())) throw new InputError(`"at" must give a timestamp, got ${JSON.stringify(at)}`, 'schedule.invalid_at');
  const timeZone = step.timeZone === undefined ? undefined : await execution.evaluate(step.timeZone, frame.scope);
  if (timeZone !== undefined && (typeof timeZone !== 'string' || !isTimeZone(timeZone))) {
    throw new InputError(`"timeZone" must give an IANA time zone such as Asia/Shanghai, got ${JSON.stringify(timeZone)}`, 'schedule.invalid_time_zone');
  }
  const services = execution.services;
  const input = (await execution.evaluate(step.input, frame.scope)) ?? null;
  recordInput({ key, at: moment.toISOString(), ...(timeZone ? { timeZone } : {}), input });
  const scheduled = await services.store.putSchedule({
    key,
    flowId: step.flow,
    input,
    fireAt: moment.toISOString(),
    ...(timeZone ? { timeZone } : {}),
    createdBy: `run:${execution.run.id}/${path}`,
    at: services.now().toISOString(),
  });
  return { key: scheduled.key, fireAt: scheduled.fireAt, generation: scheduled.generation };
};

export const scheduleStep: StepKind<ScheduleStep, CompiledSchedule> = {
  kind: 'schedule',
  nature: () => 'effect',
  compile: (step, pointer, c) => {
    if (step.timeZone !== undefined && !holdsExpression(step.timeZone) && !isTimeZone(step.timeZone)) {
      c.problem(`${pointer}/timeZone`, `"${step.timeZone}" is not an IANA time zone, such as Asia/Shanghai or America/Los_Angeles`);
    }
    return {
      key: c.value(step.key, `${pointer}/key`),
      flow: step.flow,
      input: c.value(step.input ?? {}, `${pointer}/input`),
      at: c.timestamp(step.at, `${pointer}/at`),
      timeZone: step.timeZone === undefined ? undefined : c.value(step.timeZone, `${pointer}/timeZone`),
    };
  },
  execute: executeSchedule,
};
