import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlowFiles } from '../../src/engine/flow-files.js';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import { cronRunId } from '../../src/scheduler/run-ids.js';
import { CRON_STATE_NAMESPACE } from '../../src/scheduler/scheduler.js';
import type { RunRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { waitFor } from '../support/wait-for.js';
import { SchedulerWorld } from './scheduler-world.js';

const HOUR = 3_600_000;

/** A flow that reports the tick it ran for, with a cron trigger. */
function cronFlow(id: string, trigger: Record<string, unknown>): FlowDefinition {
  return {
    id,
    version: '1',
    triggers: [{ kind: 'cron', ...trigger } as never],
    steps: [{ id: 'report', kind: 'return', output: { tick: '${ $input.tick }', table: '${ $input.table }' } }],
  };
}

describe('scheduler: cron triggers', () => {
  let world: SchedulerWorld;
  let folder: string;
  let flows: FlowFiles;

  beforeEach(() => {
    // The clock starts at 2030-01-01T00:00:00Z.
    world = new SchedulerWorld();
    folder = join(world.dir, 'flows');
    mkdirSync(folder);
    flows = new FlowFiles([folder]);
  });
  afterEach(async () => {
    await world.close();
  });

  function writeFlow(flow: FlowDefinition): void {
    writeFileSync(join(folder, `${flow.id}.json`), JSON.stringify(flow, null, 2));
  }

  async function runsOf(store: Store, flowId: string): Promise<RunRecord[]> {
    return (await store.listRuns({ flowId })).sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  }

  it('fires each tick once, with the tick and the trigger’s input, and the runtime executes it', async () => {
    writeFlow(cronFlow('sync-employees', { schedule: '*/5 * * * *', input: { table: 'employees' } }));
    const { store } = await world.boot({ flows });
    await world.advance(5 * 60_000, 1000);
    const first = cronRunId('sync-employees', 0, '2030-01-01T00:05:00.000Z');
    await waitFor(async () => (await store.getRun(first))?.status === 'succeeded', 'the 00:05 tick to run');
    expect(await store.getRun(first)).toMatchObject({
      createdBy: 'cron',
      createdAt: '2030-01-01T00:05:00.000Z',
      input: { tick: '2030-01-01T00:05:00.000Z', table: 'employees' },
      output: { tick: '2030-01-01T00:05:00.000Z', table: 'employees' },
    });
    await world.advance(5 * 60_000 + 30_000, 1000);
    await waitFor(async () => (await store.listRuns({ status: ['succeeded'] })).length === 2, 'the 00:10 tick to run');
    expect((await runsOf(store, 'sync-employees')).map((r) => r.id)).toEqual([first, cronRunId('sync-employees', 0, '2030-01-01T00:10:00.000Z')]);
    expect(await store.getState(CRON_STATE_NAMESPACE, 'sync-employees/0')).toMatchObject({
      lastTick: '2030-01-01T00:10:00.000Z',
      lastRunId: cronRunId('sync-employees', 0, '2030-01-01T00:10:00.000Z'),
    });
  });

  it('fires each tick once when two schedulers share the file', async () => {
    writeFlow(cronFlow('sync-employees', { schedule: '* * * * *' }));
    const a = await world.boot({ flows: new FlowFiles([folder]) });
    await world.boot({ flows: new FlowFiles([folder]) });
    await world.advance(10 * 60_000, 1000);
    await waitFor(async () => (await a.store.listRuns({ status: ['succeeded'] })).length === 10, 'ten ticks to run');
    const ticks = Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2030, 0, 1, 0, i + 1)).toISOString());
    expect((await runsOf(a.store, 'sync-employees')).map((r) => r.id)).toEqual(ticks.map((tick) => cronRunId('sync-employees', 0, tick)));
    expect(world.logged('cron tick fired')).toHaveLength(10);
  });

  it('skips the ticks missed while no process ran (missed: skip), and goes on with the next', async () => {
    writeFlow(cronFlow('hourly-report', { schedule: '0 * * * *' }));
    const first = await world.boot({ flows });
    await world.advance(HOUR, 10_000);
    await waitFor(async () => (await first.store.listRuns({ status: ['succeeded'] })).length === 1, 'the 01:00 tick to run');
    await first.exit();

    await world.clock.advance(4.5 * HOUR); // 05:30: the 02:00 to 05:00 ticks go by with no process.
    const second = await world.boot({ flows: new FlowFiles([folder]) });
    await world.advance(60_000, 10_000);
    expect((await runsOf(second.store, 'hourly-report')).map((r) => r.input)).toEqual([{ tick: '2030-01-01T01:00:00.000Z' }]);
    expect(world.logged('cron ticks missed while no process ran were skipped (missed: skip)')).toHaveLength(1);

    await world.advance(HOUR / 2, 10_000);
    await waitFor(async () => (await second.store.listRuns({ status: ['succeeded'] })).length === 2, 'the 06:00 tick to run');
    expect((await runsOf(second.store, 'hourly-report')).map((r) => (r.input as { tick: string }).tick)).toEqual(['2030-01-01T01:00:00.000Z', '2030-01-01T06:00:00.000Z']);
  });

  it('fires one run for the latest tick missed while no process ran (missed: once)', async () => {
    writeFlow(cronFlow('hourly-report', { schedule: '0 * * * *', missed: 'once' }));
    const first = await world.boot({ flows });
    await world.advance(HOUR, 10_000);
    await waitFor(async () => (await first.store.listRuns({ status: ['succeeded'] })).length === 1, 'the 01:00 tick to run');
    await first.exit();

    await world.clock.advance(4.5 * HOUR);
    const second = await world.boot({ flows: new FlowFiles([folder]) });
    const catchUp = cronRunId('hourly-report', 0, '2030-01-01T05:00:00.000Z');
    await waitFor(async () => (await second.store.getRun(catchUp))?.status === 'succeeded', 'the 05:00 catch-up to run');
    expect((await second.store.getRun(catchUp))?.createdAt).toBe('2030-01-01T05:30:00.000Z');
    await world.advance(HOUR / 2, 10_000);
    await waitFor(async () => (await second.store.listRuns({ status: ['succeeded'] })).length === 3, 'the 06:00 tick to run');
    expect((await runsOf(second.store, 'hourly-report')).map((r) => (r.input as { tick: string }).tick)).toEqual([
      '2030-01-01T01:00:00.000Z',
      '2030-01-01T05:00:00.000Z',
      '2030-01-01T06:00:00.000Z',
    ]);
  });

  it('reads the schedule in the trigger’s time zone: 0 9 * * * in Asia/Shanghai fires at 01:00Z', async () => {
    writeFlow(cronFlow('shanghai-morning', { schedule: '0 9 * * *', timeZone: 'Asia/Shanghai' }));
    const { store, scheduler } = await world.boot({ flows });
    await world.advance(HOUR - 1000, 10_000);
    await world.advance(999, 999);
    await scheduler.poll();
    expect(await store.listRuns()).toEqual([]);
    await world.advance(1, 1);
    const run = cronRunId('shanghai-morning', 0, '2030-01-01T01:00:00.000Z');
    await waitFor(async () => (await store.getRun(run))?.status === 'succeeded', 'the 09:00 Shanghai tick to run');
    expect((await store.getRun(run))?.createdAt).toBe('2030-01-01T01:00:00.000Z');
  });

  it('stops firing a trigger removed from its flow file, and a flow file removed', async () => {
    const flow = cronFlow('minutely', { schedule: '* * * * *' });
    writeFlow(flow);
    writeFlow({ ...cronFlow('other-minutely', { schedule: '* * * * *' }) });
    const { store } = await world.boot({ flows });
    await world.advance(60_000, 1000);
    await waitFor(async () => (await store.listRuns({ status: ['succeeded'] })).length === 2, 'the 00:01 ticks to run');

    writeFlow({ ...flow, version: '2', triggers: [{ kind: 'manual' }] });
    rmSync(join(folder, 'other-minutely.json'));
    await world.advance(5 * 60_000, 1000);
    expect((await store.listRuns()).map((r) => (r.input as { tick: string }).tick)).toEqual(['2030-01-01T00:01:00.000Z', '2030-01-01T00:01:00.000Z']);
    expect(world.logged('cron tick fired')).toHaveLength(2);
  });

  it('records a tick whose run the flow refuses as a failed run, and goes on', async () => {
    writeFlow({ ...cronFlow('strict-input', { schedule: '* * * * *' }), input: { type: 'object', required: ['table'] } });
    const { store } = await world.boot({ flows });
    await world.advance(2 * 60_000, 1000);
    await waitFor(async () => (await store.listRuns({ status: ['failed'] })).length === 2, 'two ticks to be recorded');
    const [run] = await runsOf(store, 'strict-input');
    expect(run).toMatchObject({ id: cronRunId('strict-input', 0, '2030-01-01T00:01:00.000Z'), status: 'failed', error: { code: 'flow.invalid_input' } });
    expect(run?.error?.message).toContain('cron tick 2030-01-01T00:01:00.000Z of trigger 0 could not start flow strict-input');
  });
});
