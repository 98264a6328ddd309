import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventRunId } from '../../src/events/event-dispatcher.js';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import type { DeliveryRecord } from '../../src/store/records.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { useCliWorkspace } from '../support/cli-workspace.js';
import { countedCall } from '../support/counting-server.js';
import { emptyCompany, listenOnLoopback } from '../support/sandbox-session.js';
import { ServeProcesses } from '../support/serve-process.js';
import { readStoreFile, withStoreFile } from '../support/store-file.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Webhook exactly-once across a crash, with real `staffwire serve` processes: an event persisted
 * but not dispatched when its process died starts its flow's run once after a restart, and a
 * restart after that starts nothing more.
 */

const lark = DEFAULT_SANDBOX_CREDENTIALS.lark;
const env = { SERVE_LARK_SECRET: lark.appSecret, SERVE_LARK_TOKEN: lark.verificationToken, SERVE_LARK_KEY: lark.encryptKey };
const EVENT = 'hire.offer.status_changed_v1';
const FLOW = 'offer-accepted';

const ws = useCliWorkspace('serve-webhooks');
const serves = new ServeProcesses();
let sandbox: Sandbox;
let sandboxUrl: string;

beforeEach(async () => {
  sandbox = await createSandbox({ company: emptyCompany('Serve Webhooks Co') });
  sandboxUrl = await listenOnLoopback(sandbox);
  ws.configure({
    connections: {
      svc: { connector: 'http', baseUrl: ws.url },
      lark: {
        connector: 'lark-hire',
        baseUrl: sandboxUrl,
        appId: lark.appId,
        appSecret: { env: 'SERVE_LARK_SECRET' },
        webhook: { verificationToken: { env: 'SERVE_LARK_TOKEN' }, encryptKey: { env: 'SERVE_LARK_KEY' } },
      },
    },
  });
  // Each started run calls /onboard once with its run id: the vendor's view of how often it ran.
  ws.file(`flows/${FLOW}.json`, {
    id: FLOW,
    version: '1',
    triggers: [{ kind: 'event', connection: 'lark', event: EVENT, when: '${ $input.payload.offer_status = 7 }' }],
    steps: [countedCall('onboard'), { id: 'done', kind: 'return', output: { offer: '${ $input.payload.offer_id }' } }],
  });
});

afterEach(async () => {
  await serves.killAll();
  await sandbox.app.close();
});

const serve = () => serves.start(['--config', ws.config], { env });
const runIdOf = (eventId: string) => eventRunId('lark', eventId, FLOW, 0);
const runsFor = (eventId: string) => readStoreFile(ws.database).runs.filter((r) => r.id === runIdOf(eventId));
const onboardCallsFor = (eventId: string) => ws.server.calls('/onboard').filter((c) => (c.body as { runId: string }).runId === runIdOf(eventId));

const inStore = <T>(use: (store: SqliteStore) => Promise<T>, access?: { readonly: boolean }) => withStoreFile(ws.database, use, access);

/** An accepted delivery as the intake records it, not dispatched: what a process that died right after answering 200 leaves. */
function recordUndispatched(eventId: string, offerId: string): Promise<DeliveryRecord> {
  const now = new Date();
  return inStore((store) =>
    store.recordDelivery({
      source: 'lark',
      receivedAt: now.toISOString(),
      outcome: 'accepted',
      event: { id: eventId, type: EVENT, occurredAt: now.toISOString(), payload: { offer_id: offerId, offer_status: 7 } },
      dedupeUntil: new Date(now.getTime() + 86_400_000).toISOString(),
    }),
  );
}

/** Has the sandbox sign and send the delivery to the serve process, as Lark would; resolves once answered. */
async function sendFromLark(serveUrl: string, eventId: string, offerId: string): Promise<void> {
  const answer = await fetch(`${sandboxUrl}/_sandbox/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ connector: 'lark-hire', type: EVENT, id: eventId, payload: { offer_id: offerId, offer_status: 7 }, target: `${serveUrl}/webhooks/lark` }),
  });
  expect(answer.status).toBe(200);
  expect(await answer.json()).toMatchObject({ status: 200, body: { ok: true, outcome: 'accepted' } });
}

const deliveryOf = async (eventId: string) => (await inStore((store) => store.listDeliveries(), { readonly: true })).find((d) => d.event?.id === eventId);

/** Waits until the event's delivery is out of the outbox and the run it started has succeeded. */
async function succeeded(eventId: string): Promise<void> {
  await waitFor(async () => runsFor(eventId)[0]?.status === 'succeeded' && (await deliveryOf(eventId))?.dispatchedAt !== undefined, `the run of event ${eventId} to succeed`);
}

/**
 * One run, and one side effect: a process killed mid-call may leave the call to be sent again by
 * the next, but with the same idempotency key.
 */
function expectRanOnce(eventId: string): void {
  expect(runsFor(eventId)).toHaveLength(1);
  const keys = onboardCallsFor(eventId).map((c) => c.idempotencyKey);
  expect(keys.length).toBeGreaterThan(0);
  expect(new Set(keys).size).toBe(1);
}

describe('webhook deliveries across a crash', () => {
  it('starts the run of an event recorded but never dispatched once serve starts, and not again after another restart', async () => {
    await recordUndispatched('ev_outbox', 'of_1');
    const first = await serve();
    await succeeded('ev_outbox');
    expectRanOnce('ev_outbox');
    await first.stop('SIGKILL');

    // A later event shows the restarted process has been through its outbox.
    await recordUndispatched('ev_later', 'of_2');
    await serve();
    await succeeded('ev_later');
    expectRanOnce('ev_outbox');
    expectRanOnce('ev_later');
    expect(readStoreFile(ws.database).runs.filter((r) => r.flowId === FLOW)).toHaveLength(2);
  });

  it('starts the run once when serve is SIGKILLed right after answering 200 to a signed delivery', async () => {
    const first = await serve();
    await sendFromLark(first.url, 'ev_killed', 'of_3');
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = await serve();
    await succeeded('ev_killed');
    await sendFromLark(second.url, 'ev_after', 'of_4');
    await succeeded('ev_after');
    expectRanOnce('ev_killed');
    expectRanOnce('ev_after');
    expect(readStoreFile(ws.database).runs.filter((r) => r.flowId === FLOW)).toHaveLength(2);
  });
});
