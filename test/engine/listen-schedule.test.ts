import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverConnectors } from '../../src/connector-kit/registry.js';
import { Engine } from '../../src/engine/engine.js';
import { FlowInvalidError } from '../../src/engine/flow-invalid-error.js';
import type { FlowDefinition, Step } from '../../src/engine/flow-types.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { TestClock } from './helpers.js';

let dir: string;
let clock: TestClock;
const stores: SqliteStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'staffwire-listen-'));
  clock = new TestClock();
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A process on the shared file: listens and schedules survive a restart, so tests make more than one. */
async function open(): Promise<{ engine: Engine; store: SqliteStore }> {
  const store = new SqliteStore(join(dir, 'staffwire.db'));
  stores.push(store);
  const engine = new Engine({
    store,
    connectors: await discoverConnectors(),
    connections: { esign: { connector: 'docusign', baseUri: 'http://127.0.0.1:1', accountId: 'a', accessToken: 't' } },
    log: pino({ level: 'silent' }),
    clock,
  });
  return { engine, store };
}

let count = 0;
const flow = (steps: Step[]): FlowDefinition => ({ id: `listen-flow-${++count}`, version: '1', steps });
const signed = (extra: Partial<Extract<Step, { kind: 'listen' }>> = {}): Step => ({
  id: 'signed',
  kind: 'listen',
  connection: 'esign',
  event: 'envelope-completed',
  key: '${ $input.envelopeId }',
  match: 'payload.envelopeId',
  ...extra,
});

function deliver(store: SqliteStore, envelopeId: string, extra: Record<string, unknown> = {}) {
  return store.recordDelivery({
    source: 'esign',
    receivedAt: clock.iso(),
    outcome: 'accepted',
    event: { id: `ev-${envelopeId}-${clock.iso()}-${Math.random()}`, type: 'envelope-completed', occurredAt: clock.iso(), payload: { envelopeId, ...extra } },
  });
}

describe('listen', () => {
  it('parks until an event carrying the run’s key arrives, and outputs the event', async () => {
    const { engine, store } = await open();
    const run = await engine.startRun(engine.compile(flow([signed(), { id: 'done', kind: 'return', output: '${ $steps.signed.payload.status }' }])), { envelopeId: 'env-1' });
    const parked = await engine.executeRun(run.id);
    expect(parked).toMatchObject({ status: 'waiting', waitingFor: [{ kind: 'event', connection: 'esign', type: 'envelope-completed', path: 'payload.envelopeId', value: 'env-1', step: 'signed' }] });
    expect(parked.waitingUntil).toBeUndefined();

    clock.advance(1000);
    await deliver(store, 'env-other', { status: 'wrong' });
    const delivery = await deliver(store, 'env-1', { status: 'completed' });
    expect(await store.listenersOf(delivery.id)).toEqual([{ runId: run.id, step: 'signed' }]);
    await store.wakeRuns([run.id], clock.iso());
    expect((await store.dueRuns(clock.iso(), 10)).map((d) => d.id)).toEqual([run.id]);
    expect(await engine.executeRun(run.id)).toMatchObject({ status: 'succeeded', output: 'completed' });
  });

  it('does not miss an event that arrived after the run started but before it began listening', async () => {
    const { engine, store } = await open();
    const run = await engine.startRun(engine.compile(flow([{ id: 'pause', kind: 'wait', for: '1m' }, signed()])), { envelopeId: 'env-2' });
    await engine.executeRun(run.id);
    clock.advance(10_000);
    await deliver(store, 'env-2');
    clock.advance(60_000);
    const done = await engine.executeRun(run.id);
    expect(done.status).toBe('succeeded');
    expect((done.output as { payload: unknown }).payload).toEqual({ envelopeId: 'env-2' });
  });

  it('ignores an event from before the run started', async () => {
    const { engine, store } = await open();
    await deliver(store, 'env-3');
    clock.advance(1000);
    const run = await engine.startRun(engine.compile(flow([signed()])), { envelopeId: 'env-3' });
    expect((await engine.executeRun(run.id)).status).toBe('waiting');
  });

  it('takes only an event that also satisfies `when`', async () => {
    const { engine, store } = await open();
    const run = await engine.startRun(engine.compile(flow([signed({ when: "${ $input.payload.status = 'completed' }" })])), { envelopeId: 'env-4' });
    await engine.executeRun(run.id);
    await deliver(store, 'env-4', { status: 'sent' });
    expect((await engine.executeRun(run.id)).status).toBe('waiting');
    await deliver(store, 'env-4', { status: 'completed' });
    expect(await engine.executeRun(run.id)).toMatchObject({ status: 'succeeded', output: { payload: { status: 'completed' } } });
  });

  it('outputs null after its timeout, or fails with the named error', async () => {
    const { engine } = await open();
    const quiet = await engine.startRun(engine.compile(flow([signed({ timeout: '14d' })])), { envelopeId: 'env-5' });
    const loud = await engine.startRun(engine.compile(flow([signed({ timeout: '14d', timeoutError: 'SignatureTimedOut' })])), { envelopeId: 'env-5' });
    expect((await engine.executeRun(quiet.id)).waitingUntil).toBe(clock.iso(14 * 86_400_000));
    await engine.executeRun(loud.id);
    clock.advance(14 * 86_400_000);
    expect(await engine.executeRun(quiet.id)).toMatchObject({ status: 'succeeded', output: null });
    const failed = await engine.executeRun(loud.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'SignatureTimedOut', category: 'raised', step: 'signed' } });
    // The key may be personal (an e-mail address): it is kept under the event's field name, where masking by name finds it, not in the message.
    expect(failed.error?.message).not.toContain('env-5');
    expect(failed.error?.details).toEqual({ match: 'payload.envelopeId', envelopeId: 'env-5' });
  });

  it('wakes every run listening for one event, and keeps listening across a restart', async () => {
    const first = await open();
    const compiled = first.engine.compile(flow([signed()]));
    const a = await first.engine.startRun(compiled, { envelopeId: 'env-6' });
    const b = await first.engine.startRun(compiled, { envelopeId: 'env-6' });
    await first.engine.executeRun(a.id);
    await first.engine.executeRun(b.id);
    await first.store.close();

    const second = await open();
    const delivery = await deliver(second.store, 'env-6');
    expect((await second.store.listenersOf(delivery.id)).map((l) => l.runId).sort()).toEqual([a.id, b.id].sort());
    expect((await second.engine.executeRun(a.id)).status).toBe('succeeded');
    expect((await second.engine.executeRun(b.id)).status).toBe('succeeded');
  });
});

describe('schedule and unschedule', () => {
  it('schedules a flow under a business key, replaces it when scheduled again, and cancels it by key', async () => {
    const { engine, store } = await open();
    const schedule = (at: string): Step => ({ id: 'later', kind: 'schedule', key: 'deactivate:${ $input.id }', flow: 'deactivate', input: { id: '${ $input.id }' }, at, timeZone: 'Asia/Shanghai' });
    const first = await engine.startRun(engine.compile(flow([schedule('2030-02-01T16:00:00Z')])), { id: 'e1' });
    expect(await engine.executeRun(first.id)).toMatchObject({ status: 'succeeded', output: { key: 'deactivate:e1', fireAt: '2030-02-01T16:00:00.000Z', generation: 1 } });
    const moved = await engine.startRun(engine.compile(flow([schedule('${ "2030-02-03T16:00:00+08:00" }')])), { id: 'e1' });
    expect((await engine.executeRun(moved.id)).output).toMatchObject({ fireAt: '2030-02-03T08:00:00.000Z', generation: 2 });
    expect(await store.getSchedule('deactivate:e1')).toMatchObject({ status: 'pending', flowId: 'deactivate', input: { id: 'e1' }, timeZone: 'Asia/Shanghai', createdBy: `run:${moved.id}/later` });
    const [step] = await store.listSteps(moved.id);
    expect(step?.input).toEqual({ key: 'deactivate:e1', at: '2030-02-03T08:00:00.000Z', timeZone: 'Asia/Shanghai', input: { id: 'e1' } });

    const cancel = await engine.startRun(engine.compile(flow([{ id: 'stop', kind: 'unschedule', key: 'deactivate:${ $input.id }' }])), { id: 'e1' });
    expect((await engine.executeRun(cancel.id)).output).toEqual({ key: 'deactivate:e1', cancelled: true });
    expect((await store.getSchedule('deactivate:e1'))?.status).toBe('cancelled');
    const again = await engine.startRun(engine.compile(flow([{ id: 'stop', kind: 'unschedule', key: 'deactivate:none' }])), {});
    expect((await engine.executeRun(again.id)).output).toEqual({ key: 'deactivate:none', cancelled: false });
  });

  it('schedules once when the step runs again after a crash', async () => {
    const { engine, store } = await open();
    const compiled = engine.compile(flow([{ id: 'later', kind: 'schedule', key: 'k', flow: 'f', at: '2030-03-01T00:00:00Z' }]));
    const run = await engine.startRun(compiled, {});
    expect((await engine.executeRun(run.id)).status).toBe('succeeded');
    // The step's checkpoint is lost (the process died right after scheduling): it runs again.
    await store.deleteSteps(run.id, ['later']);
    await store.updateRun(run.id, { status: 'queued', finishedAt: undefined });
    expect((await engine.executeRun(run.id)).output).toMatchObject({ generation: 1 });
    expect(await store.listSchedules()).toHaveLength(1);
  });

  it('fails the step with a clear error when `at` is not a moment', async () => {
    const { engine } = await open();
    const run = await engine.startRun(engine.compile(flow([{ id: 'later', kind: 'schedule', key: 'k', flow: 'f', at: '${ $input.when }' }])), { when: 'tomorrow' });
    expect(await engine.executeRun(run.id)).toMatchObject({ status: 'failed', error: { code: 'schedule.invalid_at', message: '"at" must give a timestamp, got "tomorrow"' } });
  });

  it('takes the time zone from the data, and refuses one that is no IANA zone', async () => {
    const { engine, store } = await open();
    const zoned = (timeZone: string) => flow([{ id: 'later', kind: 'schedule', key: 'deactivate:${ $input.id }', flow: 'f', at: '2030-03-01T08:00:00Z', timeZone }]);
    const run = await engine.startRun(engine.compile(zoned('${ $input.zone }')), { id: 'e2', zone: 'Pacific/Auckland' });
    expect((await engine.executeRun(run.id)).status).toBe('succeeded');
    expect(await store.getSchedule('deactivate:e2')).toMatchObject({ fireAt: '2030-03-01T08:00:00.000Z', timeZone: 'Pacific/Auckland' });

    const wrong = await engine.startRun(engine.compile(zoned('${ $input.zone }')), { id: 'e3', zone: 'Mars/Olympus' });
    expect(await engine.executeRun(wrong.id)).toMatchObject({
      status: 'failed',
      error: { code: 'schedule.invalid_time_zone', message: '"timeZone" must give an IANA time zone such as Asia/Shanghai, got "Mars/Olympus"' },
    });
    expect(await store.getSchedule('deactivate:e3')).toBeUndefined();
    expect(() => engine.compile(zoned('Mars/Olympus'))).toThrow(FlowInvalidError);
  });
});
