import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '../support/store-kinds.js';
import { createHarnessOn, defineFlow, type Harness } from './helpers.js';

describe.each(STORE_KINDS)('the run journal (%s)', (kind) => {
  let h: Harness;

  beforeEach(async () => {
    h = await createHarnessOn(kind);
  });

  afterEach(async () => {
    await h.close();
  });

  const journalOf = async (runId: string) => (await h.store.listJournal(runId)).map((e) => [e.type, e.step ?? '', e.attempt ?? 0, e.actor] as const);

  it('records every step that is not pure, every retry and outcome, with time, attempt and actor, and keeps a retried run’s history', async () => {
    const flow = h.engine.compile(
      defineFlow([
        { id: 'prepare', kind: 'set', values: { n: 1 } },
        { id: 'send', kind: 'call', action: 'probe.fail', with: { key: 'j1', failures: 2 }, retry: { maxAttempts: 2, initialDelay: 0, jitter: false } },
      ]),
    );
    const run = await h.engine.startRun(flow, {}, { actor: 'api:ops' });
    expect((await h.engine.executeRun(run.id)).status).toBe('failed');
    await h.engine.retryRun(run.id, { actor: 'cli' });
    expect((await h.engine.executeRun(run.id)).status).toBe('succeeded');

    expect(await journalOf(run.id)).toEqual([
      ['step.started', 'send', 1, 'engine'],
      ['step.retrying', 'send', 1, 'engine'],
      ['step.started', 'send', 2, 'engine'],
      ['step.failed', 'send', 2, 'engine'],
      ['run.retried', '', 0, 'cli'],
      ['step.started', 'send', 1, 'engine'],
      ['step.succeeded', 'send', 1, 'engine'],
    ]);
    // Who started it and how it ended are the run's own record.
    expect(await h.store.getRun(run.id)).toMatchObject({ createdBy: 'api:ops', status: 'succeeded' });
    const entries = await h.store.listJournal(run.id);
    expect(entries.find((e) => e.type === 'step.retrying')?.data).toMatchObject({ error: { code: 'probe.failed', category: 'server' }, delayMs: 0 });
    expect(entries.find((e) => e.type === 'run.retried')?.data).toMatchObject({ was: 'failed', steps: ['send'], error: { code: 'probe.failed' } });
    expect(entries.every((e) => e.at === h.clock.iso())).toBe(true);
  });

  it('records why a run parked and when it was woken, and who cancelled it', async () => {
    const flow = h.engine.compile(defineFlow([{ id: 'pause', kind: 'wait', for: '1m' }, { id: 'after', kind: 'call', action: 'probe.record' }]));
    const run = await h.engine.startRun(flow, {});
    await h.engine.executeRun(run.id);
    h.clock.advance(60_000);
    await h.engine.executeRun(run.id);
    const types = (await h.store.listJournal(run.id)).map((e) => e.type);
    expect(types).toEqual(['step.started', 'step.waiting', 'run.parked', 'run.woken', 'step.succeeded', 'step.started', 'step.succeeded']);
    const parked = (await h.store.listJournal(run.id)).find((e) => e.type === 'run.parked');
    expect(parked?.data).toEqual({ waitingFor: [{ kind: 'moment', until: h.clock.iso(0), step: 'pause', reason: 'wait' }], until: h.clock.iso(0) });

    const other = await h.engine.startRun(flow, {});
    await h.engine.executeRun(other.id);
    await h.engine.cancelRun(other.id, { actor: 'api:admin' });
    expect((await h.store.listJournal(other.id)).at(-1)).toMatchObject({ type: 'run.cancelled', actor: 'api:admin', data: { was: 'waiting' } });
  });
});
