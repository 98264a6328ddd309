import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encryptLark } from '../../connectors/lark-shared/lark-webhook.js';
import { createApp, type App } from '../../src/app/create-app.js';
import { loadConfig } from '../../src/config/config.js';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import { eventRunId } from '../../src/events/event-dispatcher.js';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { intakeRoutes } from '../../src/server/intake/index.js';
import type { RunRecord } from '../../src/store/records.js';
import { CountingServer } from '../support/counting-server.js';
import { emptyCompany } from '../support/sandbox-session.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The webhook intake end to end in one process: the sandbox builds and sends the vendors' real
 * deliveries (encrypted and signed as Lark and DocuSign do) to a fastify instance serving the
 * intake of a real app, whose dispatcher and runtime then do their work.
 */

const HOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const lark = DEFAULT_SANDBOX_CREDENTIALS.lark;

let dir: string;
let sandbox: Sandbox;
let sandboxUrl: string;
let vendor: CountingServer;
let apps: App[] = [];
let servers: FastifyInstance[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'staffwire-intake-'));
  mkdirSync(join(dir, 'flows'));
  Object.assign(process.env, {
    INTAKE_LARK_SECRET: lark.appSecret,
    INTAKE_LARK_TOKEN: lark.verificationToken,
    INTAKE_LARK_KEY: lark.encryptKey,
    INTAKE_DOCUSIGN_TOKEN: DEFAULT_SANDBOX_CREDENTIALS.docusign.accessToken,
    INTAKE_CONNECT_SECRET: DEFAULT_SANDBOX_CREDENTIALS.docusign.connectSecret,
    INTAKE_HOOK_SECRET: HOOK_SECRET,
  });
  sandbox = await createSandbox({ company: emptyCompany('Intake Test Co') });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  sandboxUrl = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  vendor = new CountingServer();
  const vendorUrl = await vendor.start();
  writeFileSync(
    join(dir, 'staffwire.config.json'),
    JSON.stringify({
      dataDir: 'data',
      flowDirs: ['flows'],
      connections: {
        lark: {
          connector: 'lark-hire',
          baseUrl: sandboxUrl,
          appId: lark.appId,
          appSecret: { env: 'INTAKE_LARK_SECRET' },
          webhook: { verificationToken: { env: 'INTAKE_LARK_TOKEN' }, encryptKey: { env: 'INTAKE_LARK_KEY' } },
        },
        esign: {
          connector: 'docusign',
          baseUri: sandboxUrl,
          accountId: DEFAULT_SANDBOX_CREDENTIALS.docusign.accountId,
          accessToken: { env: 'INTAKE_DOCUSIGN_TOKEN' },
          connectSecrets: [{ env: 'INTAKE_CONNECT_SECRET' }],
        },
        svc: { connector: 'http', baseUrl: vendorUrl },
      },
    }),
  );
});

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const app of apps.splice(0)) await app.close();
  await sandbox.app.close();
  await vendor.stop();
  rmSync(dir, { recursive: true, force: true });
});

function flow(definition: object): void {
  writeFileSync(join(dir, 'flows', `${String((definition as { id: string }).id)}.json`), JSON.stringify(definition));
}

/** An app on the test's data folder, serving the intake on a loopback port. */
async function serve(options: { start?: boolean } = {}): Promise<{ app: App; url: string }> {
  const app = await createApp(loadConfig(join(dir, 'staffwire.config.json')), { log: pino({ level: 'silent' }) });
  apps.push(app);
  if (options.start !== false) await app.start();
  const server = Fastify();
  await server.register(intakeRoutes, { app });
  await server.listen({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  return { app, url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}` };
}

/** Has the sandbox build and send a vendor delivery, as the vendor would. */
async function emit(target: string, event: { connector: string; type: string; payload: Record<string, unknown>; id?: string }) {
  const answer = await fetch(`${sandboxUrl}/_sandbox/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...event, target }),
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as { status: number; body: Record<string, unknown>; delivery: { headers: Record<string, string>; body: string } };
}

const offerAccepted = (offerId: string) => ({ connector: 'lark-hire', type: 'hire.offer.status_changed_v1', payload: { offer_id: offerId, offer_status: 7 } });

const onboardingFlow = {
  id: 'offer-accepted',
  version: '1',
  triggers: [{ kind: 'event', connection: 'lark', event: 'hire.offer.status_changed_v1', when: '${ $input.payload.offer_status = 7 }' }],
  businessKey: '${ $input.payload.offer_id }',
  steps: [
    { id: 'hold', kind: 'wait', for: '1h' },
    { id: 'done', kind: 'return', output: { offer: '${ $input.payload.offer_id }' } },
  ],
};

async function runsOf(app: App, flowId: string): Promise<RunRecord[]> {
  return app.store.listRuns({ flowId });
}

describe('webhook intake', () => {
  it('answers the Lark URL-verification handshake and starts nothing', async () => {
    flow(onboardingFlow);
    const { app, url } = await serve();
    // Lark checks the URL with the challenge encrypted under the Encrypt Key, unsigned.
    const challenge = JSON.stringify({ challenge: 'c-123', token: lark.verificationToken, type: 'url_verification' });
    const answer = await fetch(`${url}/webhooks/lark`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ encrypt: encryptLark(lark.encryptKey, challenge) }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ challenge: 'c-123' });
    expect((await app.store.listDeliveries())[0]).toMatchObject({ source: 'lark', outcome: 'challenge' });
    expect(await runsOf(app, 'offer-accepted')).toEqual([]);
  });

  it('persists an accepted event, answers 200 before the flow finishes, and starts its run once', async () => {
    flow(onboardingFlow);
    const { app, url } = await serve();
    const sent = await emit(`${url}/webhooks/lark`, { ...offerAccepted('of_1'), id: 'ev_accepted_1' });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ ok: true, outcome: 'accepted' });
    await waitFor(async () => (await runsOf(app, 'offer-accepted')).some((r) => r.status === 'waiting'), 'the run to start and park');
    const [run] = await runsOf(app, 'offer-accepted');
    expect(run).toMatchObject({ id: eventRunId('lark', 'ev_accepted_1', 'offer-accepted', 0), businessKey: 'of_1', createdBy: 'event:ev_accepted_1' });
    expect((run!.input as { payload: unknown }).payload).toEqual({ offer_id: 'of_1', offer_status: 7 });
    const [delivery] = await app.store.listDeliveries();
    expect(delivery).toMatchObject({ outcome: 'accepted', dispatch: [{ flowId: 'offer-accepted', runId: run!.id, started: true }] });
  });

  it('treats a redelivery of the same event as a duplicate: 200, and no second run', async () => {
    flow(onboardingFlow);
    const { app, url } = await serve();
    await emit(`${url}/webhooks/lark`, { ...offerAccepted('of_2'), id: 'ev_dup' });
    const again = await emit(`${url}/webhooks/lark`, { ...offerAccepted('of_2'), id: 'ev_dup' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'duplicate' });
    await waitFor(async () => (await app.store.undispatchedDeliveries(10)).length === 0, 'the outbox to drain');
    expect(await runsOf(app, 'offer-accepted')).toHaveLength(1);
  });

  it('starts nothing for a second event with a business key whose run is still under way, and says so', async () => {
    flow(onboardingFlow);
    const { app, url } = await serve();
    await emit(`${url}/webhooks/lark`, { ...offerAccepted('of_3'), id: 'ev_first' });
    await emit(`${url}/webhooks/lark`, { ...offerAccepted('of_3'), id: 'ev_second' });
    await waitFor(async () => (await app.store.undispatchedDeliveries(10)).length === 0, 'the outbox to drain');
    const runs = await runsOf(app, 'offer-accepted');
    expect(runs).toHaveLength(1);
    const second = (await app.store.listDeliveries())[0]!;
    expect(second.dispatch).toEqual([{ flowId: 'offer-accepted', runId: runs[0]!.id, started: false, reason: `run ${runs[0]!.id} is still under way for business key of_3` }]);
  });

  it('starts nothing when the trigger’s condition does not hold', async () => {
    flow(onboardingFlow);
    const { app, url } = await serve();
    await emit(`${url}/webhooks/lark`, { connector: 'lark-hire', type: 'hire.offer.status_changed_v1', payload: { offer_id: 'of_4', offer_status: 8 } });
    await waitFor(async () => (await app.store.undispatchedDeliveries(10)).length === 0, 'the outbox to drain');
    expect(await runsOf(app, 'offer-accepted')).toEqual([]);
  });

  it('refuses forged, stale and truncated deliveries with a 4xx naming why, records each, and starts nothing', async () => {
    flow(onboardingFlow);
    const { app, url } = await serve();
    const built = await emit(`${url}/webhooks/lark`, offerAccepted('of_5'));
    const { headers, body } = built.delivery;
    const post = (h: Record<string, string>, b: string) => fetch(`${url}/webhooks/lark`, { method: 'POST', headers: h, body: b });
    const forged = await post({ ...headers, 'x-lark-signature': 'f'.repeat(64) }, body);
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ code: 'webhook.bad_signature' });
    const stale = await post({ ...headers, 'x-lark-request-timestamp': String(Math.floor(Date.now() / 1000) - 3600) }, body);
    expect([400, 401]).toContain(stale.status);
    const truncated = await post(headers, body.slice(0, body.length - 5));
    expect(truncated.status).toBeGreaterThanOrEqual(400);
    expect(truncated.status).toBeLessThan(500);
    const unknown = await fetch(`${url}/webhooks/nowhere`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'webhook.unknown_connection' });
    const refused = await app.store.listDeliveries({ outcome: ['refused'] });
    expect(refused).toHaveLength(4);
    expect(refused.every((d) => d.reason && d.reason.message.length > 0)).toBe(true);
    await waitFor(async () => (await app.store.undispatchedDeliveries(10)).length === 0, 'the outbox to drain');
    // The one genuine delivery started one run; none of the refused ones did.
    expect(await runsOf(app, 'offer-accepted')).toHaveLength(1);
  });

  it('dispatches, after a restart, an event persisted by a process that died before dispatching it — once', async () => {
    flow(onboardingFlow);
    // A process accepted the delivery (it is in the store) but died before its dispatcher ran.
    const first = await serve({ start: false });
    const sent = await emit(`${first.url}/webhooks/lark`, { ...offerAccepted('of_6'), id: 'ev_crash' });
    expect(sent.status).toBe(200);
    expect(await first.app.store.undispatchedDeliveries(10)).toHaveLength(1);
    await first.app.close();
    apps = apps.filter((a) => a !== first.app);

    const second = await serve();
    await waitFor(async () => (await second.app.store.undispatchedDeliveries(10)).length === 0, 'the outbox to drain after the restart');
    expect(await runsOf(second.app, 'offer-accepted')).toHaveLength(1);
    // Dispatching it again (as after a crash between starting the run and marking it) starts nothing more.
    const [delivery] = await second.app.store.listDeliveries();
    expect(await second.app.dispatcher.dispatch(delivery!)).toEqual([{ flowId: 'offer-accepted', runId: eventRunId('lark', 'ev_crash', 'offer-accepted', 0), started: true }]);
    expect(await runsOf(second.app, 'offer-accepted')).toHaveLength(1);
  });
});

describe('listen through the intake', () => {
  const awaitSignature: FlowDefinition = {
    id: 'await-signature',
    version: '1',
    input: { type: 'object', required: ['envelopeId'], properties: { envelopeId: { type: 'string' } } },
    steps: [
      { id: 'signed', kind: 'listen', connection: 'esign', event: 'envelope-completed', key: '${ $input.envelopeId }', match: 'payload.envelopeId', timeout: '14d' },
      { id: 'done', kind: 'return', output: { signedAt: '${ $steps.signed.occurredAt }', envelope: '${ $steps.signed.payload.envelopeId }' } },
    ],
  };

  it('wakes every run listening for the envelope when DocuSign says it was completed, and only those', async () => {
    flow(awaitSignature);
    const { app, url } = await serve();
    const compiled = app.engine.compile(awaitSignature);
    const a = await app.engine.startRun(compiled, { envelopeId: 'env-A' });
    const b = await app.engine.startRun(compiled, { envelopeId: 'env-A' });
    const other = await app.engine.startRun(compiled, { envelopeId: 'env-B' });
    for (const run of [a, b, other]) await waitFor(async () => (await app.store.getRun(run.id))?.status === 'waiting', 'the runs to listen');
    await emit(`${url}/webhooks/esign`, { connector: 'docusign', type: 'envelope-completed', payload: { envelopeId: 'env-A' } });
    for (const run of [a, b]) {
      await waitFor(async () => (await app.store.getRun(run.id))?.status === 'succeeded', 'the listeners to finish');
      expect((await app.store.getRun(run.id))?.output).toMatchObject({ envelope: 'env-A' });
    }
    expect((await app.store.getRun(other.id))?.status).toBe('waiting');
    expect((await app.store.listDeliveries())[0]?.dispatch).toEqual(
      expect.arrayContaining([
        { runId: a.id, woken: true, step: 'signed' },
        { runId: b.id, woken: true, step: 'signed' },
      ]),
    );
  });
});

describe('hooks', () => {
  const signed = (body: unknown, id = `msg_${Math.random().toString(36).slice(2)}`) => {
    const text = JSON.stringify(body);
    const timestamp = new Date();
    const signature = new Webhook(HOOK_SECRET).sign(id, timestamp, text);
    return { body: text, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': signature } };
  };

  const echoFlow = (respond: boolean) => ({
    id: respond ? 'echo-now' : 'echo-later',
    version: '1',
    triggers: [{ kind: 'hook', secret: { env: 'INTAKE_HOOK_SECRET' }, ...(respond ? { respond: { waitUpTo: '10s' } } : {}) }],
    input: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
    steps: [
      { id: 'shape', kind: 'set', values: { greeting: 'Hello, ${ $input.name }', length: '${ $length($input.name) }' } },
      { id: 'send', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/greet', body: '${ $steps.shape }' } },
      { id: 'done', kind: 'return', output: { greeting: '${ $steps.shape.greeting }', vendorStatus: '${ $steps.send.status }' } },
    ],
  });

  it('answers with the run’s output when the flow’s hook responds and the run ends in time', async () => {
    flow(echoFlow(true));
    const { url } = await serve();
    const { body, headers } = signed({ name: 'Ada' });
    const answer = await fetch(`${url}/hooks/echo-now`, { method: 'POST', headers, body });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ greeting: 'Hello, Ada', vendorStatus: 200 });
    expect(answer.headers.get('location')).toMatch(/^\/api\/v1\/runs\/run_evt_/);
    expect(vendor.calls('/greet')[0]?.body).toEqual({ greeting: 'Hello, Ada', length: 3 });
  });

  it('answers 202 with the run id and its Location otherwise, and the run executes', async () => {
    flow(echoFlow(false));
    const { app, url } = await serve();
    const { body, headers } = signed({ name: 'Bo' });
    const answer = await fetch(`${url}/hooks/echo-later`, { method: 'POST', headers, body });
    expect(answer.status).toBe(202);
    const { runId } = (await answer.json()) as { runId: string };
    expect(answer.headers.get('location')).toBe(`/api/v1/runs/${runId}`);
    await waitFor(async () => (await app.store.getRun(runId))?.status === 'succeeded', 'the run to finish');
  });

  it('refuses a bad signature (401) and input the flow does not accept (422), starting nothing', async () => {
    flow(echoFlow(false));
    const { app, url } = await serve();
    const good = signed({ name: 'Cy' });
    const forged = await fetch(`${url}/hooks/echo-later`, { method: 'POST', headers: { ...good.headers, 'webhook-signature': 'v1,AAAA' }, body: good.body });
    expect(forged.status).toBe(401);
    const wrong = signed({ nom: 'Cy' });
    const invalid = await fetch(`${url}/hooks/echo-later`, { method: 'POST', headers: wrong.headers, body: wrong.body });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({ code: 'flow.invalid_input' });
    const missing = await fetch(`${url}/hooks/no-such-flow`, { method: 'POST', headers: good.headers, body: good.body });
    expect(missing.status).toBe(404);
    expect(await app.store.listRuns()).toEqual([]);
  });

  it('answers with the run the outbox dispatcher started first from the stored delivery, not an error', async () => {
    flow(echoFlow(true));
    const { app, url } = await serve();
    const { body, headers } = signed({ name: 'Ed' }, 'msg_raced');
    // The dispatcher got there first: the hook's run exists under the id the route derives.
    const runId = eventRunId('hook:echo-now', 'msg_raced', 'echo-now', 0);
    await app.engine.startRun(app.engine.compile((await app.flows.get('echo-now'))!), { name: 'Ed' }, { runId, actor: 'event:msg_raced' });
    const answer = await fetch(`${url}/hooks/echo-now`, { method: 'POST', headers, body });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ greeting: 'Hello, Ed', vendorStatus: 200 });
    expect(answer.headers.get('location')).toBe(`/api/v1/runs/${runId}`);
    expect(await app.store.listRuns({ flowId: 'echo-now' })).toHaveLength(1);
  });

  it('writes the delivery settled with the run it starts: nothing waits in the outbox', async () => {
    flow(echoFlow(false));
    const { app, url } = await serve();
    // One write holds both: the run is not created, nor the delivery settled, in writes of their own.
    const separately = [vi.spyOn(app.store, 'createRun'), vi.spyOn(app.store, 'markDispatched')];
    const { body, headers } = signed({ name: 'Flo' });
    const answer = await fetch(`${url}/hooks/echo-later`, { method: 'POST', headers, body });
    for (const write of separately) expect(write).not.toHaveBeenCalled();
    const { runId } = (await answer.json()) as { runId: string };
    const [delivery] = await app.store.listDeliveries({ source: 'hook:echo-later' });
    expect(delivery).toMatchObject({ outcome: 'accepted', dispatch: [{ flowId: 'echo-later', runId, started: true }] });
    expect(delivery?.dispatchedAt).toBeDefined();
    expect(await app.store.undispatchedDeliveries(10)).toEqual([]);
  });

  it('answers 409 naming the run that holds the business key of a flow that skips duplicates, and starts nothing', async () => {
    flow({
      id: 'one-per-name',
      version: '1',
      triggers: [{ kind: 'hook', secret: { env: 'INTAKE_HOOK_SECRET' } }],
      businessKey: '${ $input.name }',
      onDuplicate: 'skip',
      steps: [{ id: 'hold', kind: 'wait', for: '1h' }],
    });
    const { app, url } = await serve();
    const first = signed({ name: 'Gus' });
    const { runId } = (await (await fetch(`${url}/hooks/one-per-name`, { method: 'POST', headers: first.headers, body: first.body })).json()) as { runId: string };
    const second = signed({ name: 'Gus' });
    const answer = await fetch(`${url}/hooks/one-per-name`, { method: 'POST', headers: second.headers, body: second.body });
    expect(answer.status).toBe(409);
    expect(await answer.json()).toMatchObject({ code: 'run.duplicate_business_key', details: { runId } });
    expect((await app.store.listRuns({ flowId: 'one-per-name' })).map((r) => r.id)).toEqual([runId]);
    expect((await app.store.listDeliveries({ source: 'hook:one-per-name', limit: 1 }))[0]?.dispatch).toEqual([
      { flowId: 'one-per-name', runId, started: false, reason: expect.stringContaining('business key Gus') },
    ]);
  });

  it('records a delivery whose run cannot be prepared (an invalid sub-flow) with the reason, and creates no run', async () => {
    flow({ id: 'with-child', version: '1', triggers: [{ kind: 'hook', secret: { env: 'INTAKE_HOOK_SECRET' } }], steps: [{ id: 'sub', kind: 'run', flow: 'broken-child' }] });
    flow({ id: 'broken-child', version: '1', steps: [{ id: 'x', kind: 'call', action: 'http.request', connection: 'no-such-connection', with: { method: 'GET', url: '/' } }] });
    const { app, url } = await serve();
    const { body, headers } = signed({ name: 'Hal' });
    const answer = await fetch(`${url}/hooks/with-child`, { method: 'POST', headers, body });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    const [delivery] = await app.store.listDeliveries({ source: 'hook:with-child' });
    expect(delivery).toMatchObject({ outcome: 'accepted', dispatch: [{ flowId: 'with-child', started: false, reason: expect.stringContaining('broken-child') }] });
    expect(await app.store.listRuns({ flowId: 'with-child' })).toEqual([]);
  });

  it('answers a hook into a flow with a step of no known kind with hook.invalid_flow, starting nothing', async () => {
    flow({ id: 'unknown-kind', version: '1', triggers: [{ kind: 'hook', secret: { env: 'INTAKE_HOOK_SECRET' } }], steps: [{ id: 'beam', kind: 'teleport' }] });
    const { app, url } = await serve();
    const { body, headers } = signed({ name: 'Ida' });
    const answer = await fetch(`${url}/hooks/unknown-kind`, { method: 'POST', headers, body });
    expect(answer.status).toBe(500);
    expect(await answer.json()).toMatchObject({ code: 'hook.invalid_flow', message: expect.stringContaining('staffwire validate') });
    expect(await app.store.listRuns({ flowId: 'unknown-kind' })).toEqual([]);
  });

  it('starts one run for a hook delivered twice', async () => {
    flow(echoFlow(false));
    const { app, url } = await serve();
    const once = signed({ name: 'Di' }, 'msg_twice');
    expect((await fetch(`${url}/hooks/echo-later`, { method: 'POST', headers: once.headers, body: once.body })).status).toBe(202);
    const again = await fetch(`${url}/hooks/echo-later`, { method: 'POST', headers: once.headers, body: once.body });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ outcome: 'duplicate' });
    expect(await app.store.listRuns({ flowId: 'echo-later' })).toHaveLength(1);
  });
});
