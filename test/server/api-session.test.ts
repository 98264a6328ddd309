import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { tokenSha256 } from '../../src/server/auth/api-tokens.js';
import { SESSION_NAMESPACE } from '../../src/server/auth/console-sessions.js';
import { expectApiError, helloFlow, TOKENS, useServerHarness } from './server-harness.js';

const h = useServerHarness('api-session');

interface SignedIn {
  cookie: string;
  csrfToken: string;
  setCookie: string;
}

async function signIn(token: string, headers: Record<string, string> = {}): Promise<SignedIn> {
  const res = await h.call('POST', '/api/v1/session', { body: { token }, headers });
  expect(res.statusCode, res.body).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0]!, csrfToken: (res.json() as { csrfToken: string }).csrfToken, setCookie };
}

const withCookie = (session: SignedIn, csrf?: string) => ({ cookie: session.cookie, ...(csrf !== undefined ? { 'x-csrf-token': csrf } : {}) });
const startHello = (headers: Record<string, string>): Promise<LightMyRequestResponse> =>
  h.call('POST', '/api/v1/flows/hello/runs', { headers, body: { input: { email: 'a@example.com', employeeId: `e-${Math.random()}` } } });

describe('console sessions', () => {
  it('exchanges a token for an HttpOnly, SameSite=Strict cookie and says who it is, keeping only a hash of the session id in the store', async () => {
    await h.boot();
    const res = await h.call('POST', '/api/v1/session', { body: { token: TOKENS.operator } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'operator-token', role: 'operator', csrfToken: expect.any(String), expiresAt: expect.any(String) });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^staffwire_session=[\w-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(TOKENS.operator);

    const session = { cookie: setCookie.split(';')[0]!, csrfToken: (res.json() as { csrfToken: string }).csrfToken, setCookie };
    const me = await h.call('GET', '/api/v1/session', { headers: withCookie(session) });
    expect(me.json()).toEqual({ name: 'operator-token', role: 'operator', csrfToken: session.csrfToken, expiresAt: (res.json() as { expiresAt: string }).expiresAt });
    const stored = await h.app.store.listState(SESSION_NAMESPACE);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.key).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(session.cookie.split('=')[1]);
    expect(JSON.stringify(stored)).not.toContain(TOKENS.operator);
  });

  it('marks the cookie Secure when the request came over https', async () => {
    await h.boot({ server: { trustProxy: true } });
    expect((await signIn(TOKENS.viewer, { 'x-forwarded-proto': 'https' })).setCookie).toMatch(/; Secure;/);
    expect((await signIn(TOKENS.viewer)).setCookie).not.toMatch(/Secure/);
  });

  it('lasts server.sessionTtlMs', async () => {
    await h.boot({ server: { sessionTtlMs: 120_000 } });
    expect((await signIn(TOKENS.viewer)).setCookie).toContain('Max-Age=120;');
  });

  it('reads with the cookie alone, and changes only with the CSRF token repeated in x-csrf-token', async () => {
    h.flow(helloFlow);
    await h.boot();
    const session = await signIn(TOKENS.operator);
    expect((await h.call('GET', '/api/v1/runs', { headers: withCookie(session) })).statusCode).toBe(200);
    const refused = expectApiError(await startHello(withCookie(session)), 403, 'auth.csrf');
    expect(refused.message).toContain('x-csrf-token');
    expectApiError(await startHello(withCookie(session, 'not-the-token')), 403, 'auth.csrf');
    expect((await startHello(withCookie(session, session.csrfToken))).statusCode).toBe(202);
    const [run] = await h.app.store.listRuns();
    expect(run!.createdBy).toBe('api:operator-token');
  });

  it("gives a viewer's session the viewer's role: starting a run is refused with 403", async () => {
    h.flow(helloFlow);
    await h.boot();
    const session = await signIn(TOKENS.viewer);
    expectApiError(await startHello(withCookie(session, session.csrfToken)), 403, 'auth.forbidden');
  });

  it('ends the session in the store on sign-out: the cookie no longer works, on this server or another sharing the store', async () => {
    await h.boot();
    const session = await signIn(TOKENS.admin);
    expectApiError(await h.call('DELETE', '/api/v1/session', { headers: withCookie(session) }), 403, 'auth.csrf');
    const out = await h.call('DELETE', '/api/v1/session', { headers: withCookie(session, session.csrfToken) });
    expect(out.json()).toEqual({ ended: true });
    expect(String(out.headers['set-cookie'])).toMatch(/^staffwire_session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970/);
    expectApiError(await h.call('GET', '/api/v1/session', { headers: withCookie(session) }), 401, 'auth.session_ended');
    expect(await h.app.store.listState(SESSION_NAMESPACE)).toEqual([]);
  });

  it('is known to a second server on the same store, and ends when its token is removed from the configuration', async () => {
    await h.boot();
    const session = await signIn(TOKENS.operator);
    await h.boot();
    expect((await h.call('GET', '/api/v1/session', { headers: withCookie(session) })).json()).toMatchObject({ role: 'operator' });
    await h.boot({ server: { tokens: [{ name: 'viewer-token', role: 'viewer', sha256: tokenSha256(TOKENS.viewer) }] } });
    expectApiError(await h.call('GET', '/api/v1/runs', { headers: withCookie(session) }), 401, 'auth.session_ended');
  });

  it('takes the role the configuration gives the token now', async () => {
    await h.boot();
    const session = await signIn(TOKENS.operator);
    await h.boot({ server: { tokens: [{ name: 'demoted', role: 'viewer', sha256: tokenSha256(TOKENS.operator) }] } });
    expect((await h.call('GET', '/api/v1/session', { headers: withCookie(session) })).json()).toMatchObject({ name: 'demoted', role: 'viewer' });
  });

  it('ends when it expires', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    await h.boot({ server: { sessionTtlMs: 60_000 } }, { now: () => now });
    const session = await signIn(TOKENS.viewer);
    now += 59_000;
    expect((await h.call('GET', '/api/v1/session', { headers: withCookie(session) })).statusCode).toBe(200);
    now += 1_000;
    expectApiError(await h.call('GET', '/api/v1/session', { headers: withCookie(session) }), 401, 'auth.session_ended');
  });

  it('refuses a wrong or missing token with 401, and counts wrong ones as failed authentications', async () => {
    await h.boot({ server: { authFailures: { max: 3, windowMs: 60_000 } } });
    expectApiError(await h.call('POST', '/api/v1/session'), 401, 'auth.missing_token');
    for (let i = 0; i < 3; i++) expectApiError(await h.call('POST', '/api/v1/session', { body: { token: 'sw_wrong' } }), 401, 'auth.invalid_token');
    const blocked = expectApiError(await h.call('POST', '/api/v1/session', { body: { token: TOKENS.admin } }), 429, 'auth.too_many_failures');
    expect(blocked.details.retryAfterSeconds).toBeGreaterThan(0);
    expect(await h.app.store.listState(SESSION_NAMESPACE)).toEqual([]);
  });

  it('keeps taking bearer tokens, which need no CSRF token', async () => {
    h.flow(helloFlow);
    await h.boot();
    expect((await h.call('GET', '/api/v1/session', { as: 'viewer' })).json()).toEqual({ name: 'viewer-token', role: 'viewer' });
    expect((await startHello({ authorization: `Bearer ${TOKENS.operator}` })).statusCode).toBe(202);
  });
});
