import { InputError, StaffwireError, WaitSignal } from '../../errors/index.js';
import type { CompiledValue } from '../expressions/template.js';
import type { Duration } from '../flow-types.js';
import { parseDuration } from '../retry/duration.js';
import { eventSourceProblems } from '../validate/event-source.js';
import type { StepExecutor } from './step-context.js';
import type { CompiledStepBase, StepBase, StepKind } from './step-kind.js';
import { isTruthy } from './switch-step.js';

export interface ListenStep extends StepBase {
  kind: 'listen';
  connection: string;
  event: string;
  key: string;
  match: string;
  when?: string;
  timeout?: Duration;
  timeoutError?: string;
}

export interface CompiledListen extends CompiledStepBase<'listen'> {
  connection: string;
  event: string;
  key: CompiledValue;
  match: string;
  when: CompiledValue | undefined;
  timeoutMs: number | undefined;
  timeoutError: string | undefined;
}

declare module './step-kind.js' {
  interface StepDefinitions {
    listen: ListenStep;
  }
  interface CompiledSteps {
    listen: CompiledListen;
  }
}

/** Candidates looked at per pass: events with the key that `when` turns down are rare. */
const CANDIDATES = 100;

/**
 * Parks the run until an event of `event` from `connection` carries this run's `key` at
 * `match` (and satisfies `when`); output the event. Events that arrived after the run started,
 * before it began listening, count: they are looked up first, so "completed" arriving before
 * "sent" returned is not missed. On `timeout`, output null, or fail with `timeoutError`.
 */
const executeListen: StepExecutor<CompiledListen> = async (step, frame, { execution, path, state, saveState }) => {
  const services = execution.services;
  let listening = state?.listening as { value: string; since: string; until?: string } | undefined;
  if (!listening) {
    const key = await execution.evaluate(step.key, frame.scope);
    if ((typeof key !== 'string' && typeof key !== 'number') || key === '') {
      throw new InputError(`"key" must give a string or number to match the event by, got ${JSON.stringify(key)}`, 'listen.invalid_key');
    }
    const now = services.now();
    listening = {
      value: String(key),
      since: execution.run.createdAt,
      ...(step.timeoutMs === undefined ? {} : { until: new Date(now.getTime() + step.timeoutMs).toISOString() }),
    };
    await saveState({ listening });
  }
  const candidates = await services.store.findEvents({
    source: step.connection,
    type: step.event,
    path: step.match,
    value: listening.value,
    receivedFrom: listening.since,
    limit: CANDIDATES,
  });
  for (const delivery of candidates) {
    const event = delivery.event!;
    if (step.when && !isTruthy(await execution.evaluate(step.when, { ...frame.scope, input: event }))) continue;
    return { ...event, deliveryId: delivery.id };
  }
  if (listening.until !== undefined && new Date(listening.until) <= services.now()) {
    if (step.timeoutError === undefined) return null;
    // The key stays out of the message, which is free text: under a field named as the event names
    // it (`signerEmail`), whatever masks personal data by field name masks it too.
    const field = step.match.slice(step.match.lastIndexOf('.') + 1);
    throw new StaffwireError(`no ${step.event} from ${step.connection} with this run's ${step.match} came by ${listening.until}`, {
      code: step.timeoutError,
      category: 'raised',
      details: { match: step.match, [field]: listening.value },
    });
  }
  throw new WaitSignal([
    {
      kind: 'event',
      connection: step.connection,
      type: step.event,
      path: step.match,
      value: listening.value,
      step: path,
      since: listening.since,
      ...(listening.until === undefined ? {} : { until: listening.until }),
    },
  ]);
};

export const listenStep: StepKind<ListenStep, CompiledListen> = {
  kind: 'listen',
  nature: () => 'tracked',
  compile(step, pointer, c) {
    for (const p of eventSourceProblems(c.env, step.connection, step.event)) c.problem(`${pointer}/${p.field}`, p.message);
    return {
      connection: step.connection,
      event: step.event,
      key: c.value(step.key, `${pointer}/key`),
      match: step.match,
      when: step.when === undefined ? undefined : c.value(step.when, `${pointer}/when`),
      timeoutMs: parseDuration(step.timeout),
      timeoutError: step.timeoutError,
    };
  },
  execute: executeListen,
};
