import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../src/connector-kit/connector.js';
import { resolveConnection } from '../../src/connector-kit/connection.js';
import { VendorError } from '../../src/errors/index.js';
import { actionContext, failure, runAction, TEST_IDEMPOTENCY_KEY, useNockOnly } from '../../test/support/action-context.js';
import connector from './index.js';
import { SLOWER_THAN_ANY_TIMEOUT_MS } from '../../test/support/slow-answer.js';

const request = (input: unknown, context: ActionContext) => runAction(connector, 'request', input, context) as Promise<{ status: number; body: unknown }>;

function context(connection?: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): ActionContext {
  return actionContext(connection ? resolveConnection('hr', { connector: 'http', ...connection }, env) : undefined);
}

describe('http connector', () => {
  useNockOnly();

  it('sends JSON with the connection base URL, auth and the idempotency key, and returns status, headers and body', async () => {
    nock('https://hr.example.com', {
      reqheaders: {
        authorization: 'Bearer s3cret',
        'idempotency-key': TEST_IDEMPOTENCY_KEY,
        'x-team': 'people',
      },
    })
      .post('/api/pre-hires', { name: 'Ada' })
      .query({ dry: 'false' })
      .reply(201, { id: 'ph-1' }, { 'content-type': 'application/json' });
    const result = await request(
      { method: 'POST', url: '/pre-hires', body: { name: 'Ada' }, query: { dry: false }, headers: { 'x-team': 'people' } },
      context({ baseUrl: 'https://hr.example.com/api/', auth: { type: 'bearer', token: { env: 'TOKEN' } } }, { TOKEN: 's3cret' }),
    );
    expect(result).toMatchObject({ status: 201, body: { id: 'ph-1' } });
  });

  it('does not send an idempotency key on GET, and uses the configured header name otherwise', async () => {
    nock('https://hr.example.com', { badheaders: ['idempotency-key'] }).get('/offers/1').reply(200, 'plain text');
    expect((await request({ url: 'https://hr.example.com/offers/1' }, context())).body).toBe('plain text');
    nock('https://hr.example.com', { reqheaders: { 'x-request-id': TEST_IDEMPOTENCY_KEY } })
      .delete('/users/7')
      .reply(204);
    const deleted = await request({ method: 'DELETE', url: '/users/7' }, context({ baseUrl: 'https://hr.example.com', idempotencyHeader: 'X-Request-Id' }));
    expect(deleted.status).toBe(204);
  });

  it('uses basic and custom-header auth from secrets', async () => {
    nock('https://a.example.com', { reqheaders: { authorization: `Basic ${Buffer.from('svc:pw').toString('base64')}` } }).get('/x').reply(200, {});
    await request({ url: '/x' }, context({ baseUrl: 'https://a.example.com', auth: { type: 'basic', username: 'svc', password: { env: 'PW' } } }, { PW: 'pw' }));
    nock('https://b.example.com', { reqheaders: { 'x-api-key': 'k1' } }).get('/y').reply(200, {});
    await request({ url: '/y' }, context({ baseUrl: 'https://b.example.com', auth: { type: 'header', name: 'X-Api-Key', value: { env: 'KEY' } } }, { KEY: 'k1' }));
  });

  it('fails a 4xx as a non-retryable client error naming the request and the answer', async () => {
    nock('https://hr.example.com').post('/pre-hires').reply(422, { error: 'email is taken' });
    const err = await failure(request({ method: 'POST', url: 'https://hr.example.com/pre-hires', body: {} }, context()));
    expect(err).toBeInstanceOf(VendorError);
    expect(err.category).toBe('client');
    expect(err.code).toBe('vendor.422');
    expect(err.message).toBe('POST https://hr.example.com/pre-hires answered HTTP 422: {"error":"email is taken"}');
  });

  it('classifies 429 with Retry-After, 5xx, timeouts and refused connections as retryable', async () => {
    nock('https://hr.example.com').get('/a').reply(429, {}, { 'retry-after': '7' });
    const limited = await failure(request({ url: 'https://hr.example.com/a' }, context()));
    expect([limited.category, limited.retryAfterMs]).toEqual(['rate_limit', 7000]);

    nock('https://hr.example.com').get('/b').reply(429, {}, { 'x-ogw-ratelimit-reset': '2' });
    expect((await failure(request({ url: 'https://hr.example.com/b' }, context()))).retryAfterMs).toBe(2000);

    nock('https://hr.example.com').get('/c').reply(503, 'down');
    expect((await failure(request({ url: 'https://hr.example.com/c' }, context()))).category).toBe('server');

    nock('https://hr.example.com').get('/d').delay(SLOWER_THAN_ANY_TIMEOUT_MS).reply(200, {});
    const slow = await failure(request({ url: 'https://hr.example.com/d', timeoutMs: 50 }, context()));
    expect([slow.category, slow.code]).toEqual(['timeout', 'http.timeout']);

  });

  it('classifies a refused connection as a retryable network error', async () => {
    // A real refused connection: a loopback port that was just released.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    nock.enableNetConnect('127.0.0.1');
    const refused = await failure(request({ url: `http://127.0.0.1:${port}/x` }, context()));
    expect([refused.category, refused.code]).toEqual(['network', 'http.network']);
    expect(refused.message).toContain('ECONNREFUSED');
    nock.disableNetConnect();
  });

  it('names the missing environment variable of a secret when the call needs it', async () => {
    const err = await failure(request({ url: 'https://hr.example.com/x' }, context({ auth: { type: 'bearer', token: { env: 'HR_TOKEN' } } }, {})));
    expect(err.message).toBe('connection "hr" needs environment variable HR_TOKEN (for /auth/token), which is not set');
    expect([err.code, err.category]).toEqual(['connection.secret_missing', 'validation']);
  });

  it('resolves the secrets that are set and leaves an unset one failing only where it is read', () => {
    const resolved = resolveConnection('lark', { connector: 'lark-hire', appSecret: { env: 'APP' }, webhook: { encryptKey: { env: 'UNSET' } }, keys: [{ env: 'APP' }] }, { APP: 's' });
    expect(resolved.settings.appSecret).toBe('s');
    expect(resolved.settings.keys).toEqual(['s']);
    expect(() => (resolved.settings.webhook as Record<string, unknown>).encryptKey).toThrow(
      'connection "lark" needs environment variable UNSET (for /webhook/encryptKey), which is not set',
    );
  });
});
