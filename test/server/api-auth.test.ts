import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../../src/server/auth/roles.js';
import { expectApiError, helloFlow, routesOf, TOKENS, useServerHarness } from './server-harness.js';

const h = useServerHarness('api-auth');

type Caller = 'no token' | 'wrong token' | Role;
const CALLERS: Caller[] = ['no token', 'wrong token', 'viewer', 'operator', 'admin'];

function callAs(caller: Caller, method: 'GET' | 'POST', url: string, body?: unknown) {
  const who = caller === 'no token' ? {} : caller === 'wrong token' ? { token: 'sw_not-a-token-this-server-knows' } : { as: caller };
  return h.call(method, url, { ...who, ...(body !== undefined ? { body } : {}) });
}

let made = 0;
/** Each request of a class, made fresh so a success never turns the next call into a 409. */
const ROUTE_CLASSES: { name: string; expected: Record<Caller, number>; request: () => Promise<['GET' | 'POST', string, unknown?]> }[] = [
  ...['/api/v1/flows', '/api/v1/flows/hello', '/api/v1/runs', '/api/v1/schedules', '/api/v1/schedules/k-0', '/api/v1/deliveries', '/api/v1/connections'].map((url) => ({
    name: `read GET ${url}`,
    expected: { 'no token': 401, 'wrong token': 401, viewer: 200, operator: 200, admin: 200 },
    request: async () => ['GET', url] as ['GET', string],
  })),
  {
    name: 'read POST /api/v1/flows/validate',
    expected: { 'no token': 401, 'wrong token': 401, viewer: 200, operator: 200, admin: 200 },
    request: async () => ['POST', '/api/v1/flows/validate', { id: 'x', version: '1', steps: [] }],
  },
  {
    name: 'run-changing POST /api/v1/flows/:id/runs',
    expected: { 'no token': 401, 'wrong token': 401, viewer: 403, operator: 202, admin: 202 },
    request: async () => ['POST', '/api/v1/flows/hello/runs', { input: { email: 'a@example.com', employeeId: `e-${++made}` } }],
  },
  {
    name: 'run-changing POST /api/v1/runs/:id/cancel',
    expected: { 'no token': 401, 'wrong token': 401, viewer: 403, operator: 200, admin: 200 },
    request: async () => {
      const run = await h.app.engine.startRun(h.app.engine.compile(helloFlow), { email: 'a@example.com', employeeId: `e-${++made}` });
      return ['POST', `/api/v1/runs/${run.id}/cancel`];
    },
  },
  {
    name: 'schedule-changing POST /api/v1/schedules/:key/cancel',
    expected: { 'no token': 401, 'wrong token': 401, viewer: 403, operator: 200, admin: 200 },
    request: async () => ['POST', `/api/v1/schedules/${(await scheduled()).key}/cancel`],
  },
  {
    name: 'schedule-changing POST /api/v1/schedules/:key/move',
    expected: { 'no token': 401, 'wrong token': 401, viewer: 403, operator: 200, admin: 200 },
    request: async () => ['POST', `/api/v1/schedules/${(await scheduled()).key}/move`, { at: '2099-01-01T00:00:00Z' }],
  },
  {
    name: 'connection check POST /api/v1/connections/:name/check',
    expected: { 'no token': 401, 'wrong token': 401, viewer: 403, operator: 403, admin: 200 },
    request: async () => ['POST', '/api/v1/connections/svc/check'],
  },
];

function scheduled() {
  return h.app.store.putSchedule({ key: `k-${++made}`, flowId: 'hello', input: {}, fireAt: '2098-01-01T00:00:00.000Z', createdBy: 'test', at: new Date().toISOString() });
}

describe('who may call what', () => {
  it.each(ROUTE_CLASSES)('$name', async ({ expected, request }) => {
    h.flow(helloFlow);
    await h.boot();
    await h.app.store.putSchedule({ key: 'k-0', flowId: 'hello', input: {}, fireAt: '2098-01-01T00:00:00.000Z', createdBy: 'test', at: new Date().toISOString() });
    const answers: Record<string, number> = {};
    for (const caller of CALLERS) {
      const [method, url, body] = await request();
      const res = await callAs(caller, method, url, body);
      answers[caller] = res.statusCode;
      if (res.statusCode === 401) {
        expect(expectApiError(res, 401).code).toBe(caller === 'no token' ? 'auth.missing_token' : 'auth.invalid_token');
        expect(res.headers['www-authenticate']).toBe('Bearer realm="staffwire"');
      }
      if (res.statusCode === 403) expect(expectApiError(res, 403, 'auth.forbidden').details).toMatchObject({ role: caller });
    }
    expect(answers).toEqual(expected);
  });

  it('asks for a token on every /api/v1 route the server serves, and on none outside it', async () => {
    await h.boot();
    const api = routesOf(h.server).filter((r) => r.url.startsWith('/api/v1/'));
    expect(api.length).toBeGreaterThanOrEqual(15);
    for (const { method, url } of api) {
      const res = await h.call(method as 'GET', url.replaceAll(/:\w+/g, '1'));
      expect(res.statusCode, `${method} ${url}`).toBe(401);
    }
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs/']) {
      expect((await h.call('GET', url)).statusCode, url).toBe(200);
    }
  });

  it('takes the token from Authorization: Bearer only', async () => {
    await h.boot();
    expect((await h.call('GET', '/api/v1/flows', { headers: { authorization: `bearer  ${TOKENS.viewer}` } })).statusCode).toBe(200);
    for (const authorization of [`Basic ${TOKENS.viewer}`, TOKENS.viewer, `Bearer ${TOKENS.viewer} extra`, 'Bearer']) {
      expectApiError(await h.call('GET', '/api/v1/flows', { headers: { authorization } }), 401, 'auth.missing_token');
    }
    expectApiError(await h.call('GET', `/api/v1/flows?token=${TOKENS.admin}`), 401, 'auth.missing_token');
  });

  it('says how to create a token when the server has none', async () => {
    await h.boot({ server: { tokens: [] } });
    const body = expectApiError(await h.call('GET', '/api/v1/flows', { as: 'admin' }), 401, 'auth.no_tokens');
    expect(body.message).toContain('staffwire tokens create');
    expect(body.message).toContain('server.tokens');
  });
});

describe('webhook and hook routes', () => {
  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  beforeEach(() => {
    process.env.API_AUTH_HOOK_SECRET = SECRET;
  });
  afterEach(() => {
    delete process.env.API_AUTH_HOOK_SECRET;
  });

  it('go by the sender’s signature, never a bearer token', async () => {
    h.flow({ ...helloFlow, id: 'hooked', triggers: [{ kind: 'hook', secret: { env: 'API_AUTH_HOOK_SECRET' } }] });
    await h.boot({ server: { authFailures: { max: 1, windowMs: 60_000 } } });
    const payload = JSON.stringify({ email: 'a@example.com', employeeId: 'e-1' });
    const sent = new Date();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(sent.getTime() / 1000)),
      'webhook-signature': new Webhook(SECRET).sign('msg_1', sent, payload),
    };
    // An admin token does not stand in for the signature...
    const unsigned = await h.call('POST', '/hooks/hooked', { as: 'admin', body: payload, headers: { 'content-type': 'application/json' } });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json()).not.toMatchObject({ code: expect.stringMatching(/^auth\./) });
    // ...and an unknown one does not stop a signed delivery, nor count as a failed authentication.
    expect((await h.call('POST', '/hooks/hooked', { token: 'sw_wrong', body: payload, headers })).statusCode).toBe(202);
    expect((await h.call('POST', '/webhooks/svc', { token: 'sw_wrong', body: '{}', headers: { 'content-type': 'application/json' } })).statusCode).not.toBe(429);
    expect((await h.call('GET', '/api/v1/flows', { as: 'viewer' })).statusCode).toBe(200);
  });
});

describe('failed authentication', () => {
  it('refuses an address with 429 and Retry-After after too many failures, a right token included, until the window ends', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    await h.boot({ server: { authFailures: { max: 3, windowMs: 60_000 } } }, { now: () => now });
    const from = (remoteAddress: string, token: string) => h.call('GET', '/api/v1/flows', { token, remoteAddress });
    for (let i = 0; i < 3; i++) expectApiError(await from('10.0.0.1', 'sw_guess'), 401, 'auth.invalid_token');
    now += 20_000;
    const blocked = expectApiError(await from('10.0.0.1', TOKENS.admin), 429, 'auth.too_many_failures');
    expect(blocked.details).toEqual({ retryAfterSeconds: 40 });
    expect((await from('10.0.0.1', TOKENS.admin)).headers['retry-after']).toBe('40');
    // Another address is not held to this one's failures.
    expect((await from('10.0.0.2', TOKENS.viewer)).statusCode).toBe(200);
    now += 40_000;
    expect((await from('10.0.0.1', TOKENS.viewer)).statusCode).toBe(200);
  });

  it('does not count requests without a token or with a right one', async () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    await h.boot({ server: { authFailures: { max: 2, windowMs: 60_000 } } }, { now: () => now });
    for (let i = 0; i < 5; i++) {
      expect((await h.call('GET', '/api/v1/flows', { remoteAddress: '10.0.0.3' })).statusCode).toBe(401);
      expect((await h.call('GET', '/api/v1/flows', { as: 'viewer', remoteAddress: '10.0.0.3' })).statusCode).toBe(200);
    }
  });
});

describe('request rate limit', () => {
  it('answers 429 in the one error shape with Retry-After once an address made too many requests', async () => {
    await h.boot({ server: { rateLimit: { max: 2, windowMs: 60_000 } } });
    for (let i = 0; i < 2; i++) expect((await h.call('GET', '/api/v1/flows', { as: 'viewer', remoteAddress: '10.0.1.1' })).statusCode).toBe(200);
    const limited = await h.call('GET', '/api/v1/flows', { as: 'viewer', remoteAddress: '10.0.1.1' });
    expectApiError(limited, 429, 'request.rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await h.call('GET', '/api/v1/flows', { as: 'viewer', remoteAddress: '10.0.1.2' })).statusCode).toBe(200);
    // Health and metrics are not API requests.
    expect((await h.call('GET', '/healthz', { remoteAddress: '10.0.1.1' })).statusCode).toBe(200);
  });
});
