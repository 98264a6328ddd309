import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RetryPolicy } from '../../src/engine/flow-types.js';
import { InputError } from '../../src/errors/index.js';
import { createHarness, defineFlow, type Harness } from './helpers.js';

const SECOND = 1000;
const NO_DELAY: RetryPolicy = { maxAttempts: 3, initialDelay: 0, jitter: false };

let h: Harness;

beforeEach(() => {
  h = createHarness();
});

afterEach(async () => {
  await h.close();
});

describe('retry policy', () => {
  it('retries a listed category until the call succeeds, under one idempotency key', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([{ id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'ok-3rd', failures: 2, category: 'rate_limit' }, retry: NO_DELAY }]),
    );

    expect(run).toMatchObject({ status: 'succeeded', output: { key: 'ok-3rd', calls: 3 } });
    const calls = h.probe.callsOf('fail');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(1);
    expect(step('create')).toMatchObject({ status: 'succeeded', attempts: 3 });
  });

  it('does not retry a category the policy does not list', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([
        { id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'unlisted', failures: 1, category: 'server' }, retry: { ...NO_DELAY, on: ['rate_limit'] } },
      ]),
    );

    expect(run.status).toBe('failed');
    expect(h.probe.callsOf('fail')).toHaveLength(1);
    expect(step('create')).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('does not retry client errors by default', async () => {
    const { run } = await h.runFlow(
      defineFlow([{ id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'client', failures: 1, category: 'client' }, retry: { maxAttempts: 5, initialDelay: 0 } }]),
    );

    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ category: 'client' });
    expect(h.probe.callsOf('fail')).toHaveLength(1);
  });

  it('fails the run with the vendor’s code and message once the attempts are exhausted', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([
        { id: 'setup', kind: 'set', values: { ready: true } },
        { id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'down', vendor: true, code: '503', message: 'core HR is down' }, retry: NO_DELAY },
        { id: 'after', kind: 'call', action: 'probe.record' },
      ]),
    );

    expect(run.status).toBe('failed');
    expect(run.error).toEqual({ code: 'vendor.503', message: 'core HR is down', category: 'server', step: 'create', details: { vendorCode: '503' } });
    expect(step('create')).toMatchObject({ status: 'failed', attempts: 3, error: run.error });
    expect(h.probe.callsOf('fail')).toHaveLength(3);
    expect(h.probe.callsOf('record')).toHaveLength(0);
  });

  it('sleeps in place for delays within the inline limit: one execution, no parking', async () => {
    const { run } = await h.runFlow(
      defineFlow([{ id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'short', failures: 2 }, retry: { maxAttempts: 3, initialDelay: '10ms', jitter: false } }]),
    );

    expect(run.status).toBe('succeeded');
    expect(await h.store.nextDueAt()).toBeUndefined();
  });

  it('parks the run for a backoff longer than the inline limit and retries when executed after it', async () => {
    const flow = defineFlow([
      { id: 'first', kind: 'call', action: 'probe.record' },
      { id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'long', failures: 1 }, retry: { maxAttempts: 3, initialDelay: '30s', jitter: false } },
    ]);
    const due = h.clock.iso(30 * SECOND);

    const parked = await h.runFlow(flow);
    expect(parked.run).toMatchObject({ status: 'waiting', waitingUntil: due });
    expect(parked.step('create')).toMatchObject({ status: 'waiting', attempts: 1, state: { retryAt: due }, error: { code: 'probe.failed' } });
    expect(await h.store.dueRuns(due, 10)).toEqual([{ id: parked.run.id, dueAt: due }]);

    h.clock.advance(29 * SECOND);
    expect((await h.execute(parked.run.id)).run.status).toBe('waiting');
    expect(h.probe.callsOf('fail')).toHaveLength(1);

    h.clock.advance(SECOND);
    const { run, step } = await h.execute(parked.run.id);

    expect(run.status).toBe('succeeded');
    expect(h.probe.callsOf('fail').map((c) => c.attempt)).toEqual([1, 2]);
    expect(h.probe.callsOf('record')).toHaveLength(1);
    expect(step('create')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(step('create').state).toBeUndefined();
  });

  it('honours Retry-After when the server asks for longer than the backoff', async () => {
    const parked = await h.runFlow(
      defineFlow([
        { id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'limited', failures: 1, category: 'rate_limit', retryAfterMs: 90 * SECOND }, retry: NO_DELAY },
      ]),
    );

    expect(parked.run).toMatchObject({ status: 'waiting', waitingUntil: h.clock.iso(90 * SECOND) });

    h.clock.advance(90 * SECOND);
    expect((await h.execute(parked.run.id)).run.status).toBe('succeeded');
    expect(h.probe.callsOf('fail')).toHaveLength(2);
  });

  it('caps Retry-After at the policy’s maxDelay', async () => {
    const { run } = await h.runFlow(
      defineFlow([
        {
          id: 'create',
          kind: 'call',
          action: 'probe.fail',
          with: { key: 'greedy', failures: 1, category: 'rate_limit', retryAfterMs: 3_600_000 },
          retry: { ...NO_DELAY, maxDelay: '2m' },
        },
      ]),
    );

    expect(run.waitingUntil).toBe(h.clock.iso(120 * SECOND));
  });

  it('applies the flow-level policy to call steps that have none', async () => {
    const { run } = await h.runFlow(
      defineFlow([{ id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'flow-level', failures: 1 } }], { retry: { maxAttempts: 2, initialDelay: 0 } }),
    );

    expect(run.status).toBe('succeeded');
    expect(h.probe.callsOf('fail')).toHaveLength(2);
  });

  it('lets a step’s own policy replace the flow-level one', async () => {
    const { run } = await h.runFlow(
      defineFlow([{ id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'own', failures: 1 }, retry: { maxAttempts: 1 } }], {
        retry: { maxAttempts: 5, initialDelay: 0 },
      }),
    );

    expect(run.status).toBe('failed');
    expect(h.probe.callsOf('fail')).toHaveLength(1);
  });

  it('does not apply the flow-level policy to steps other than calls', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([{ id: 'stop', kind: 'raise', error: 'Stop' }], { retry: { maxAttempts: 3, initialDelay: 0, on: ['raised'] } }),
    );

    expect(run.status).toBe('failed');
    expect(step('stop').attempts).toBe(1);
  });

  it('retries a container whose nested step failed for good, running the failed step again', async () => {
    const { run, step } = await h.runFlow(
      defineFlow([
        {
          id: 'each',
          kind: 'for',
          each: [1, 2],
          retry: { maxAttempts: 2, initialDelay: 0, on: ['server'] },
          steps: [
            { id: 'before', kind: 'call', action: 'probe.record', with: { item: '${$item}' } },
            { id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'nested-${$item}', failures: '${$item = 2 ? 1 : 0}' } },
          ],
        },
      ]),
    );

    expect(run.status).toBe('succeeded');
    expect(step('each').attempts).toBe(2);
    expect(h.probe.callsOf('record').map((c) => c.input.item)).toEqual([1, 2]);
    expect(h.probe.callsOf('fail').map((c) => c.input.key)).toEqual(['nested-1', 'nested-2', 'nested-2']);
  });
});

describe('retryRun', () => {
  it('runs the failed step again and never repeats completed ones', async () => {
    const flow = defineFlow([
      { id: 'prehire', kind: 'call', action: 'probe.record', with: { what: 'prehire' } },
      { id: 'contract', kind: 'call', action: 'probe.fail', with: { key: 'contract', failures: 1, category: 'client' } },
      { id: 'notify', kind: 'call', action: 'probe.record', with: { what: 'notify' } },
    ]);
    const failed = await h.runFlow(flow);
    expect(failed.run.status).toBe('failed');

    const queued = await h.engine.retryRun(failed.run.id);
    expect(queued).toMatchObject({ status: 'queued' });
    expect(queued.error).toBeUndefined();
    const { run, step } = await h.execute(failed.run.id);

    expect(run.status).toBe('succeeded');
    expect(h.probe.callsOf('record').map((c) => c.input.what)).toEqual(['prehire', 'notify']);
    const contractCalls = h.probe.callsOf('fail');
    expect(contractCalls).toHaveLength(2);
    expect(contractCalls[0]?.idempotencyKey).toBe(contractCalls[1]?.idempotencyKey);
    expect(step('contract')).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('gives the failed step a fresh set of attempts', async () => {
    const failed = await h.runFlow(defineFlow([{ id: 'create', kind: 'call', action: 'probe.fail', with: { key: 'exhausted', failures: 3 }, retry: NO_DELAY }]));
    expect(failed.step('create').attempts).toBe(3);

    await h.engine.retryRun(failed.run.id);
    const { run } = await h.execute(failed.run.id);

    expect(run.status).toBe('succeeded');
    expect(h.probe.callsOf('fail').map((c) => c.attempt)).toEqual([1, 2, 3, 1]);
  });

  it('re-runs only the failed iteration of a loop and the items after it', async () => {
    const flow = defineFlow([
      {
        id: 'each',
        kind: 'for',
        each: ['a', 'b', 'c'],
        steps: [
          { id: 'save', kind: 'call', action: 'probe.record', with: { item: '${$item}' } },
          { id: 'sign', kind: 'call', action: 'probe.fail', with: { key: 'sign-${$item}', failures: '${$item = "b" ? 1 : 0}', category: 'client' } },
        ],
      },
    ]);
    const failed = await h.runFlow(flow);
    expect(failed.run.error).toMatchObject({ step: 'each[1].sign' });

    await h.engine.retryRun(failed.run.id);
    const { run } = await h.execute(failed.run.id);

    expect(run.status).toBe('succeeded');
    expect(h.probe.callsOf('record').map((c) => c.input.item)).toEqual(['a', 'b', 'c']);
    expect(h.probe.callsOf('fail').map((c) => c.input.key)).toEqual(['sign-a', 'sign-b', 'sign-b', 'sign-c']);
  });

  it('continues a failed sub-flow from its failed step instead of starting it over', async () => {
    await h.close();
    h = createHarness({
      flows: [
        {
          id: 'child-onboard',
          version: '1',
          steps: [
            { id: 'prehire', kind: 'call', action: 'probe.record', with: { what: 'prehire' } },
            { id: 'contract', kind: 'call', action: 'probe.fail', with: { key: 'child-contract', failures: 1, category: 'client' } },
          ],
        },
      ],
    });
    const failed = await h.runFlow(defineFlow([{ id: 'onboard', kind: 'run', flow: 'child-onboard' }]));
    expect(failed.run.status).toBe('failed');

    await h.engine.retryRun(failed.run.id);
    const { run } = await h.execute(failed.run.id);

    expect(run.status).toBe('succeeded');
    expect(h.probe.callsOf('record')).toHaveLength(1);
    expect(h.probe.callsOf('fail')).toHaveLength(2);
    expect(await h.store.listRuns({ parentRunId: run.id })).toHaveLength(1);
  });

  it('refuses to retry a run that has not failed', async () => {
    const { run } = await h.runFlow(defineFlow([{ id: 'ok', kind: 'set', values: {} }]));

    await expect(h.engine.retryRun(run.id)).rejects.toThrow(InputError);
    await expect(h.engine.retryRun(run.id)).rejects.toMatchObject({ code: 'run.not_failed' });
  });
});
