import { describe, expect, it, vi } from 'vitest';
import { TestClock } from '../engine/helpers.js';
import { CountingServer } from '../support/counting-server.js';
import { expectApiError, useServerHarness } from './server-harness.js';

const h = useServerHarness('api-connections');

/** Values that must never leave the server, set in the environment the server reads secrets from. */
const SECRETS = {
  SVC_TOKEN: 'svc-bearer-0c5f1e7d9a2b4c6e8f0a',
  LARK_APP_SECRET: 'lark-app-secret-7d3a91f04be2',
  LARK_VERIFY: 'lark-verification-5e8c2a',
};
const env = { ...SECRETS };

/** A URL where nothing listens. */
async function closedUrl(): Promise<string> {
  const server = new CountingServer();
  const url = await server.start();
  await server.stop();
  return url;
}

const lark = () => ({
  connector: 'lark-contact',
  baseUrl: h.vendorUrl,
  appId: 'cli_test_app',
  appSecret: { env: 'LARK_APP_SECRET' },
  webhook: { verificationToken: { env: 'LARK_VERIFY' }, encryptKey: { env: 'LARK_ENCRYPT_UNSET' } },
});

function connections(extra: Record<string, unknown> = {}) {
  return {
    connections: {
      svc: { connector: 'http', baseUrl: h.vendorUrl, auth: { type: 'bearer', token: { env: 'SVC_TOKEN' } }, headers: { 'x-tenant': 'acme' } },
      lark: lark(),
      ...extra,
    },
  };
}

const TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';
/** lark-contact's limiter of freezes, which every Lark connection's calls can go through. */
const FREEZES = { scope: expect.stringContaining('is_frozen'), key: 'lark:cli_test_app:contact.user.is_frozen', limit: 1, perMs: 1000 };
const FREEZES_FREE = { ...FREEZES, used: 0, available: 1, waiting: 0, nextFreeInMs: 0 };

/** One read of a Lark user through the `lark` connection. */
const userLookupFlow = {
  id: 'user-lookup',
  version: '1',
  steps: [{ id: 'read', kind: 'call', action: 'lark-contact.user.get', connection: 'lark', with: { user_id: 'ou_ada' } }],
};

/** The client-side limits of the `lark` connection, as a viewer's GET /api/v1/connections shows them. */
async function larkLimits(): Promise<unknown[]> {
  const res = await h.call('GET', '/api/v1/connections', { as: 'viewer' });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: { name: string; clientRateLimits: unknown[] }[] }).items.find((connection) => connection.name === 'lark')!.clientRateLimits;
}

const check = (name: string) => h.call('POST', `/api/v1/connections/${name}/check`, { as: 'admin' });

describe('GET /api/v1/connections', () => {
  it('lists each connection with its settings, every secret as the variable it comes from and whether it is set, never its value', async () => {
    await h.boot(connections(), { env });
    const res = await h.call('GET', '/api/v1/connections', { as: 'admin' });
    expect(res.statusCode).toBe(200);
    for (const value of Object.values(SECRETS)) expect(res.body).not.toContain(value);
    expect(res.json()).toEqual({
      items: [
        {
          name: 'svc',
          connector: 'http',
          checkable: true,
          rateLimits: [],
          clientRateLimits: [],
          settings: { baseUrl: h.vendorUrl, auth: { type: 'bearer', token: { env: 'SVC_TOKEN', set: true } }, headers: { 'x-tenant': 'acme' } },
        },
        {
          name: 'lark',
          connector: 'lark-contact',
          checkable: true,
          rateLimits: expect.arrayContaining([expect.objectContaining({ scope: expect.any(String), limit: expect.any(Number), perSeconds: expect.any(Number) })]),
          clientRateLimits: [FREEZES_FREE],
          settings: {
            baseUrl: h.vendorUrl,
            appId: 'cli_test_app',
            appSecret: { env: 'LARK_APP_SECRET', set: true },
            webhook: { verificationToken: { env: 'LARK_VERIFY', set: true }, encryptKey: { env: 'LARK_ENCRYPT_UNSET', set: false } },
          },
        },
      ],
    });
  });

  it("shows the state of each limiter the connection's calls go through, on the app's clock: all free, then what a run used", async () => {
    const clock = new TestClock();
    h.flow(userLookupFlow);
    await h.boot(connections({ lark: { ...lark(), requestsPerSecond: 5 } }), { env, clock });
    h.vendor.onCall((call, respond) =>
      respond(200, call.path === TOKEN_PATH ? { code: 0, msg: 'ok', tenant_access_token: 't-abc', expire: 7200 } : { code: 0, msg: 'ok', data: { user: { open_id: 'ou_ada' } } }),
    );
    const appLimit = { scope: 'every request of app cli_test_app', key: 'lark:cli_test_app', limit: 5, perMs: 1000 };
    expect(await larkLimits()).toEqual([{ ...appLimit, used: 0, available: 5, waiting: 0, nextFreeInMs: 0 }, FREEZES_FREE]);

    // The engine reads secrets from the process's environment.
    vi.stubEnv('LARK_APP_SECRET', SECRETS.LARK_APP_SECRET);
    try {
      const started = await h.call('POST', '/api/v1/flows/user-lookup/runs', { as: 'operator', body: { input: {} } });
      expect((await h.app.engine.executeRun((started.json() as { id: string }).id)).status).toBe('succeeded');
    } finally {
      vi.unstubAllEnvs();
    }
    // The token request and the read: two of the app's five this second. Asking sent nothing.
    expect(await larkLimits()).toEqual([{ ...appLimit, used: 2, available: 3, waiting: 0, nextFreeInMs: 0 }, FREEZES_FREE]);
    expect(h.vendor.received.map((call) => call.path)).toEqual([TOKEN_PATH, '/open-apis/contact/v3/users/ou_ada']);

    clock.advance(1000);
    expect(await larkLimits()).toEqual([{ ...appLimit, used: 0, available: 5, waiting: 0, nextFreeInMs: 0 }, FREEZES_FREE]);
  });

  it('lists a limiter whose state cannot be read with why, and answers for the rest all the same', async () => {
    await h.boot(connections({ lark: { ...lark(), requestsPerSecond: 5 } }), { env });
    const unreadable = vi.spyOn(h.app.connectionResources, 'rateLimiter').mockReturnValue({
      run: () => Promise.reject(new Error('this test sends nothing')),
      state: () => Promise.reject(new Error('Connection is closed.')),
    });
    try {
      expect(await larkLimits()).toEqual([
        { scope: 'every request of app cli_test_app', key: 'lark:cli_test_app', limit: 5, perMs: 1000, stateError: 'Connection is closed.' },
        { ...FREEZES, stateError: 'Connection is closed.' },
      ]);
    } finally {
      unreadable.mockRestore();
    }
  });

  it('hides a credential written inline under a credential-like name', async () => {
    const { settingsView } = await import('../../src/server/routes/api/connections/index.js');
    const view = settingsView({ baseUrl: 'https://x', headers: { Authorization: 'Bearer inline-secret', 'x-api-key': 'k-123' }, list: [{ password: 'p' }] }, {});
    expect(JSON.stringify(view)).not.toMatch(/inline-secret|k-123|"p"/);
    expect(view).toEqual({ baseUrl: 'https://x', headers: { Authorization: '[hidden]', 'x-api-key': '[hidden]' }, list: [{ password: '[hidden]' }] });
  });
});

describe('POST /api/v1/connections/:name/check', () => {
  it('says a reachable service is reachable, sending the configured credentials', async () => {
    await h.boot(connections(), { env });
    const res = await check('svc');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ name: 'svc', connector: 'http', ok: true, detail: `GET ${h.vendorUrl} answered HTTP 200`, ms: expect.any(Number) });
    expect(h.vendor.received).toHaveLength(1);
    expect(res.body).not.toContain(SECRETS.SVC_TOKEN);
  });

  it('says what failed: nothing listening, a failing service, refused credentials', async () => {
    const closed = await closedUrl();
    await h.boot(connections({ down: { connector: 'http', baseUrl: closed } }), { env });
    const down = (await check('down')).json() as { ok: boolean; detail: string; code?: string };
    expect(down.ok).toBe(false);
    expect(down.detail).toMatch(/ECONNREFUSED|refused|connect/i);

    h.vendor.onCall((_call, respond, nth) => respond(nth === 1 ? 503 : 401));
    const failing = (await check('svc')).json() as { ok: boolean; detail: string };
    expect(failing).toMatchObject({ ok: false, detail: expect.stringContaining('HTTP 503') });
    const refused = (await check('svc')).json() as { ok: boolean; detail: string };
    expect(refused).toMatchObject({ ok: false, detail: expect.stringContaining('credentials were refused') });
  });

  it('says a missing secret is missing, without calling the vendor', async () => {
    await h.boot(connections(), { env: { LARK_APP_SECRET: SECRETS.LARK_APP_SECRET } });
    const res = (await check('svc')).json() as { ok: boolean; detail: string; code?: string };
    expect(res).toMatchObject({ ok: false, code: 'connection.secret_missing', detail: expect.stringContaining('SVC_TOKEN') });
    expect(h.vendor.received).toEqual([]);
  });

  it('gives Lark’s own code and message when Lark refuses the app’s credentials', async () => {
    await h.boot(connections(), { env });
    h.vendor.onCall((call, respond) => (call.path === TOKEN_PATH ? respond(200, { code: 10014, msg: 'app secret invalid' }) : respond(404)));
    const res = await check('lark');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { ok: boolean; detail: string; code?: string };
    expect(body).toMatchObject({ name: 'lark', connector: 'lark-contact', ok: false, code: 'vendor.10014' });
    expect(body.detail).toContain('app secret invalid');
    expect(h.vendor.calls(TOKEN_PATH)[0]?.body).toEqual({ app_id: 'cli_test_app', app_secret: SECRETS.LARK_APP_SECRET });
    expect(res.body).not.toContain(SECRETS.LARK_APP_SECRET);

    h.vendor.onCall((_call, respond) => respond(200, { code: 0, msg: 'ok', tenant_access_token: 't-abc', expire: 7200 }));
    expect((await check('lark')).json()).toMatchObject({ ok: true, detail: expect.stringContaining('cli_test_app') });
  });

  it('answers 404 for a connection not configured, and 422 for a connector that cannot check', async () => {
    await h.boot(connections(), { env });
    expect(expectApiError(await check('nowhere'), 404, 'connection.not_found').message).toContain('svc, lark');
    const http = h.app.connectors.get('http')!;
    const { check: _check, ...withoutCheck } = http;
    const get = vi.spyOn(h.app.connectors, 'get').mockReturnValue(withoutCheck);
    try {
      expectApiError(await check('svc'), 422, 'connection.check_unsupported');
    } finally {
      get.mockRestore();
    }
  });
});
