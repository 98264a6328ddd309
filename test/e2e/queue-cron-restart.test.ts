import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverConnectors } from '../../src/connector-kit/registry.js';
import { sandboxConnections } from '../../src/sandbox/sandbox-connections.js';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { cronRunId, scheduleRunId } from '../../src/scheduler/run-ids.js';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { countedCall, CountingServer } from '../support/counting-server.js';
import { OwnRedis, QueueDeployment } from '../support/queue-processes.js';
import { TEST_REDIS_URL } from '../support/redis-prefix.js';
import { emptyCompany, listenOnLoopback } from '../support/sandbox-session.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Queue mode's schedules with real processes on PostgreSQL and Redis: cron ticks fired by two
 * `serve` processes at once, and a schedule and a listen parked while every process (and Redis)
 * is killed and started again.
 */

const succeededRuns = async (store: PostgresStore, flowId: string) => (await store.runsByFlowAndStatus()).find((c) => c.flowId === flowId && c.status === 'succeeded')?.count ?? 0;

describe('cron with two serve processes', () => {
  const FLOW = 'every-second';
  let deployment: QueueDeployment;

  beforeEach(() => {
    deployment = new QueueDeployment({
      name: 'cron-two-serves',
      flows: [{ id: FLOW, version: '1', triggers: [{ kind: 'cron', schedule: '* * * * * *' }], steps: [{ id: 'done', kind: 'return', output: '${ $input.tick }' }] }],
      connections: {},
      redis: TEST_REDIS_URL,
    });
  });

  afterEach(async () => {
    await deployment?.close();
  });

  it('fires each tick once: one run per second, none missed, none twice', async () => {
    const [first, second] = await Promise.all([deployment.serve(), deployment.serve()]);
    await deployment.worker(4);
    const store = await deployment.store();
    await waitFor(async () => (await store.listRuns({ flowId: FLOW, limit: 100 })).length >= 6, 'six ticks to have fired');
    // Both fired throughout: neither had stopped.
    expect([first.child.exitCode, second.child.exitCode]).toEqual([null, null]);
    await Promise.all([first.stop(), second.stop()]);
    const fired = await store.listRuns({ flowId: FLOW, limit: 1000 });
    await waitFor(async () => (await succeededRuns(store, FLOW)) === fired.length, 'every fired tick to have run');

    const byTick = new Map<number, string[]>();
    for (const run of fired) {
      const tick = Date.parse((run.input as { tick: string }).tick);
      byTick.set(tick, [...(byTick.get(tick) ?? []), run.id]);
    }
    const ticks = [...byTick.keys()].sort((a, b) => a - b);
    const everySecond = Array.from({ length: (ticks.at(-1)! - ticks[0]!) / 1000 + 1 }, (_, i) => ticks[0]! + i * 1000);
    expect(ticks).toEqual(everySecond);
    expect([...byTick.entries()].filter(([, runs]) => runs.length !== 1)).toEqual([]);
    expect(fired.map((run) => run.id).sort()).toEqual(ticks.map((tick) => cronRunId(FLOW, 0, new Date(tick).toISOString())).sort());
  }, 60_000);
});

describe('a schedule and a listen across a restart of every process', () => {
  const KEY = 'later:restart';
  const ENVELOPE = 'env-restart';
  const FLOWS = [
    {
      id: 'plan-later',
      version: '1',
      input: { type: 'object', required: ['at'], properties: { at: { type: 'string' } } },
      steps: [{ id: 'later', kind: 'schedule', key: KEY, flow: 'fire-later', input: { plannedBy: '${ $run.id }' }, at: '${ $input.at }' }],
    },
    { id: 'fire-later', version: '1', steps: [countedCall('fired')] },
    {
      id: 'await-signature',
      version: '1',
      input: { type: 'object', required: ['envelopeId'], properties: { envelopeId: { type: 'string' } } },
      steps: [
        { id: 'signed', kind: 'listen', connection: 'docusign', event: 'envelope-completed', key: '${ $input.envelopeId }', match: 'payload.envelopeId', timeout: '10m' },
        countedCall('countersign'),
      ],
    },
  ];
  let sandbox: Sandbox;
  let sandboxUrl: string;
  let redis: OwnRedis;
  let vendor: CountingServer;
  let deployment: QueueDeployment;

  beforeEach(async () => {
    sandbox = await createSandbox({ company: emptyCompany('Restart Co') });
    sandboxUrl = await listenOnLoopback(sandbox);
    const { connections, secrets } = sandboxConnections(sandboxUrl, DEFAULT_SANDBOX_CREDENTIALS, (await discoverConnectors()).list().map((manifest) => manifest.id));
    vendor = new CountingServer();
    const svc = { connector: 'http', baseUrl: await vendor.start() };
    redis = await OwnRedis.start();
    deployment = new QueueDeployment({ name: 'schedule-restart', flows: FLOWS, connections: { svc, docusign: connections.docusign }, secrets, redis });
  });

  afterEach(async () => {
    try {
      await deployment?.close();
    } finally {
      await redis?.close();
      await vendor?.stop();
      await sandbox?.app.close();
    }
  });

  it('resumes the listening run on its event and fires the schedule once, at its moment, after serve, worker and Redis were killed', async () => {
    let serve = await deployment.serve();
    await deployment.worker(4);
    const store = await deployment.store();
    // Far enough ahead that every process is killed before it comes, on a slow machine too.
    const at = new Date(Date.now() + 10_000).toISOString();
    const planned = await deployment.api(serve, 'POST', '/flows/plan-later/runs', { input: { at } });
    const listening = await deployment.api(serve, 'POST', '/flows/await-signature/runs', { input: { envelopeId: ENVELOPE } });
    expect([planned.status, listening.status]).toEqual([202, 202]);
    const plannedId = (planned.body as { id: string }).id;
    const listeningId = (listening.body as { id: string }).id;
    await waitFor(
      async () => (await store.getRun(plannedId))?.status === 'succeeded' && (await store.getRun(listeningId))?.status === 'waiting',
      'the schedule to be made and the listen to park',
    );

    await deployment.killAll();
    await redis.restart();
    const restartedAt = new Date().toISOString();
    expect(await store.getSchedule(KEY)).toMatchObject({ status: 'pending', fireAt: at });
    expect(await store.listRuns({ flowId: 'fire-later' })).toEqual([]);

    serve = await deployment.serve();
    await deployment.worker(4);
    const answer = await fetch(`${sandboxUrl}/_sandbox/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connector: 'docusign', type: 'envelope-completed', payload: { envelopeId: ENVELOPE }, target: `${serve.url}/webhooks/docusign` }),
    });
    expect(await answer.json()).toMatchObject({ status: 200, body: { ok: true, outcome: 'accepted' } });
    await waitFor(async () => (await store.getRun(listeningId))?.status === 'succeeded', 'the listening run to resume and succeed');
    expect(vendor.calls('/countersign').map((call) => (call.body as { runId: string }).runId)).toEqual([listeningId]);

    await waitFor(async () => (await succeededRuns(store, 'fire-later')) === 1, 'the schedule to fire and its run to succeed');
    const schedule = await store.getSchedule(KEY);
    expect(schedule).toMatchObject({ status: 'fired', runId: scheduleRunId(KEY, 1) });
    const [firedRun, ...more] = await store.listRuns({ flowId: 'fire-later' });
    expect(more).toEqual([]);
    expect(firedRun).toMatchObject({ id: scheduleRunId(KEY, 1), input: { plannedBy: plannedId } });
    // At its moment, by a process started after the restart: never early, never lost with the killed ones.
    expect(firedRun!.createdAt >= at && firedRun!.createdAt >= restartedAt).toBe(true);
    expect(vendor.calls('/fired').map((call) => (call.body as { runId: string }).runId)).toEqual([firedRun!.id]);
  }, 90_000);
});
