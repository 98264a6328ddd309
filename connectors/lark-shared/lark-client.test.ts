import nock from 'nock';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { VendorError } from '../../src/errors/index.js';
import { failure, noWait, useNockOnly } from '../../test/support/action-context.js';
import { larkTokenIssued } from '../../test/support/lark-action-contract.js';
import { InMemoryRateLimiter } from '../../src/connector-kit/rate-limiter.js';
import { LarkApp, LarkClient, type LarkAppOptions, type LarkCaller } from './lark-client.js';
import { SLOWER_THAN_ANY_TIMEOUT_MS } from '../../test/support/slow-answer.js';

const BASE = 'https://open.feishu.cn';
const APP = { appId: 'cli_a1b2c3d4e5f60718', appSecret: 'app-secret-for-tests' };
const OFFER_PATH = '/open-apis/hire/v1/offers/6949805467799537964';

/**
 * A client over an app of its own: the app's options, a client-side rate, and the caller's logger
 * and attempts. Back-offs are not slept: the tests read the delay each retry logged.
 */
function client({ log, attempts, maxInlineDelayMs, requestsPerSecond, ...app }: Partial<LarkAppOptions> & LarkCaller & { requestsPerSecond?: number } = {}): LarkClient {
  const limiter = requestsPerSecond ? new InMemoryRateLimiter({ limit: requestsPerSecond, perMs: 1000 }) : undefined;
  return new LarkClient(new LarkApp({ baseUrl: BASE, ...APP, ...app, ...(limiter ? { limiter } : {}) }), {
    ...(log ? { log } : {}),
    ...(attempts ? { attempts } : {}),
    ...(maxInlineDelayMs ? { maxInlineDelayMs } : {}),
    sleep: noWait,
  });
}

function tokenIssued(token: string, expire = 7200): nock.Scope {
  return larkTokenIssued(BASE, APP, token, expire);
}

function withToken(token: string): nock.Scope {
  return nock(BASE, { reqheaders: { authorization: `Bearer ${token}` } });
}

const offer = { offer: { id: '6949805467799537964', offer_status: 7 } };

/** A pino logger whose lines land in an array, to read what the client decided (e.g. its retry delay). */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

describe('LarkClient', () => {
  useNockOnly();

  describe('tenant access token', () => {
    it('fetches the token once and reuses it across calls', async () => {
      tokenIssued('t-A');
      withToken('t-A').get(OFFER_PATH).times(3).reply(200, { code: 0, msg: 'success', data: offer });
      const lark = client();
      for (let i = 0; i < 3; i++) expect(await lark.call({ method: 'GET', path: OFFER_PATH })).toEqual(offer);
    });

    it.each([99991663, 99991664, 99991671])('refreshes the token once when a call answers %i, and retries with the new one', async (code) => {
      tokenIssued('t-A');
      withToken('t-A').get(OFFER_PATH).reply(400, { code, msg: 'Invalid access token for authorization.' });
      tokenIssued('t-B');
      withToken('t-B').get(OFFER_PATH).reply(200, { code: 0, msg: 'success', data: offer });
      expect(await client().call({ method: 'GET', path: OFFER_PATH })).toEqual(offer);
    });

    it('fails instead of looping when the refreshed token is rejected too', async () => {
      tokenIssued('t-A');
      withToken('t-A').get(OFFER_PATH).reply(400, { code: 99991663, msg: 'Invalid access token for authorization.' });
      tokenIssued('t-B');
      withToken('t-B').get(OFFER_PATH).reply(200, { code: 99991663, msg: 'Invalid access token for authorization.' }, { 'X-Tt-Logid': 'log-second-refusal' });
      const error = await failure(client().call({ method: 'GET', path: OFFER_PATH }));
      expect(error).toBeInstanceOf(VendorError);
      expect(error).toMatchObject({ vendorCode: 99991663, category: 'client', logId: 'log-second-refusal' });
    });

    it('refreshes a token before use once it is within three minutes of its expiry', async () => {
      let now = 1_741_000_000_000;
      const lark = client({ now: () => now });
      tokenIssued('t-A', 7200);
      withToken('t-A').get(OFFER_PATH).times(2).reply(200, { code: 0, msg: 'success', data: offer });
      await lark.call({ method: 'GET', path: OFFER_PATH });
      const refreshAt = now + (7200 - 180) * 1000;
      now = refreshAt - 1;
      await lark.call({ method: 'GET', path: OFFER_PATH });
      tokenIssued('t-B', 7200);
      withToken('t-B').get(OFFER_PATH).reply(200, { code: 0, msg: 'success', data: offer });
      now = refreshAt;
      await lark.call({ method: 'GET', path: OFFER_PATH });
    });

    it('uses a token that lives less than three minutes for half its life instead of fetching one per call', async () => {
      let now = 1_741_000_000_000;
      const lark = client({ now: () => now });
      tokenIssued('t-short', 60);
      withToken('t-short').get(OFFER_PATH).times(2).reply(200, { code: 0, msg: 'success', data: offer });
      const issuedAt = now;
      await lark.call({ method: 'GET', path: OFFER_PATH });
      now = issuedAt + 29_999;
      await lark.call({ method: 'GET', path: OFFER_PATH });
      tokenIssued('t-next', 60);
      withToken('t-next').get(OFFER_PATH).reply(200, { code: 0, msg: 'success', data: offer });
      now = issuedAt + 30_000;
      await lark.call({ method: 'GET', path: OFFER_PATH });
    });

    it('makes concurrent callers share one token request', async () => {
      tokenIssued('t-A');
      withToken('t-A').get(OFFER_PATH).times(5).reply(200, { code: 0, msg: 'success', data: offer });
      const lark = client();
      const results = await Promise.all(Array.from({ length: 5 }, () => lark.call({ method: 'GET', path: OFFER_PATH })));
      expect(results).toEqual(Array(5).fill(offer));
    });

    it('refreshes once when several calls are refused the same token, even if a refusal arrives after the refresh', async () => {
      tokenIssued('t-A');
      withToken('t-A').get('/open-apis/a').reply(400, { code: 99991663, msg: 'Invalid access token' });
      withToken('t-A').get('/open-apis/b').delay(300).reply(400, { code: 99991663, msg: 'Invalid access token' });
      tokenIssued('t-B');
      withToken('t-B').get('/open-apis/a').reply(200, { code: 0, data: { which: 'a' } });
      withToken('t-B').get('/open-apis/b').reply(200, { code: 0, data: { which: 'b' } });
      const lark = client();
      const results = await Promise.all([lark.call({ method: 'GET', path: '/open-apis/a' }), lark.call({ method: 'GET', path: '/open-apis/b' })]);
      expect(results).toEqual([{ which: 'a' }, { which: 'b' }]);
    });
  });

  describe('errors', () => {
    it.each([200, 400])('turns the error envelope answered with HTTP %i into a VendorError with code, message and log id', async (status) => {
      tokenIssued('t-A');
      withToken('t-A').get(OFFER_PATH).reply(status, { code: 1002001, msg: 'offer not found' }, { 'X-Tt-Logid': '202503031130450A8B9C' });
      const error = await failure(client().call({ method: 'GET', path: OFFER_PATH }));
      expect(error).toBeInstanceOf(VendorError);
      expect(error).toMatchObject({ vendorCode: 1002001, httpStatus: status, logId: '202503031130450A8B9C', category: 'client', code: 'vendor.1002001' });
      expect(error.message).toContain('offer not found');
      expect(error.message).toContain('202503031130450A8B9C');
    });

    it('waits for x-ogw-ratelimit-reset after a 429, then retries and succeeds', async () => {
      const { log, lines } = capturingLogger();
      tokenIssued('t-A');
      withToken('t-A')
        .get(OFFER_PATH)
        .reply(429, { code: 99991400, msg: 'request trigger frequency limit' }, { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': '1' });
      withToken('t-A').get(OFFER_PATH).reply(200, { code: 0, msg: 'success', data: offer });
      expect(await client({ log }).call({ method: 'GET', path: OFFER_PATH })).toEqual(offer);
      expect(lines.filter((line) => line.msg === 'lark call failed; retrying')).toEqual([expect.objectContaining({ delayMs: 1000, code: 'vendor.99991400' })]);
    });

    it('treats code 99991400 answered with HTTP 400 as rate limiting', async () => {
      tokenIssued('t-A');
      withToken('t-A').get(OFFER_PATH).reply(400, { code: 99991400, msg: 'request trigger frequency limit' }, { 'x-ogw-ratelimit-reset': '1' });
      withToken('t-A').get(OFFER_PATH).reply(200, { code: 0, msg: 'success', data: offer });
      expect(await client().call({ method: 'GET', path: OFFER_PATH })).toEqual(offer);

      tokenIssued('t-C');
      withToken('t-C').get(OFFER_PATH).reply(400, { code: 99991400, msg: 'request trigger frequency limit' }, { 'x-ogw-ratelimit-reset': '1' });
      const error = await failure(client({ attempts: 1 }).call({ method: 'GET', path: OFFER_PATH }));
      expect(error).toMatchObject({ category: 'rate_limit', retryAfterMs: 1000, vendorCode: 99991400, httpStatus: 400 });
    });

    it('leaves a reset longer than maxInlineDelayMs to the engine: a rate_limit error with retryAfterMs', async () => {
      tokenIssued('t-A');
      withToken('t-A').get(OFFER_PATH).reply(429, { code: 99991400, msg: 'request trigger frequency limit' }, { 'x-ogw-ratelimit-reset': '30' });
      const error = await failure(client({ maxInlineDelayMs: 5_000 }).call({ method: 'GET', path: OFFER_PATH }));
      expect(error).toBeInstanceOf(VendorError);
      expect(error).toMatchObject({ category: 'rate_limit', retryAfterMs: 30_000, vendorCode: 99991400, httpStatus: 429 });
    });

    it('retries a 5xx and succeeds', async () => {
      tokenIssued('t-A');
      withToken('t-A').get(OFFER_PATH).reply(503, 'upstream unavailable', { 'content-type': 'text/plain' });
      withToken('t-A').get(OFFER_PATH).reply(200, { code: 0, msg: 'success', data: offer });
      expect(await client().call({ method: 'GET', path: OFFER_PATH })).toEqual(offer);
    });

    it('fails with category server when every attempt answers 5xx', async () => {
      tokenIssued('t-A');
      withToken('t-A').get(OFFER_PATH).times(2).reply(500, { code: 1000001, msg: 'internal error' }, { 'X-Tt-Logid': 'log-500' });
      const error = await failure(client({ attempts: 2 }).call({ method: 'GET', path: OFFER_PATH }));
      expect(error).toMatchObject({ category: 'server', vendorCode: 1000001, httpStatus: 500, logId: 'log-500' });
    });

    it('times out after timeoutMs, retries the timeout, then fails with category timeout', async () => {
      tokenIssued('t-A');
      withToken('t-A').get(OFFER_PATH).times(3).delay(SLOWER_THAN_ANY_TIMEOUT_MS).reply(200, { code: 0, msg: 'success', data: offer });
      const error = await failure(client({ timeoutMs: 50 }).call({ method: 'GET', path: OFFER_PATH }));
      expect(error.category).toBe('timeout');
    });
  });

  describe('pagination and rate limiting', () => {
    it('walks every page, passing page_size and each page_token back', async () => {
      const path = '/open-apis/corehr/v2/employees/search';
      const filter = { employment_status: 'hired' };
      tokenIssued('t-A');
      withToken('t-A').post(path, filter).query({ page_size: '100' }).reply(200, { code: 0, data: { items: [{ id: 1 }, { id: 2 }], has_more: true, page_token: 'p-2' } });
      withToken('t-A').post(path, filter).query({ page_size: '100', page_token: 'p-2' }).reply(200, { code: 0, data: { items: [{ id: 3 }], has_more: true, page_token: 'p-3' } });
      withToken('t-A').post(path, filter).query({ page_size: '100', page_token: 'p-3' }).reply(200, { code: 0, data: { items: [{ id: 4 }], has_more: false } });
      const ids: unknown[] = [];
      for await (const item of client().paginate<{ id: number }>({ method: 'POST', path, body: filter }, 'items', 100)) ids.push(item.id);
      expect(ids).toEqual([1, 2, 3, 4]);
    });

    it('spaces requests to requestsPerSecond: each call waits for the previous one instead of bursting', async () => {
      const events: string[] = [];
      tokenIssued('t-A');
      for (const name of ['a', 'b', 'c']) {
        withToken('t-A')
          .get(`/open-apis/items/${name}`)
          .reply(() => {
            events.push(`sent ${name}`);
            return [200, { code: 0, data: { name } }, { 'content-type': 'application/json' }];
          });
      }
      // Two per second: the token request and "a" use the initial allowance, "b" and "c" wait their turn.
      const lark = client({ requestsPerSecond: 2 });
      await Promise.all(
        ['a', 'b', 'c'].map(async (name) => {
          await lark.call({ method: 'GET', path: `/open-apis/items/${name}` });
          events.push(`answered ${name}`);
        }),
      );
      expect(events).toEqual(['sent a', 'answered a', 'sent b', 'answered b', 'sent c', 'answered c']);
    });
  });
});
