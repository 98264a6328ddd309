import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { idempotencyKey } from '../../src/engine/idempotency-key.js';
import { FlowInvalidError } from '../../src/engine/flow-invalid-error.js';
import type { FlowDefinition, RetryPolicy, Step } from '../../src/engine/flow-types.js';
import { createHarness, defineFlow, type Harness } from './helpers.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NO_DELAY: RetryPolicy = { maxAttempts: 3, initialDelay: 0, jitter: false };
const MINUTE = 60_000;

let h: Harness;

beforeEach(() => {
  h = createHarness();
});

afterEach(async () => {
  await h.close();
});

describe('a step of no known kind', () => {
  it('fails the compile with the step named, before any run exists', async () => {
    const unknownKind = defineFlow([{ id: 'beam', kind: 'teleport' } as unknown as Step]);
    expect(() => h.engine.compile(unknownKind)).toThrow(FlowInvalidError);
    expect(() => h.engine.compile(unknownKind)).toThrow(/\/steps\/0\b.*(kind|teleport)/);
    expect(await h.store.listRuns()).toHaveLength(0);
  });
});

describe('call', () => {
  it('evaluates its input against earlier steps and hands the action a UUID idempotency key', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([
        { id: 'who', kind: 'set', values: { name: '${$uppercase($input.name)}' } },
        { id: 'greet', kind: 'call', action: 'probe.record', with: { text: 'Hello ${$steps.who.name}', next: '${$input.n + 1}' } },
      ]),
      { name: 'ada', n: 1 },
    );

    expect(run.status).toBe('succeeded');
    const [call] = h.probe.callsOf('record');
    expect(call?.input).toEqual({ text: 'Hello ADA', next: 2 });
    expect(call?.idempotencyKey).toMatch(UUID_V4);
    expect(call?.attempt).toBe(1);
    expect(step('greet').output).toEqual({ input: { text: 'Hello ADA', next: 2 }, idempotencyKey: call?.idempotencyKey, attempt: 1 });
  });

  it('keeps the key of a step iteration across retries and gives every other iteration and run its own', async () => {
    const flow = defineFlow([
      {
        id: 'each',
        kind: 'for',
        each: ['a', 'b', 'c'],
        steps: [{ id: 'create', kind: 'call', action: 'probe.fail', with: { key: '${$run.id}-${$item}', failures: 1 }, retry: NO_DELAY }],
      },
    ]);
    const first = await h.runFlow(flow);
    const second = await h.runFlow(flow);

    expect(first.run.status).toBe('succeeded');
    expect(second.run.status).toBe('succeeded');
    const keysOf = (runId: string, item: string) => h.probe.callsOf('fail', `${runId}-${item}`).map((c) => c.idempotencyKey);
    for (const item of ['a', 'b', 'c']) {
      const keys = keysOf(first.run.id, item);
      expect(keys).toHaveLength(2);
      expect(keys[0]).toBe(keys[1]);
    }
    const distinct = new Set(h.probe.callsOf('fail').map((c) => c.idempotencyKey));
    expect(distinct.size).toBe(6);
    expect(keysOf(first.run.id, 'b')[0]).toBe(idempotencyKey(first.run.id, 'each[1].create'));
  });

  it('records its evaluated input on its checkpoint, on every attempt and when it fails', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([
        { id: 'sent', kind: 'call', action: 'probe.record', with: { text: 'Hello ${$input.name}' } },
        { id: 'flaky', kind: 'call', action: 'probe.fail', with: { key: 'k-${$input.name}', failures: 1 }, retry: NO_DELAY },
        { id: 'broken', kind: 'call', action: 'probe.fail', with: { key: 'never-${$input.name}' } },
      ]),
      { name: 'ada' },
    );

    expect(run.status).toBe('failed');
    expect(step('sent')).toMatchObject({ status: 'succeeded', input: { text: 'Hello ada' } });
    expect(step('flaky')).toMatchObject({ status: 'succeeded', attempts: 2, input: { key: 'k-ada', failures: 1 } });
    expect(step('broken')).toMatchObject({ status: 'failed', input: { key: 'never-ada' } });
  });

  it('fails with call.invalid_input when the evaluated input breaks the action schema', async () => {
    const { run } = await h.runFlow(
      defineFlow([{ id: 'bad', kind: 'call', action: 'probe.fail', with: { key: '${$input.missing}' } }]),
    );

    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'call.invalid_input', category: 'validation', step: 'bad' });
    expect(h.probe.calls).toHaveLength(0);
  });
});

describe('set', () => {
  it('outputs its evaluated values, which later steps read', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([
        { id: 'pay', kind: 'set', values: { gross: '${$input.salary * 12}', currency: 'EUR', note: 'year ${$input.year}' } },
        { id: 'use', kind: 'set', values: { net: '${$steps.pay.gross * 0.5}' } },
      ]),
      { salary: 1000, year: 2030 },
    );

    expect(step('pay').output).toEqual({ gross: 12000, currency: 'EUR', note: 'year 2030' });
    expect(run.output).toEqual({ net: 6000 });
  });
});

describe('switch', () => {
  const flow = () =>
    defineFlow([
      {
        id: 'route',
        kind: 'switch',
        cases: [
          { when: '${$input.n > 10}', steps: [{ id: 'big', kind: 'set', values: { size: 'big' } }] },
          { when: '${$input.n > 5}', steps: [{ id: 'medium', kind: 'set', values: { size: 'medium' } }] },
        ],
        default: [{ id: 'small', kind: 'set', values: { size: 'small' } }],
      },
    ]);

  it('takes the first case whose condition holds, even when later ones hold too', async () => {
    const { run, steps } = await h.runFlow(flow(), { n: 20 });

    expect(run.output).toEqual({ branch: 0, output: { size: 'big' } });
    expect(steps.has('medium')).toBe(false);
    expect(steps.has('small')).toBe(false);
  });

  it('takes a later case when earlier ones do not hold', async () => {
    const { run } = await h.runFlow(flow(), { n: 7 });

    expect(run.output).toEqual({ branch: 1, output: { size: 'medium' } });
  });

  it('takes the default when no case holds', async () => {
    const { run, steps } = await h.runFlow(flow(), { n: 1 });

    expect(run.output).toEqual({ branch: 'default', output: { size: 'small' } });
    expect(steps.has('big')).toBe(false);
  });

  it('runs nothing and says so when no case holds and there is no default', async () => {
    const { run, steps } = await h.runFlow(
      defineFlow([
        { id: 'route', kind: 'switch', cases: [{ when: '${$input.n > 10}', steps: [{ id: 'big', kind: 'call', action: 'probe.record' }] }] },
      ]),
      { n: 1 },
    );

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ branch: 'none' });
    expect(steps.has('big')).toBe(false);
    expect(h.probe.calls).toHaveLength(0);
  });
});

describe('for', () => {
  it('outputs one result per item, in item order, with $item and $index in scope', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([
        {
          id: 'each',
          kind: 'for',
          each: '${$input.people}',
          concurrency: 3,
          steps: [
            { id: 'wait_turn', kind: 'call', action: 'probe.hold', with: { until: 3 } },
            { id: 'echo', kind: 'call', action: 'probe.echo', with: { name: '${$item.name}', index: '${$index}' } },
          ],
        },
      ]),
      { people: ['ann', 'bob', 'cy', 'dee', 'eve', 'fay'].map((name) => ({ name })) },
    );

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual(['ann', 'bob', 'cy', 'dee', 'eve', 'fay'].map((name, index) => ({ name, index })));
    expect(step('each[5].echo').output).toEqual({ name: 'fay', index: 5 });
  });

  it('keeps up to `concurrency` items in flight at once, and no more', async () => {
    const { run } = await h.runFlow(
      defineFlow([
        { id: 'each', kind: 'for', each: [1, 2, 3, 4, 5, 6], concurrency: 3, steps: [{ id: 'work', kind: 'call', action: 'probe.hold', with: { until: 3 } }] },
      ]),
    );

    expect(run.status).toBe('succeeded');
    expect(h.probe.callsOf('hold')).toHaveLength(6);
    expect(h.probe.maxInFlight).toBe(3);
  });

  it('runs one item at a time by default', async () => {
    const { run } = await h.runFlow(
      defineFlow([{ id: 'each', kind: 'for', each: [1, 2, 3], steps: [{ id: 'work', kind: 'call', action: 'probe.hold', with: { until: 1 } }] }]),
    );

    expect(run.status).toBe('succeeded');
    expect(h.probe.maxInFlight).toBe(1);
  });

  it('iterates a literal list and treats a missing list as empty', async () => {
    const literal = await h.runFlow(
      defineFlow([{ id: 'each', kind: 'for', each: [10, 20], steps: [{ id: 'double', kind: 'set', values: { v: '${$item * 2}' } }] }]),
    );
    const missing = await h.runFlow(
      defineFlow([{ id: 'each', kind: 'for', each: '${$input.nothing}', steps: [{ id: 'double', kind: 'set', values: { v: '${$item * 2}' } }] }]),
    );

    expect(literal.run.output).toEqual([{ v: 20 }, { v: 40 }]);
    expect(missing.run.output).toEqual([]);
  });

  it('fails with for.not_a_list when `each` gives something else', async () => {
    const { run } = await h.runFlow(
      defineFlow([{ id: 'each', kind: 'for', each: '${$input.one}', steps: [{ id: 'x', kind: 'set', values: {} }] }]),
      { one: { not: 'a list' } },
    );

    expect(run.error).toMatchObject({ code: 'for.not_a_list', step: 'each' });
  });

  it('stops at the first failed item by default: later items never start', async () => {
    const { run, steps } = await h.runFlow(
      defineFlow([
        {
          id: 'each',
          kind: 'for',
          each: [1, 2, 3],
          steps: [
            { id: 'check', kind: 'switch', cases: [{ when: '${$item = 2}', steps: [{ id: 'reject', kind: 'raise', error: 'ItemRejected', message: 'item ${$item}' }] }] },
            { id: 'save', kind: 'call', action: 'probe.record', with: { item: '${$item}' } },
          ],
        },
      ]),
    );

    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'ItemRejected', message: 'item 2', category: 'raised', step: 'each[1].reject' });
    expect(h.probe.callsOf('record').map((c) => c.input.item)).toEqual([1]);
    expect(steps.has('each[2].check')).toBe(false);
    expect(steps.get('each')?.status).toBe('failed');
  });

  it('runs every item in collect mode and lists the failures beside null results', async () => {
    const { run } = await h.runFlow(
      defineFlow([
        {
          id: 'each',
          kind: 'for',
          each: [1, 2, 3, 4],
          onFailure: 'collect',
          concurrency: 2,
          steps: [
            { id: 'check', kind: 'switch', cases: [{ when: '${$item % 2 = 0}', steps: [{ id: 'reject', kind: 'raise', error: 'Even', message: '${$item} is even' }] }] },
            { id: 'save', kind: 'call', action: 'probe.echo', with: { item: '${$item}' } },
          ],
        },
      ]),
    );

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({
      results: [{ item: 1 }, null, { item: 3 }, null],
      failures: [
        { index: 1, item: 2, error: { code: 'Even', message: '2 is even', category: 'raised', step: 'each[1].reject' } },
        { index: 3, item: 4, error: { code: 'Even', message: '4 is even', category: 'raised', step: 'each[3].reject' } },
      ],
    });
  });

  it('does not run a collected failure again when the run resumes after a wait in another item', async () => {
    const { run: parked } = await h.runFlow(
      defineFlow([
        {
          id: 'each',
          kind: 'for',
          each: ['broken', 'slow'],
          onFailure: 'collect',
          steps: [
            {
              id: 'kind',
              kind: 'switch',
              cases: [{ when: '${$item = "broken"}', steps: [{ id: 'create', kind: 'call', action: 'probe.fail', with: { key: '${$run.id}', category: 'client' } }] }],
              default: [{ id: 'pause', kind: 'wait', for: '1m' }],
            },
          ],
        },
      ]),
    );
    expect(parked.status).toBe('waiting');

    h.clock.advance(MINUTE);
    const { run } = await h.execute(parked.id);

    expect(run.status).toBe('succeeded');
    expect(h.probe.callsOf('fail')).toHaveLength(1);
    expect(run.output).toMatchObject({ results: [null, { branch: 'default' }], failures: [{ index: 0, item: 'broken' }] });
  });
});

describe('parallel', () => {
  it('outputs each branch under its name', async () => {
    const { run } = await h.runFlow(
      defineFlow([
        {
          id: 'both',
          kind: 'parallel',
          branches: {
            hr: [
              { id: 'hire', kind: 'call', action: 'probe.echo', with: { who: '${$input.who}' } },
              { id: 'done', kind: 'set', values: { hired: '${$steps.hire.who}' } },
            ],
            it: [{ id: 'laptop', kind: 'call', action: 'probe.echo', with: { model: 'x1' } }],
          },
        },
      ]),
      { who: 'ada' },
    );

    expect(run.output).toEqual({ hr: { hired: 'ada' }, it: { model: 'x1' } });
  });

  it('fails when one branch fails, after the other branches settle', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([
        {
          id: 'both',
          kind: 'parallel',
          branches: {
            bad: [{ id: 'boom', kind: 'raise', error: 'BranchFailed' }],
            good: [{ id: 'save', kind: 'call', action: 'probe.record', with: { ok: true } }],
          },
        },
        { id: 'after', kind: 'call', action: 'probe.echo' },
      ]),
    );

    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'BranchFailed', category: 'raised', step: 'boom' });
    expect(step('both').status).toBe('failed');
    expect(step('save').status).toBe('succeeded');
    expect(h.probe.callsOf('echo')).toHaveLength(0);
  });
});

describe('try', () => {
  it('outputs the last step of its block when nothing fails, without running the catch', async () => {
    const { run, steps } = await h.runFlow(
      defineFlow([
        {
          id: 'attempt',
          kind: 'try',
          steps: [{ id: 'ok', kind: 'set', values: { fine: true } }],
          catch: [{ id: 'recover', kind: 'call', action: 'probe.record' }],
        },
      ]),
    );

    expect(run.output).toEqual({ fine: true });
    expect(steps.has('recover')).toBe(false);
    expect(h.probe.calls).toHaveLength(0);
  });

  it('runs the catch with $error (code, message, category, step) and outputs what the catch gives', async () => {
    const { run, step, steps } = await h.runFlow(
      defineFlow([
        {
          id: 'attempt',
          kind: 'try',
          steps: [
            { id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'try-1', category: 'client', code: 'offer.closed', message: 'offer is closed' } },
            { id: 'never', kind: 'call', action: 'probe.record' },
          ],
          catch: [{ id: 'recover', kind: 'set', values: { error: '${$error}', summary: '${$error.code}: ${$error.message}' } }],
        },
      ]),
    );

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({
      error: { code: 'offer.closed', message: 'offer is closed', category: 'client', step: 'create' },
      summary: 'offer.closed: offer is closed',
    });
    expect(step('create').status).toBe('failed');
    expect(steps.has('never')).toBe(false);
  });

  it('fails with the catch block’s own error when the catch fails', async () => {
    const { run } = await h.runFlow(
      defineFlow([
        {
          id: 'attempt',
          kind: 'try',
          steps: [{ id: 'first', kind: 'raise', error: 'First' }],
          catch: [{ id: 'again', kind: 'raise', error: 'Rethrown', message: 'after ${$error.code}' }],
        },
      ]),
    );

    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'Rethrown', message: 'after First', step: 'again' });
  });
});

describe('wait', () => {
  it('parks the run with a timer for a duration and completes once executed after it', async () => {
    const flow = defineFlow([
      { id: 'before', kind: 'call', action: 'probe.record', with: { n: 1 } },
      { id: 'pause', kind: 'wait', for: '1h' },
      { id: 'after', kind: 'call', action: 'probe.record', with: { n: 2 } },
    ]);
    const until = h.clock.iso(60 * MINUTE);

    const parked = await h.runFlow(flow);
    expect(parked.run.status).toBe('waiting');
    expect(parked.run.waitingUntil).toBe(until);
    expect(await h.store.dueRuns(until, 10)).toEqual([{ id: parked.run.id, dueAt: until }]);
    expect(parked.run.waitingFor).toEqual([{ kind: 'moment', until, step: 'pause', reason: 'wait' }]);
    expect(parked.step('pause').status).toBe('waiting');

    h.clock.advance(30 * MINUTE);
    expect((await h.execute(parked.run.id)).run.status).toBe('waiting');

    h.clock.advance(30 * MINUTE);
    const { run, step } = await h.execute(parked.run.id);

    expect(run.status).toBe('succeeded');
    expect(step('pause').output).toEqual({ until });
    expect(h.probe.callsOf('record').map((c) => c.input.n)).toEqual([1, 2]);
    expect(await h.store.nextDueAt()).toBeUndefined();
  });

  it('waits until a timestamp given by an expression', async () => {
    const at = h.clock.iso(5 * MINUTE);
    const flow = defineFlow([{ id: 'pause', kind: 'wait', until: '${$input.at}' }]);

    const parked = await h.runFlow(flow, { at });
    expect(parked.run.waitingUntil).toBe(at);

    h.clock.advance(5 * MINUTE);
    expect((await h.execute(parked.run.id)).run).toMatchObject({ status: 'succeeded', output: { until: at } });
  });

  it('does not park when the moment has passed', async () => {
    const { run } = await h.runFlow(defineFlow([{ id: 'pause', kind: 'wait', until: '2000-01-01T00:00:00Z' }]));

    expect(run).toMatchObject({ status: 'succeeded', output: { until: '2000-01-01T00:00:00.000Z' } });
  });

  it('fails with wait.invalid_until when the expression gives no timestamp', async () => {
    const { run } = await h.runFlow(defineFlow([{ id: 'pause', kind: 'wait', until: '${$input.at}' }]), { at: 'next tuesday' });

    expect(run.error).toMatchObject({ code: 'wait.invalid_until', step: 'pause' });
  });
});

describe('run', () => {
  const child: FlowDefinition = {
    id: 'child-greet',
    version: '1',
    input: { type: 'object', required: ['name'] },
    steps: [{ id: 'greet', kind: 'call', action: 'probe.record', with: { hello: '${$input.name}' } }],
    output: { greeting: 'hello ${$input.name}' },
  };
  const failing: FlowDefinition = {
    id: 'child-fail',
    version: '1',
    steps: [{ id: 'deny', kind: 'raise', error: 'ChildDenied', message: 'no' }],
  };
  const waiting: FlowDefinition = {
    id: 'child-wait',
    version: '1',
    steps: [
      { id: 'pause', kind: 'wait', for: '10m' },
      { id: 'done', kind: 'set', values: { waited: true } },
    ],
  };

  beforeEach(async () => {
    await h.close();
    h = createHarness({ flows: [child, failing, waiting] });
  });

  it('runs the sub-flow as a child run and outputs its output', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([{ id: 'sub', kind: 'run', flow: 'child-greet', input: { name: '${$input.who}' } }]),
      { who: 'ada' },
    );

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ greeting: 'hello ada' });
    const children = await h.store.listRuns({ parentRunId: run.id });
    expect(children).toHaveLength(1);
    expect(children[0]).toMatchObject({ flowId: 'child-greet', status: 'succeeded', input: { name: 'ada' }, parentStepPath: 'sub' });
    expect(step('sub').state).toEqual({ childRunId: children[0]?.id });
    expect(step('sub').input).toEqual({ name: 'ada' });
  });

  it('fails with the child’s error code when the sub-flow fails', async () => {
    const { run } = await h.runFlow(defineFlow([{ id: 'sub', kind: 'run', flow: 'child-fail' }]));

    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'ChildDenied', category: 'raised', step: 'sub' });
    expect(run.error?.message).toContain('no');
    const [failedChild] = await h.store.listRuns({ parentRunId: run.id });
    expect(run.error?.details).toEqual({ childRunId: failedChild?.id });
  });

  it('parks with a waiting sub-flow and finishes when executed after it is due', async () => {
    const parked = await h.runFlow(defineFlow([{ id: 'sub', kind: 'run', flow: 'child-wait' }]));
    expect(parked.run).toMatchObject({ status: 'waiting', waitingUntil: h.clock.iso(10 * MINUTE) });

    h.clock.advance(10 * MINUTE);
    const { run } = await h.execute(parked.run.id);

    expect(run).toMatchObject({ status: 'succeeded', output: { waited: true } });
  });

  it('fails with run.flow_not_found for an unknown sub-flow', async () => {
    const { run } = await h.runFlow(defineFlow([{ id: 'sub', kind: 'run', flow: 'no-such-flow' }]));

    expect(run.error).toMatchObject({ code: 'run.flow_not_found', step: 'sub' });
  });

  it('fails the step when the sub-flow input breaks its input schema, starting no child', async () => {
    const { run } = await h.runFlow(defineFlow([{ id: 'sub', kind: 'run', flow: 'child-greet', input: {} }]));

    expect(run.error).toMatchObject({ code: 'flow.invalid_input', step: 'sub' });
    expect(await h.store.listRuns({ parentRunId: run.id })).toHaveLength(0);
  });
});

describe('raise', () => {
  it('fails the run with its code, evaluated message and category raised', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([{ id: 'stop', kind: 'raise', error: 'OfferNotAccepted', message: 'offer ${$input.offer} is ${$input.state}' }]),
      { offer: 'o-1', state: 'declined' },
    );

    expect(run.status).toBe('failed');
    expect(run.error).toEqual({ code: 'OfferNotAccepted', message: 'offer o-1 is declined', category: 'raised', step: 'stop' });
    expect(step('stop')).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('uses the code as the message when none is given', async () => {
    const { run } = await h.runFlow(defineFlow([{ id: 'stop', kind: 'raise', error: 'Nope' }]));

    expect(run.error).toMatchObject({ code: 'Nope', message: 'Nope' });
  });
});

describe('return', () => {
  it('ends the run from inside nested containers with its output, skipping everything after', async () => {
    const { run, steps } = await h.runFlow(
      defineFlow(
        [
          {
            id: 'each',
            kind: 'for',
            each: [1, 2, 3],
            steps: [
              {
                id: 'check',
                kind: 'try',
                steps: [
                  { id: 'found', kind: 'switch', cases: [{ when: '${$item = 2}', steps: [{ id: 'done', kind: 'return', output: { found: '${$item}', at: '${$index}' } }] }] },
                  { id: 'seen', kind: 'call', action: 'probe.record', with: { item: '${$item}' } },
                ],
                catch: [{ id: 'ignored', kind: 'set', values: {} }],
              },
            ],
          },
          { id: 'after', kind: 'call', action: 'probe.echo' },
        ],
        { output: { never: 'used' } },
      ),
    );

    expect(run).toMatchObject({ status: 'succeeded', output: { found: 2, at: 1 } });
    expect(h.probe.callsOf('record').map((c) => c.input.item)).toEqual([1]);
    expect(h.probe.callsOf('echo')).toHaveLength(0);
    expect(steps.has('each[2].found')).toBe(false);
    expect(steps.has('ignored')).toBe(false);
  });

  it('marks the containers it leaves as finished, and a resumed run meets the return again', async () => {
    const flow = defineFlow([
      {
        id: 'gate',
        kind: 'switch',
        cases: [{ when: '${$input.stop}', steps: [{ id: 'early', kind: 'return', output: { stopped: true } }] }],
      },
      { id: 'after', kind: 'call', action: 'probe.record', with: { reached: true } },
    ]);
    const { run, step } = await h.runFlow(flow, { stop: true });
    expect(run).toMatchObject({ status: 'succeeded', output: { stopped: true } });
    expect(step('gate')).toMatchObject({ status: 'succeeded', output: { stopped: true } });

    // As if the process died after its checkpoints landed but before the run's outcome did.
    await h.store.updateRun(run.id, { status: 'running', output: undefined, finishedAt: undefined });
    const again = await h.execute(run.id);
    expect(again.run).toMatchObject({ status: 'succeeded', output: { stopped: true } });
    expect(h.probe.callsOf('record')).toHaveLength(0);
  });

  it('outputs null when it names no output', async () => {
    const { run } = await h.runFlow(defineFlow([{ id: 'done', kind: 'return' }, { id: 'after', kind: 'call', action: 'probe.echo' }]));

    expect(run).toMatchObject({ status: 'succeeded', output: null });
    expect(h.probe.calls).toHaveLength(0);
  });
});

describe('nesting', () => {
  it('catches a failure from a for inside a parallel inside a try', async () => {
    const { run, step, steps } = await h.runFlow(
      defineFlow([
        {
          id: 'guard',
          kind: 'try',
          steps: [
            {
              id: 'fan_out',
              kind: 'parallel',
              branches: {
                accounts: [
                  {
                    id: 'each',
                    kind: 'for',
                    each: '${$input.people}',
                    steps: [{ id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'nest-${$item}', failures: '${$item = "bob" ? 99 : 0}', category: 'client', code: 'account.exists' } }],
                  },
                ],
                notify: [{ id: 'message', kind: 'call', action: 'probe.record', with: { text: 'starting' } }],
              },
            },
            { id: 'never', kind: 'call', action: 'probe.echo' },
          ],
          catch: [{ id: 'handled', kind: 'set', values: { code: '${$error.code}', step: '${$error.step}', category: '${$error.category}' } }],
        },
      ]),
      { people: ['ann', 'bob', 'cy'] },
    );

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ code: 'account.exists', step: 'each[1].create', category: 'client' });
    expect(h.probe.callsOf('fail').map((c) => c.input.key)).toEqual(['nest-ann', 'nest-bob']);
    expect(h.probe.callsOf('record')).toHaveLength(1);
    expect(h.probe.callsOf('echo')).toHaveLength(0);
    expect(step('each[0].create').status).toBe('succeeded');
    expect(step('each[1].create').status).toBe('failed');
    expect(step('each').status).toBe('failed');
    expect(step('fan_out').status).toBe('failed');
    expect(step('guard').status).toBe('succeeded');
    expect(steps.has('each[2].create')).toBe(false);
  });

  it('hands the catch the vendor error of a call that exhausted its retries deep inside', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([
        {
          id: 'guard',
          kind: 'try',
          steps: [
            {
              id: 'fan_out',
              kind: 'parallel',
              branches: {
                sync: [
                  {
                    id: 'each',
                    kind: 'for',
                    each: ['x'],
                    steps: [{ id: 'push', kind: 'call', action: 'probe.fail', with: { key: 'deep', vendor: true, code: '99991400', category: 'rate_limit' }, retry: NO_DELAY }],
                  },
                ],
              },
            },
          ],
          catch: [{ id: 'handled', kind: 'set', values: { code: '${$error.code}', step: '${$error.step}' } }],
        },
      ]),
    );

    expect(run).toMatchObject({ status: 'succeeded', output: { code: 'vendor.99991400', step: 'each[0].push' } });
    expect(h.probe.callsOf('fail')).toHaveLength(3);
    expect(step('each[0].push')).toMatchObject({ status: 'failed', attempts: 3 });
  });

  it('resumes a wait deep inside nested containers without repeating completed calls', async () => {
    const flow = defineFlow([
      {
        id: 'guard',
        kind: 'try',
        steps: [
          {
            id: 'fan_out',
            kind: 'parallel',
            branches: {
              slow: [
                {
                  id: 'each',
                  kind: 'for',
                  each: [1, 2],
                  steps: [
                    { id: 'before', kind: 'call', action: 'probe.record', with: { item: '${$item}' } },
                    { id: 'pause', kind: 'wait', for: '1m' },
                    { id: 'after', kind: 'call', action: 'probe.echo', with: { item: '${$item}' } },
                  ],
                },
              ],
              fast: [{ id: 'quick', kind: 'call', action: 'probe.record', with: { item: 'fast' } }],
            },
          },
        ],
        catch: [{ id: 'handled', kind: 'set', values: {} }],
      },
    ]);

    const parked = await h.runFlow(flow);
    expect(parked.run.status).toBe('waiting');
    h.clock.advance(MINUTE);
    const { run } = await h.execute(parked.run.id);

    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ slow: [{ item: 1 }, { item: 2 }], fast: { input: { item: 'fast' }, idempotencyKey: expect.any(String), attempt: 1 } });
    expect(h.probe.callsOf('record').map((c) => String(c.input.item)).sort()).toEqual(['1', '2', 'fast']);
    expect(h.probe.callsOf('echo').map((c) => c.input.item)).toEqual([1, 2]);
  });
});
