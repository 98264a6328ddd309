import * as lark from '@larksuiteoapi/node-sdk';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyDocusignConnect } from '../../connectors/docusign/connect-webhook.js';
import { verifyLarkWebhook } from '../../connectors/lark-shared/lark-webhook.js';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';
import { WebhookReceiver } from './webhook-receiver.js';

const company = seedCompany({ employees: 60, seed: 'control' });
const offer = company.offers[0]!;
const { appId, appSecret, encryptKey, verificationToken } = DEFAULT_SANDBOX_CREDENTIALS.lark;
const docusign = DEFAULT_SANDBOX_CREDENTIALS.docusign;
const envelopePath = `/restapi/v2.1/accounts/${docusign.accountId}/envelopes/00000000-0000-4000-8000-000000000001`;

let sandbox: Sandbox;
let sleeps: number[];
let draws: number[];

beforeEach(async () => {
  sleeps = [];
  draws = [];
  sandbox = await createSandbox({
    company,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => draws.shift() ?? 0.99,
  });
});

afterEach(async () => {
  await sandbox.app.close();
});

async function tenantToken(): Promise<string> {
  const response = await sandbox.app.inject({ method: 'POST', url: '/open-apis/auth/v3/tenant_access_token/internal', payload: { app_id: appId, app_secret: appSecret } });
  return response.json<{ tenant_access_token: string }>().tenant_access_token;
}

async function getOffer(token: string) {
  return sandbox.app.inject({ method: 'GET', url: `/open-apis/hire/v1/offers/${offer.offerId}`, headers: { authorization: `Bearer ${token}` } });
}

async function setFaults(faults: Record<string, unknown>) {
  return sandbox.app.inject({ method: 'POST', url: '/_sandbox/faults', payload: faults });
}

describe('GET /_sandbox/state', () => {
  it('shows the seeded company in counts, the faults, the token lifetime and every state a fake has made', async () => {
    await tenantToken();
    const response = await sandbox.app.inject({ method: 'GET', url: '/_sandbox/state' });
    expect(response.statusCode).toBe(200);
    const state = response.json<{ company: unknown; faults: unknown; tokenTtlSeconds: number; connectors: Record<string, unknown> }>();
    expect(state.company).toEqual({ name: company.name, workLocations: 8, departments: 6, employees: 60, offers: 3 });
    expect(state.faults).toEqual({ errorRate: 0, latencyMs: 0, burst429: 0 });
    expect(state.tokenTtlSeconds).toBe(7200);
    expect(Object.keys(state.connectors)).toContain('lark-tokens');
  });

  it("answers every fake's state from the first request, before any call, with empty collections", async () => {
    const response = await sandbox.app.inject({ method: 'GET', url: '/_sandbox/state' });
    const { connectors } = response.json<{ connectors: Record<string, unknown> }>();
    expect(Object.keys(connectors).sort()).toEqual(['docusign', 'lark-bitable', 'lark-contact', 'lark-corehr', 'lark-hire', 'lark-payroll', 'lark-performance', 'lark-tokens']);
    const tokens = await sandbox.app.inject({ method: 'GET', url: '/_sandbox/state?connector=lark-tokens' });
    expect(tokens.statusCode).toBe(200);
    expect(tokens.json<{ connectors: object }>().connectors).toEqual({ 'lark-tokens': { tokens: {} } });
  });

  it('keeps every fake\'s state answering after a reset', async () => {
    await sandbox.app.inject({ method: 'POST', url: '/_sandbox/reset' });
    for (const id of ['docusign', 'lark-bitable', 'lark-contact', 'lark-corehr', 'lark-hire', 'lark-payroll', 'lark-performance', 'lark-tokens']) {
      expect((await sandbox.app.inject({ method: 'GET', url: `/_sandbox/state?connector=${id}` })).statusCode, id).toBe(200);
    }
  });

  it('turns Maps into objects (or entry lists when keyed by non-strings), Sets into arrays and bigints into strings', async () => {
    sandbox.context.state('shapes', () => ({
      byName: new Map([['ada', { visits: 1 }]]),
      byObject: new Map([[{ id: 1 }, 'x']]),
      tags: new Set(['a', 'b']),
      total: 12345678901234567890n,
    }));
    const response = await sandbox.app.inject({ method: 'GET', url: '/_sandbox/state?connector=shapes' });
    expect(response.json()).toMatchObject({
      connectors: { shapes: { byName: { ada: { visits: 1 } }, byObject: [[{ id: 1 }, 'x']], tags: ['a', 'b'], total: '12345678901234567890' } },
    });
    expect(Object.keys(response.json<{ connectors: object }>().connectors)).toEqual(['shapes']);
  });

  it('answers 404 naming the states there are for an unknown one', async () => {
    await tenantToken();
    const response = await sandbox.app.inject({ method: 'GET', url: '/_sandbox/state?connector=nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json<{ error: string }>().error).toMatch(/no state named "nope"; states so far: .*lark-tokens/);
  });
});

describe('POST /_sandbox/faults', () => {
  it.each([
    [{ errorRate: 1.5 }, 'body.errorRate must be <= 1, got 1.5'],
    [{ errorRate: '0.5' }, 'body.errorRate must be number, got "0.5"'],
    [{ latencyMs: -1 }, 'body.latencyMs must be >= 0, got -1'],
    [{ burst429: 2.5 }, 'body.burst429 must be integer, got 2.5'],
    [{ burst: 3 }, 'body has unknown field "burst" (allowed: errorRate, latencyMs, burst429)'],
  ])('rejects %j with 400: %s', async (faults, message) => {
    const response = await setFaults(faults);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: message });
    expect(sandbox.context.faults).toEqual({ errorRate: 0, latencyMs: 0, burst429: 0 });
  });

  it('sets the faults given and turns the omitted ones off', async () => {
    expect((await setFaults({ errorRate: 0.25, latencyMs: 10, burst429: 2 })).json()).toEqual({ errorRate: 0.25, latencyMs: 10, burst429: 2 });
    expect((await setFaults({ latencyMs: 5 })).json()).toEqual({ errorRate: 0, latencyMs: 5, burst429: 0 });
    expect((await sandbox.app.inject({ method: 'GET', url: '/_sandbox/faults' })).json()).toEqual({ errorRate: 0, latencyMs: 5, burst429: 0 });
  });
});

describe('injected faults', () => {
  it("with error rate 1, answers every Lark request HTTP 500 in Lark's envelope, known path or not", async () => {
    const token = await tenantToken();
    await setFaults({ errorRate: 1 });
    for (const response of [
      await getOffer(token),
      await sandbox.app.inject({ method: 'POST', url: '/open-apis/corehr/v2/pre_hires', payload: {}, headers: { authorization: `Bearer ${token}` } }),
      await sandbox.app.inject({ method: 'GET', url: '/open-apis/not/a/real/api' }),
    ]) {
      expect(response.statusCode).toBe(500);
      expect(response.json()).toMatchObject({ code: 121001, msg: 'internal error' });
      expect(response.headers['x-tt-logid']).toMatch(/^sandbox/);
    }
  });

  it("with error rate 1, answers every DocuSign request HTTP 500 in DocuSign's envelope, ahead of its auth check", async () => {
    await setFaults({ errorRate: 1 });
    for (const headers of [{ authorization: `Bearer ${docusign.accessToken}` }, {}]) {
      const response = await sandbox.app.inject({ method: 'GET', url: envelopePath, headers });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({ errorCode: 'UNSPECIFIED_ERROR', message: 'An unexpected error occurred.' });
    }
  });

  it('leaves token issuance and the control API alone, so a client can always authenticate and be inspected', async () => {
    await setFaults({ errorRate: 1, burst429: 5, latencyMs: 100 });
    expect(await tenantToken()).toMatch(/^t-/);
    expect((await sandbox.app.inject({ method: 'GET', url: '/_sandbox/state' })).statusCode).toBe(200);
    expect(sleeps).toEqual([]);
    expect(sandbox.context.faults.burst429).toBe(5);
  });

  it('fails the share of requests the error rate draws, and lets the others through to the fake', async () => {
    const token = await tenantToken();
    await setFaults({ errorRate: 0.5 });
    draws = [0.49, 0.5, 0.1, 0.9];
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await getOffer(token)).statusCode);
    expect(statuses).toEqual([500, 200, 500, 200]);
  });

  it("answers exactly the next N Lark requests 429 with Lark's code and x-ogw-ratelimit headers, then serves normally", async () => {
    const token = await tenantToken();
    await setFaults({ burst429: 3 });
    const responses = [];
    for (let i = 0; i < 5; i++) responses.push(await getOffer(token));
    for (const response of responses.slice(0, 3)) {
      expect(response.statusCode).toBe(429);
      expect(response.json()).toEqual({ code: 99991400, msg: 'request trigger frequency limit' });
      expect(response.headers['x-ogw-ratelimit-limit']).toBe('50');
      expect(response.headers['x-ogw-ratelimit-reset']).toBe('1');
    }
    for (const response of responses.slice(3)) {
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ code: 0, data: { offer: { id: offer.offerId } } });
    }
    expect(sandbox.context.faults.burst429).toBe(0);
  });

  it("answers a DocuSign burst 429 with Retry-After and DocuSign's burst-limit error", async () => {
    await setFaults({ burst429: 2 });
    const headers = { authorization: `Bearer ${docusign.accessToken}` };
    const responses = [];
    for (let i = 0; i < 3; i++) responses.push(await sandbox.app.inject({ method: 'GET', url: envelopePath, headers }));
    for (const response of responses.slice(0, 2)) {
      expect(response.statusCode).toBe(429);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.json()).toMatchObject({ errorCode: 'BURST_APIINVOCATION_LIMIT_EXCEEDED' });
    }
    expect(responses[2]!.statusCode).not.toBe(429);
    expect(responses[2]!.json<{ errorCode?: string }>().errorCode).not.toBe('BURST_APIINVOCATION_LIMIT_EXCEEDED');
  });

  it('adds the latency to every vendor request before answering it', async () => {
    const token = await tenantToken();
    await setFaults({ latencyMs: 250 });
    expect((await getOffer(token)).statusCode).toBe(200);
    await sandbox.app.inject({ method: 'GET', url: envelopePath, headers: { authorization: `Bearer ${docusign.accessToken}` } });
    await sandbox.app.inject({ method: 'GET', url: '/_sandbox/faults' });
    expect(sleeps).toEqual([250, 250]);
  });
});

describe('POST /_sandbox/reset', () => {
  it("re-initialises every fake's state in place, restores the seeded company, forgets rate windows and turns faults off", async () => {
    const token = await tenantToken();
    const kept = sandbox.context.state('counter', () => ({ calls: 0, seen: new Map<string, number>() }));
    kept.calls = 7;
    kept.seen.set('x', 1);
    sandbox.context.company.employees[0]!.name = 'Edited Name';
    expect(sandbox.context.allow('some-api', 1, 60_000)).toBe(true);
    expect(sandbox.context.allow('some-api', 1, 60_000)).toBe(false);
    await setFaults({ errorRate: 1, burst429: 4, latencyMs: 9 });

    const response = await sandbox.app.inject({ method: 'POST', url: '/_sandbox/reset' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ reset: true, company: { employees: 60 } });

    expect(kept).toEqual({ calls: 0, seen: new Map() });
    expect(sandbox.context.company.employees[0]!.name).toBe(company.employees[0]!.name);
    expect(sandbox.context.allow('some-api', 1, 60_000)).toBe(true);
    expect(sandbox.context.faults).toEqual({ errorRate: 0, latencyMs: 0, burst429: 0 });
    // Issued tokens are state too: after a reset a client authenticates again, as after a key rotation.
    expect((await getOffer(token)).json()).toMatchObject({ code: 99991663 });
    expect((await getOffer(await tenantToken())).json()).toMatchObject({ code: 0 });
  });
});

describe('POST /_sandbox/events', () => {
  let receiver: WebhookReceiver;
  let target: string;

  beforeEach(async () => {
    receiver = new WebhookReceiver();
    target = `${await receiver.start()}/webhooks/lark`;
  });

  afterEach(async () => {
    await receiver.stop();
  });

  async function emit(body: Record<string, unknown>) {
    return sandbox.app.inject({ method: 'POST', url: '/_sandbox/events', payload: { target, ...body } });
  }

  it("delivers a Lark event encrypted and signed, which Staffwire's verifier and the official SDK's EventDispatcher both accept", async () => {
    const response = await emit({ connector: 'lark-hire', type: 'hire.offer.status_changed_v1', payload: { offer_id: offer.offerId, offer_status: 7 }, id: 'evt-1' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 200, body: { ok: true } });

    const [delivery] = receiver.received;
    expect(delivery!.path).toBe('/webhooks/lark');
    expect(JSON.parse(delivery!.rawBody.toString())).toEqual({ encrypt: expect.any(String) });

    const verified = verifyLarkWebhook({ headers: delivery!.headers, rawBody: delivery!.rawBody }, { encryptKey, verificationToken });
    expect(verified).toMatchObject({ kind: 'event', event: { id: 'evt-1', type: 'hire.offer.status_changed_v1', payload: { offer_id: offer.offerId, offer_status: 7 } } });

    const handled: Record<string, unknown>[] = [];
    const dispatcher = new lark.EventDispatcher({ encryptKey, verificationToken, loggerLevel: lark.LoggerLevel.error }).register({
      'hire.offer.status_changed_v1': async (data: Record<string, unknown>) => void handled.push(data),
    });
    await dispatcher.invoke(Object.assign(Object.create({ headers: delivery!.headers }) as object, JSON.parse(delivery!.rawBody.toString()) as object));
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ event_id: 'evt-1', offer_id: offer.offerId, offer_status: 7, app_id: appId });
  });

  it('sends a Lark event to a server running the official SDK adapter, which answers its handler result', async () => {
    const dispatcher = new lark.EventDispatcher({ encryptKey, verificationToken, loggerLevel: lark.LoggerLevel.error }).register({
      'corehr.employment.created_v1': async (data) => ({ accepted: data.employment_id }),
    });
    const server = createServer(lark.adaptDefault('/sdk', dispatcher, { autoChallenge: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const sdkTarget = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sdk`;
      const employmentId = company.employees[1]!.employmentId;
      // lark-corehr has no delivery of its own: any lark-* connector goes through lark-shared.
      const response = await emit({ connector: 'lark-corehr', type: 'corehr.employment.created_v1', payload: { employment_id: employmentId }, target: sdkTarget });
      expect(response.json()).toMatchObject({ status: 200, body: { accepted: employmentId } });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('repeats the event id it is given, so a receiver can be tested for de-duplication', async () => {
    for (let i = 0; i < 2; i++) await emit({ connector: 'lark-contact', type: 'contact.user.updated_v3', payload: { object: {} }, id: 'same-id' });
    const ids = receiver.received.map((delivery) => {
      const result = verifyLarkWebhook({ headers: delivery.headers, rawBody: delivery.rawBody }, { encryptKey, verificationToken });
      return result.kind === 'event' ? result.event.id : undefined;
    });
    expect(ids).toEqual(['same-id', 'same-id']);
  });

  it('delivers a DocuSign Connect event signed with the Connect HMAC key', async () => {
    const response = await emit({ connector: 'docusign', type: 'envelope-completed', payload: { envelopeId: '00000000-0000-4000-8000-0000000000e1' } });
    expect(response.json()).toMatchObject({ status: 200 });
    const [delivery] = receiver.received;
    expect(delivery!.headers['x-docusign-signature-1']).toEqual(expect.any(String));
    const verified = verifyDocusignConnect({ headers: delivery!.headers, rawBody: delivery!.rawBody }, [docusign.connectSecret]);
    expect(verified.event).toMatchObject({ type: 'envelope-completed' });
  });

  it("answers with the target's own status and body when the target refuses the delivery", async () => {
    const refusing = new WebhookReceiver(() => ({ status: 401, body: { error: 'bad signature' } }));
    const refusingTarget = await refusing.start();
    try {
      const response = await emit({ connector: 'lark-hire', type: 'hire.offer.status_changed_v1', payload: { offer_id: offer.offerId, offer_status: 3 }, target: refusingTarget });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 401, body: { error: 'bad signature' } });
    } finally {
      await refusing.stop();
    }
  });

  it.each([
    ['http://192.0.2.10/hook', 'target 192.0.2.10 is not a loopback address'],
    ['http://example.com/hook', 'target example.com is not a loopback address'],
    ['http://10.0.0.1:8080/hook', 'target 10.0.0.1:8080 is not a loopback address'],
    ['ftp://127.0.0.1/hook', 'target must be http or https, got ftp:'],
    ['/relative/hook', 'target "/relative/hook" is not an absolute URL'],
  ])('refuses the target %s with 400 and sends nothing', async (refused, message) => {
    const response = await emit({ connector: 'lark-hire', type: 'hire.offer.status_changed_v1', payload: { offer_id: offer.offerId, offer_status: 7 }, target: refused });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: string }>().error).toContain(message);
    expect(receiver.received).toEqual([]);
  });

  it('accepts localhost, which resolves to loopback', async () => {
    const port = new URL(target).port;
    const response = await emit({ connector: 'lark-hire', type: 'hire.offer.status_changed_v1', payload: { offer_id: offer.offerId, offer_status: 7 }, target: `http://localhost:${port}/x` });
    expect(response.statusCode).toBe(200);
    expect(receiver.received).toHaveLength(1);
  });

  it('answers 502 naming the reason when nothing listens at the target', async () => {
    const closed = new WebhookReceiver();
    const closedTarget = await closed.start();
    await closed.stop();
    const response = await emit({ connector: 'lark-hire', type: 'hire.offer.status_changed_v1', payload: { offer_id: offer.offerId, offer_status: 7 }, target: closedTarget });
    expect(response.statusCode).toBe(502);
    expect(response.json<{ error: string }>().error).toBe(`delivering to ${closedTarget} failed: ECONNREFUSED`);
  });

  it('answers 400 for a connector that emits nothing, or an event its fake cannot build', async () => {
    const unknown = await emit({ connector: 'http', type: 'x', payload: {} });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ error: string }>().error).toMatch(/^connector "http" emits no events here; connectors that do: .*docusign.*lark-shared/);
    const unbuildable = await emit({ connector: 'docusign', type: 'envelope-completed', payload: {} });
    expect(unbuildable.statusCode).toBe(400);
    expect(unbuildable.json<{ error: string }>().error).toMatch(/^cannot build a docusign envelope-completed delivery: .*envelopeId/);
    expect(receiver.received).toEqual([]);
  });

  it('validates the request: required fields, types and unknown fields', async () => {
    const missing = await sandbox.app.inject({ method: 'POST', url: '/_sandbox/events', payload: { connector: 'lark-hire', type: 'x', payload: {} } });
    expect(missing.json()).toEqual({ error: "body must have required property 'target'" });
    const wrong = await emit({ connector: 'lark-hire', type: 'x', payload: 'not an object' });
    expect(wrong.json()).toEqual({ error: 'body.payload must be object, got "not an object"' });
    const extra = await emit({ connector: 'lark-hire', type: 'x', payload: {}, url: 'x' });
    expect(extra.json()).toEqual({ error: 'body has unknown field "url" (allowed: connector, type, payload, id, target)' });
  });
});
