import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverConnectors } from '../../src/connector-kit/registry.js';
import { eventRunId } from '../../src/events/event-dispatcher.js';
import { sandboxConnections } from '../../src/sandbox/sandbox-connections.js';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { OwnRedis, QueueDeployment } from '../support/queue-processes.js';
import { emptyCompany, listenOnLoopback } from '../support/sandbox-session.js';
import type { ServeProcess } from '../support/serve-process.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Queue mode's promise that Redis only carries wake-ups, with real processes: a `serve` and a
 * `worker` on PostgreSQL and a redis-server of the test's own, which is SIGKILLed in the middle of
 * a load of webhook deliveries and API starts and started again empty. What serve accepted is in
 * the store; the sweeper gives the workers back what Redis lost.
 */

const EVENT = 'hire.offer.status_changed_v1';
const WEBHOOK_FLOW = 'offer-accepted';
const API_FLOW = 'started-by-hand';
const DELIVERIES = 150;
const API_STARTS = 150;
/** Requests in flight at once, per kind. */
const CONCURRENCY = 8;

const FLOWS = [
  {
    id: WEBHOOK_FLOW,
    version: '1',
    triggers: [{ kind: 'event', connection: 'lark', event: EVENT, when: '${ $input.payload.offer_status = 7 }' }],
    steps: [{ id: 'done', kind: 'return', output: { offer: '${ $input.payload.offer_id }' } }],
  },
  {
    id: API_FLOW,
    version: '1',
    input: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
    // A wait parks the run with a delayed job in Redis: a timer Redis loses with everything else.
    steps: [
      { id: 'pause', kind: 'wait', for: '1s' },
      { id: 'done', kind: 'return', output: '${ $input.n }' },
    ],
  },
];

/** Calls `send` for 0..count-1, `concurrency` at a time. */
async function inPool(count: number, concurrency: number, send: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await send(next++);
    }),
  );
}

describe('queue mode when Redis is killed and restarted empty during load', () => {
  let sandbox: Sandbox;
  let sandboxUrl: string;
  let redis: OwnRedis;
  let deployment: QueueDeployment;

  beforeEach(async () => {
    sandbox = await createSandbox({ company: emptyCompany('Redis Restart Co') });
    sandboxUrl = await listenOnLoopback(sandbox);
    const ids = (await discoverConnectors()).list().map((manifest) => manifest.id);
    const { connections, secrets } = sandboxConnections(sandboxUrl, DEFAULT_SANDBOX_CREDENTIALS, ids);
    redis = await OwnRedis.start();
    deployment = new QueueDeployment({ name: 'redis-restart', flows: FLOWS, connections: { lark: { ...connections.lark, connector: 'lark-hire' } }, secrets, redis });
  });

  afterEach(async () => {
    try {
      await deployment?.close();
    } finally {
      await redis?.close();
      await sandbox?.app.close();
    }
  });

  /** Has the sandbox sign and send one Lark delivery to serve; resolves with serve's answer (502 when serve could not be reached). */
  async function deliver(serve: ServeProcess, eventId: string): Promise<{ status: number; body: unknown }> {
    const answer = await fetch(`${sandboxUrl}/_sandbox/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connector: 'lark-hire', type: EVENT, id: eventId, payload: { offer_id: `of_${eventId}`, offer_status: 7 }, target: `${serve.url}/webhooks/lark` }),
    });
    const body = (await answer.json()) as { status?: number; body?: unknown; error?: string };
    return answer.status === 200 ? { status: body.status!, body: body.body } : { status: answer.status, body };
  }

  /** Lines of a process's log (its stderr) that are not one JSON object each, as pino writes them. */
  const notJson = (log: string) =>
    log.split('\n').filter((line) => {
      if (line === '') return false;
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });

  const succeeded = async (store: PostgresStore, flowId: string) => (await store.runsByFlowAndStatus()).find((c) => c.flowId === flowId && c.status === 'succeeded')?.count ?? 0;

  it('answers every webhook delivery 200 and every API start 202, every run they started succeeds, and the processes log only JSON', async () => {
    const serve = await deployment.serve();
    const worker = await deployment.worker(16);
    const store = await deployment.store();

    const answers: { what: string; status: number; body: unknown }[] = [];
    const apiRunIds: string[] = [];
    const answeredWhileDown: string[] = [];
    let redisDown = false;
    // A request that got no answer at all is recorded as status 0, with why.
    const record = async (what: string, request: Promise<{ status: number; body: unknown }>) => {
      const answer = await request.catch((err: unknown) => ({ status: 0, body: String(err) }));
      answers.push({ what, ...answer });
      if (redisDown) answeredWhileDown.push(what);
      return answer;
    };
    // Each kind's middle third is sent only once Redis is down, its last third once it is back: every phase has its load.
    let killed = () => {};
    let restarted = () => {};
    const redisKilled = new Promise<void>((resolve) => (killed = resolve));
    const redisRestarted = new Promise<void>((resolve) => (restarted = resolve));
    const sendable = (i: number, count: number) => (i >= (2 * count) / 3 ? redisRestarted : i >= count / 3 ? redisKilled : undefined);
    const load = Promise.all([
      inPool(DELIVERIES, CONCURRENCY, async (i) => {
        await sendable(i, DELIVERIES);
        await record(`delivery ev_${i}`, deliver(serve, `ev_${i}`));
      }),
      inPool(API_STARTS, CONCURRENCY, async (i) => {
        await sendable(i, API_STARTS);
        const answer = await record(`API start ${i}`, deployment.api(serve, 'POST', `/flows/${API_FLOW}/runs`, { input: { n: i } }));
        if (answer.status === 202) apiRunIds.push((answer.body as { id: string }).id);
      }),
    ]);

    // Redis goes away with everything it held while requests are under way and runs queued or parked on their timers.
    await waitFor(() => answers.length >= (DELIVERIES + API_STARTS) / 6, 'a sixth of the load to be answered');
    await redis.kill();
    redisDown = true;
    killed();
    await waitFor(() => answers.length >= ((DELIVERIES + API_STARTS) * 2) / 3, () => `two thirds of the load to be answered (${answers.length} were, ${answeredWhileDown.length} with Redis down)`);
    await redis.restart();
    redisDown = false;
    restarted();
    await load;

    const unexpected = answers.filter((a) => (a.what.startsWith('delivery') ? a.status !== 200 || (a.body as { outcome?: string }).outcome !== 'accepted' : a.status !== 202));
    expect(unexpected).toEqual([]);
    expect(answers).toHaveLength(DELIVERIES + API_STARTS);
    expect(answeredWhileDown.length).toBeGreaterThanOrEqual((DELIVERIES + API_STARTS) / 3);

    await waitFor(
      async () => (await succeeded(store, WEBHOOK_FLOW)) === DELIVERIES && (await succeeded(store, API_FLOW)) === API_STARTS,
      async () => `every run to succeed (${await succeeded(store, WEBHOOK_FLOW)} of ${DELIVERIES} from webhooks, ${await succeeded(store, API_FLOW)} of ${API_STARTS} from the API did)`,
    );
    const webhookRuns = await store.listRuns({ flowId: WEBHOOK_FLOW, limit: 1000 });
    expect(new Set(webhookRuns.map((r) => r.id))).toEqual(new Set(Array.from({ length: DELIVERIES }, (_, i) => eventRunId('lark', `ev_${i}`, WEBHOOK_FLOW, 0))));
    const apiRuns = await store.listRuns({ flowId: API_FLOW, limit: 1000 });
    expect(new Set(apiRuns.map((r) => r.id))).toEqual(new Set(apiRunIds));
    expect([...webhookRuns, ...apiRuns].filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(notJson(serve.output().stderr)).toEqual([]);
    expect(notJson(worker.output().stderr)).toEqual([]);
  }, 120_000);
});
