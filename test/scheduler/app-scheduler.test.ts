import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/create-app.js';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { loadConfig } from '../../src/config/config.js';
import { scheduleRunId } from '../../src/scheduler/run-ids.js';
import { waitFor } from '../support/wait-for.js';

const flows = {
  'plan-freeze': {
    id: 'plan-freeze',
    version: '1',
    steps: [{ id: 'later', kind: 'schedule', key: 'freeze:${ $input.employee }', flow: 'freeze', at: '${ $plus($run.startedAt, "1h") }', input: { employee: '${ $input.employee }' } }],
  },
  freeze: { id: 'freeze', version: '1', steps: [{ id: 'done', kind: 'return', output: { frozen: '${ $input.employee }' } }] },
  nightly: {
    id: 'nightly',
    version: '1',
    triggers: [{ kind: 'cron', schedule: '0 2 * * *', timeZone: 'Asia/Shanghai' }],
    steps: [{ id: 'done', kind: 'return', output: { tick: '${ $input.tick }' } }],
  },
};

/** The app as `staffwire serve` builds it: its background work includes the scheduler. */
describe('the app’s scheduler', () => {
  let dir: string;
  let app: App | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'staffwire-app-scheduler-'));
    mkdirSync(join(dir, 'flows'));
    for (const flow of Object.values(flows)) writeFileSync(join(dir, 'flows', `${flow.id}.json`), JSON.stringify(flow));
    writeFileSync(join(dir, 'staffwire.config.json'), JSON.stringify({ dataDir: 'data', flowDirs: ['flows'] }));
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires what a flow scheduled, and cron ticks, once started, and the runtime executes them', async () => {
    const clock = new ManualClock('2030-03-01T17:00:00.000Z');
    app = await createApp(loadConfig(join(dir, 'staffwire.config.json'), {}), { clock, log: pino({ level: 'silent' }) });
    await app.start();
    const planner = await app.engine.startRun(app.engine.compile((await app.flows.get('plan-freeze'))!), { employee: 'E7' });
    // As the API and the CLI do after queueing a run: the runtime looks at once instead of at its next poll.
    void app.runtime.poll();
    await waitFor(async () => (await app!.store.getRun(planner.id))?.status === 'succeeded', 'the planning run to succeed');
    expect(await app.store.getSchedule('freeze:E7')).toMatchObject({ status: 'pending', fireAt: '2030-03-01T18:00:00.000Z' });

    // 02:00 in Shanghai is 18:00Z: the freeze and the nightly tick fall due together.
    await clock.advanceTo('2030-03-01T18:00:00.000Z');
    const frozen = scheduleRunId('freeze:E7', 1);
    await waitFor(async () => (await app!.store.getRun(frozen))?.status === 'succeeded', 'the scheduled run to succeed');
    expect((await app.store.getRun(frozen))?.output).toEqual({ frozen: 'E7' });
    await waitFor(async () => (await app!.store.listRuns({ flowId: 'nightly' })).some((r) => r.status === 'succeeded'), 'the cron run to succeed');
    const nightly = await app.store.listRuns({ flowId: 'nightly' });
    expect(nightly.map((r) => r.output)).toEqual([{ tick: '2030-03-01T18:00:00.000Z' }]);
  });
});
