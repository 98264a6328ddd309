import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import { scheduleRunId } from '../../src/scheduler/run-ids.js';
import type { RunRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { waitFor } from '../support/wait-for.js';
import { catalogOf, SchedulerWorld, settle } from './scheduler-world.js';

const deactivate: FlowDefinition = {
  id: 'deactivate-account',
  version: '1',
  input: { type: 'object', required: ['employmentId'], properties: { employmentId: { type: 'string' } } },
  steps: [{ id: 'done', kind: 'return', output: { deactivated: '${ $input.employmentId }' } }],
};

/** The same, one unfinished run per employment at a time. */
const deactivateOnce: FlowDefinition = { ...deactivate, id: 'deactivate-once', businessKey: '${ $input.employmentId }', onDuplicate: 'skip' };

describe('scheduler: one-off schedules', () => {
  let world: SchedulerWorld;
  const flows = [deactivate, deactivateOnce];

  beforeEach(() => {
    world = new SchedulerWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  function schedule(store: Store, key: string, inMs: number, input: unknown = { employmentId: key }, flowId = deactivate.id) {
    return store.putSchedule({ key, flowId, input, fireAt: world.clock.iso(inMs), createdBy: 'test', at: world.clock.iso() });
  }

  async function runOf(store: Store, key: string, generation = 1): Promise<RunRecord | undefined> {
    return store.getRun(scheduleRunId(key, generation));
  }

  async function untilStatus(store: Store, runId: string, status: RunRecord['status']): Promise<RunRecord> {
    let run: RunRecord | undefined;
    await waitFor(async () => (run = await store.getRun(runId))?.status === status, `run ${runId} to be ${status}`);
    return run!;
  }

  it('fires a schedule at its moment and not before, by its own timer, and the runtime executes the run', async () => {
    const { store, scheduler, runtime } = await world.boot({ flows: catalogOf(flows), pollMs: 3_600_000, start: false });
    const scheduled = await schedule(store, 'deactivate:E1', 10_000);
    await runtime.start();
    await scheduler.start();
    await world.clock.advance(9_999);
    await scheduler.poll();
    expect((await store.getSchedule('deactivate:E1'))?.status).toBe('pending');
    expect(await runOf(store, 'deactivate:E1')).toBeUndefined();

    // The poll is an hour away: only the timer armed for the moment can fire it now.
    await world.clock.advanceTo(scheduled.fireAt);
    await waitFor(async () => (await store.getSchedule('deactivate:E1'))?.status === 'fired', 'the schedule to fire');
    const fired = await store.getSchedule('deactivate:E1');
    expect(fired?.runId).toBe(scheduleRunId('deactivate:E1', 1));
    const run = await untilStatus(store, fired!.runId!, 'succeeded');
    expect(run).toMatchObject({ flowId: deactivate.id, createdBy: 'schedule', input: { employmentId: 'deactivate:E1' }, output: { deactivated: 'deactivate:E1' } });
    expect(run.createdAt).toBe(scheduled.fireAt);
  });

  it('fires a moved schedule only at its new moment, as a new generation', async () => {
    const { store, scheduler } = await world.boot({ flows: catalogOf(flows) });
    await schedule(store, 'deactivate:E2', 10_000);
    await scheduler.poll();
    const moved = await store.moveSchedule('deactivate:E2', world.clock.iso(20_000), world.clock.iso());
    await world.advance(15_000, 500);
    await scheduler.poll();
    expect((await store.getSchedule('deactivate:E2'))?.status).toBe('pending');
    expect(await runOf(store, 'deactivate:E2', 1)).toBeUndefined();

    await world.advance(5_000, 500);
    await waitFor(async () => (await store.getSchedule('deactivate:E2'))?.status === 'fired', 'the moved schedule to fire');
    expect(await runOf(store, 'deactivate:E2', 1)).toBeUndefined();
    const run = await untilStatus(store, scheduleRunId('deactivate:E2', 2), 'succeeded');
    expect(run.createdAt).toBe(moved?.fireAt);
    expect((await store.listRuns()).map((r) => r.id)).toEqual([scheduleRunId('deactivate:E2', 2)]);
  });

  it('fires a schedule put again under its key with the new moment and input only (reschedule)', async () => {
    const { store, scheduler } = await world.boot({ flows: catalogOf(flows) });
    await schedule(store, 'deactivate:E3', 10_000, { employmentId: 'first' });
    await scheduler.poll();
    await schedule(store, 'deactivate:E3', 30_000, { employmentId: 'second' });
    await world.advance(20_000, 1000);
    expect(await store.listRuns()).toEqual([]);
    await world.advance(10_000, 1000);
    const run = await untilStatus(store, scheduleRunId('deactivate:E3', 2), 'succeeded');
    expect(run.input).toEqual({ employmentId: 'second' });
    expect(await store.listRuns()).toHaveLength(1);
  });

  it('never fires a cancelled schedule', async () => {
    const { store, scheduler } = await world.boot({ flows: catalogOf(flows) });
    await schedule(store, 'deactivate:E4', 10_000);
    await scheduler.poll();
    await store.cancelSchedule('deactivate:E4', world.clock.iso());
    await world.advance(60_000, 1000);
    await scheduler.poll();
    expect((await store.getSchedule('deactivate:E4'))?.status).toBe('cancelled');
    expect(await store.listRuns()).toEqual([]);
    expect(world.logged('schedule fired')).toEqual([]);
  });

  it('fires a schedule whose moment has already passed at once, without time moving', async () => {
    const process = await world.boot({ flows: catalogOf(flows), start: false });
    await schedule(process.store, 'deactivate:E5', -3_600_000);
    await process.scheduler.start();
    expect((await process.store.getSchedule('deactivate:E5'))?.status).toBe('fired');
    const run = await runOf(process.store, 'deactivate:E5');
    expect(run).toMatchObject({ status: 'queued', createdAt: world.clock.iso(), input: { employmentId: 'deactivate:E5' } });
    await process.runtime.start();
    await untilStatus(process.store, run!.id, 'succeeded');
  });

  it('fires after a restart what fell due while no process ran, and nothing twice', async () => {
    const first = await world.boot({ flows: catalogOf(flows) });
    await schedule(first.store, 'deactivate:E6', 10_000);
    await schedule(first.store, 'deactivate:E7', 3_600_000);
    await world.advance(10_000, 1000);
    await untilStatus(first.store, scheduleRunId('deactivate:E6', 1), 'succeeded');
    await first.exit();

    await world.clock.advance(2 * 3_600_000);
    const second = await world.boot({ flows: catalogOf(flows) });
    expect((await second.store.getSchedule('deactivate:E7'))?.status).toBe('fired');
    await untilStatus(second.store, scheduleRunId('deactivate:E7', 1), 'succeeded');
    await world.advance(5_000, 1000);
    expect((await second.store.listRuns()).map((r) => r.id).sort()).toEqual([scheduleRunId('deactivate:E6', 1), scheduleRunId('deactivate:E7', 1)].sort());
  });

  it('fires each schedule once when two schedulers share the file', async () => {
    const a = await world.boot({ flows: catalogOf(flows) });
    const b = await world.boot({ flows: catalogOf(flows) });
    const keys = Array.from({ length: 50 }, (_, i) => `deactivate:T${i}`);
    for (const [i, key] of keys.entries()) await schedule(i % 2 ? a.store : b.store, key, 500 + ((i * 37) % 50) * 200);
    await world.advance(12_000, 100);
    await waitFor(async () => (await a.store.pendingSchedules()) === 0, 'every schedule to fire');
    await waitFor(async () => (await a.store.listRuns({ status: ['succeeded'] })).length === 50, 'every run to succeed');
    const runs = await a.store.listRuns();
    expect(runs.map((r) => r.id).sort()).toEqual(keys.map((key) => scheduleRunId(key, 1)).sort());
    // Each generation was fired by exactly one of them.
    const fired = world.logged('schedule fired').map((line) => line.key);
    expect(fired.sort()).toEqual([...keys].sort());
  });

  it('fires 1,000 pending schedules in fire order, each once, holding a batch at a time', async () => {
    const process = await world.boot({ flows: catalogOf(flows), batchSize: 100 });
    const keys = Array.from({ length: 1000 }, (_, i) => `bulk:${String(i).padStart(4, '0')}`);
    // Put in a shuffled order; moments spread over 10 s, several at the same moment.
    for (let n = 0; n < keys.length; n++) {
      const i = (n * 617) % keys.length;
      await schedule(process.store, keys[i]!, 1000 + Math.floor(i / 4) * 40, { employmentId: keys[i] });
    }
    const order: { key: string; fireAt: string; at: number }[] = [];
    const fireSchedules = process.store.fireSchedules.bind(process.store);
    process.store.fireSchedules = async (firings) => {
      const pending = await Promise.all(firings.map((f) => process.store.getSchedule(f.key)));
      const outcomes = await fireSchedules(firings);
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.fired) order.push({ key: firings[i]!.key, fireAt: pending[i]!.fireAt, at: world.clock.now().getTime() });
      }
      return outcomes;
    };
    await process.runtime.stop();
    await world.advance(12_000, 250);
    await waitFor(async () => (await process.store.pendingSchedules()) === 0, 'every schedule to fire');

    expect(order.map((o) => o.key).sort()).toEqual(keys);
    for (let i = 1; i < order.length; i++) expect(order[i]!.fireAt >= order[i - 1]!.fireAt).toBe(true);
    // Clock time, not wall time: each fired within the step that reached its moment.
    for (const o of order) expect(o.at - Date.parse(o.fireAt)).toBeLessThanOrEqual(250);
    const runs = await process.store.listRuns();
    expect(runs).toHaveLength(1000);
    for (const run of runs) {
      expect(run.status).toBe('queued');
      expect(run.id).toBe(scheduleRunId((run.input as { employmentId: string }).employmentId, 1));
    }
  });

  it('fires a schedule whose flow is gone into a failed run that says why, once, and a retry fails the same way', async () => {
    const { store, scheduler, engine, runtime } = await world.boot({ flows: catalogOf(flows) });
    await schedule(store, 'deactivate:G1', 1000, { employmentId: 'G1' }, 'offboarding-removed');
    await world.advance(1000);
    await waitFor(async () => (await store.getSchedule('deactivate:G1'))?.status === 'fired', 'the schedule to be settled');
    const run = (await runOf(store, 'deactivate:G1'))!;
    expect(run).toMatchObject({ flowId: 'offboarding-removed', status: 'failed', createdBy: 'schedule', input: { employmentId: 'G1' } });
    expect(run.error).toMatchObject({ code: 'schedule.flow_not_found', category: 'validation' });
    expect(run.error?.message).toContain('schedule deactivate:G1 (generation 1');
    expect(run.error?.message).toContain('no flow with id "offboarding-removed"');
    expect(world.logged('schedule could not start its flow; recorded as a failed run')).toHaveLength(1);

    await world.advance(10_000, 1000);
    await scheduler.poll();
    expect(await store.listRuns()).toHaveLength(1);
    expect(world.logged('schedule could not start its flow; recorded as a failed run')).toHaveLength(1);

    await engine.retryRun(run.id);
    await runtime.poll();
    const retried = await untilStatus(store, run.id, 'failed');
    expect(retried.error?.code).toBe('ScheduleRefused');
  });

  it('fires a schedule whose input no longer fits its flow into a failed run with the input’s error', async () => {
    const { store } = await world.boot({ flows: catalogOf(flows) });
    await schedule(store, 'deactivate:B1', 1000, { employee: 'no employmentId' });
    await world.advance(1000);
    await waitFor(async () => (await store.getSchedule('deactivate:B1'))?.status === 'fired', 'the schedule to be settled');
    const run = (await runOf(store, 'deactivate:B1'))!;
    expect(run).toMatchObject({ flowId: deactivate.id, status: 'failed' });
    expect(run.error?.code).toBe('flow.invalid_input');
    expect(run.error?.message).toMatch(/could not start flow deactivate-account: input of flow deactivate-account is invalid: .*employmentId/);
  });

  it('records a schedule whose business key another run holds as skipped, naming that run, and never tries it again', async () => {
    const { store, engine, scheduler, runtime } = await world.boot({ flows: catalogOf(flows), start: false });
    const holder = await engine.startRun(engine.compile(deactivateOnce), { employmentId: 'E9' });
    await schedule(store, 'deactivate:E9', 1000, { employmentId: 'E9' }, deactivateOnce.id);
    await scheduler.start();
    await world.advance(1000);
    await waitFor(async () => (await store.getSchedule('deactivate:E9'))?.status === 'fired', 'the schedule to be settled');
    const fired = await store.getSchedule('deactivate:E9');
    const skipped = await store.getRun(fired!.runId!);
    expect(skipped).toMatchObject({ id: scheduleRunId('deactivate:E9', 1), status: 'cancelled', businessKey: 'E9' });
    expect(skipped?.error).toMatchObject({ code: 'schedule.duplicate', details: { existingRunId: holder.id } });
    expect(skipped?.error?.message).toContain(`run ${holder.id}`);
    await world.advance(5000, 1000);
    expect(world.logged('schedule skipped: another run of its flow holds the business key')).toHaveLength(1);
    // The holder is untouched and still executes.
    await runtime.start();
    await untilStatus(store, holder.id, 'succeeded');
    await settle();
  });
});
