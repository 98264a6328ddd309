import nock from 'nock';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectionResources } from '../../src/connector-kit/connection-resources.js';
import type { ActionContext, ResolvedConnection } from '../../src/connector-kit/connector.js';
import type { RateLimit, RateLimiter } from '../../src/connector-kit/rate-limiter.js';
import { WebhookRejectedError, type WebhookRequest } from '../../src/connector-kit/webhooks/webhook.js';
import { InputError } from '../../src/errors/index.js';
import { actionContext, failure, runAction, useNockOnly } from '../../test/support/action-context.js';
import { larkSuccess, larkTokenIssued } from '../../test/support/lark-action-contract.js';
import corehr from '../lark-corehr/index.js';
import hire from '../lark-hire/index.js';
import { LARK_WEBHOOK_DELIVERY, larkWebhook } from './lark-connection.js';
import { encryptLark, larkSignature } from './lark-webhook.js';

const BASE = 'https://open.feishu.test';
const APP = { appId: 'cli_connection_tests', appSecret: 'connection-test-secret' };
const OFFER_PATH = '/open-apis/hire/v1/offers/7096';
const OFFER = { id: '7096', offer_status: 7 };

function connection(settings: Record<string, unknown> = {}): ResolvedConnection {
  return { name: 'lark', connector: 'lark-hire', settings: { baseUrl: BASE, ...APP, ...settings } };
}

function withToken(token: string): nock.Scope {
  return nock(BASE, { reqheaders: { authorization: `Bearer ${token}` } });
}

const offerAnswered = (token: string) => withToken(token).get(OFFER_PATH).query({ user_id_type: 'open_id' });

const getOffer = (context: ActionContext) => runAction(hire, 'offer.get', { offer_id: '7096' }, context);

/** A pino logger whose lines land in an array, as the engine's would land in the log. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

describe('Lark connection resources', () => {
  useNockOnly();

  it('logs every request of a run with that run\'s runId and stepId, though runs share the connection\'s client and token', async () => {
    const { log, lines } = capturingLogger();
    const shared = new ConnectionResources().scopeFor(connection());
    const first = actionContext(connection(), { resources: shared, log: log.child({ runId: 'run-1', stepId: 'get-offer' }) });
    const second = actionContext(connection(), { resources: shared, log: log.child({ runId: 'run-2', stepId: 'read-offer' }) });
    larkTokenIssued(BASE, APP, 't-A');
    offerAnswered('t-A').times(2).reply(200, larkSuccess({ offer: OFFER }));

    await getOffer(first);
    await getOffer(second);

    const requests = lines.filter((line) => line.msg === 'lark request').map((line) => [line.runId, line.stepId, line.requestPath]);
    expect(requests).toEqual([
      ['run-1', 'get-offer', '/open-apis/auth/v3/tenant_access_token/internal'],
      ['run-1', 'get-offer', OFFER_PATH],
      // The second run reuses the first run's token, and still logs as itself.
      ['run-2', 'read-offer', OFFER_PATH],
    ]);
  });

  it('shares one tenant token between the lark-* connectors on one connection', async () => {
    const shared = new ConnectionResources().scopeFor(connection());
    larkTokenIssued(BASE, APP, 't-A');
    offerAnswered('t-A').reply(200, larkSuccess({ offer: OFFER }));
    withToken('t-A').post('/open-apis/corehr/v2/departments/batch_get', { department_id_list: ['dep-eng'] }).reply(200, larkSuccess({ items: [] }));

    await getOffer(actionContext(connection(), { resources: shared }));
    await runAction(corehr, 'department.batch_get', { department_id_list: ['dep-eng'] }, actionContext({ ...connection(), connector: 'lark-corehr' }, { resources: shared }));
  });

  it('gives the connection fresh resources, and so a fresh token, once its settings change', async () => {
    const resources = new ConnectionResources();
    larkTokenIssued(BASE, APP, 't-A');
    offerAnswered('t-A').reply(200, larkSuccess({ offer: OFFER }));
    await getOffer(actionContext(connection(), { resources: resources.scopeFor(connection()) }));

    const rotated = connection({ appSecret: 'rotated-secret' });
    larkTokenIssued(BASE, { ...APP, appSecret: 'rotated-secret' }, 't-B');
    offerAnswered('t-B').reply(200, larkSuccess({ offer: OFFER }));
    await getOffer(actionContext(rotated, { resources: resources.scopeFor(rotated) }));
  });

  it('acquires the app\'s limiter under lark:<appId> for every request of every run, the token request included: the limiter the connector declares', async () => {
    const acquired: string[] = [];
    const rates: RateLimit[] = [];
    const recording = (rate: RateLimit): RateLimiter => {
      rates.push(rate);
      return {
        run: (key, request) => {
          acquired.push(key);
          return request();
        },
        state: () => Promise.reject(new Error('this test reads no state')),
      };
    };
    const resources = new ConnectionResources({ createRateLimiter: recording });
    const limited = connection({ requestsPerSecond: 5 });
    larkTokenIssued(BASE, APP, 't-A');
    offerAnswered('t-A').times(2).reply(200, larkSuccess({ offer: OFFER }));

    await getOffer(actionContext(limited, { resources: resources.scopeFor(limited) }));
    await getOffer(actionContext(limited, { resources: resources.scopeFor(limited) }));

    expect(rates).toEqual([{ limit: 5, perMs: 1000 }]);
    expect(acquired).toEqual(Array(3).fill(`lark:${APP.appId}`));
    // What the API shows the state of is the limiter the calls went through.
    expect(hire.clientRateLimits?.(limited)).toEqual([{ scope: expect.stringContaining(APP.appId), key: acquired[0], rate: rates[0] }]);
    expect(hire.clientRateLimits?.(connection())).toEqual([]);
  });

  describe('the retry budget', () => {
    it('sends once with inlineAttempts 1: a 500 goes up with category server for the step\'s policy to retry', async () => {
      larkTokenIssued(BASE, APP, 't-A');
      offerAnswered('t-A').reply(500, { code: 1000001, msg: 'internal error' });
      const error = await failure(getOffer(actionContext(connection(), { inlineAttempts: 1 })));
      expect(error).toMatchObject({ category: 'server', httpStatus: 500, vendorCode: 1000001 });
    });

    it('retries a 500 inline with the default budget, as without a retry policy', async () => {
      larkTokenIssued(BASE, APP, 't-A');
      offerAnswered('t-A').times(2).reply(500, { code: 1000001, msg: 'internal error' });
      offerAnswered('t-A').reply(200, larkSuccess({ offer: OFFER }));
      expect(await getOffer(actionContext(connection()))).toEqual({ offer: OFFER });
    });

    it('still refreshes a rejected token once with inlineAttempts 1: a refresh is not a retry', async () => {
      larkTokenIssued(BASE, APP, 't-A');
      offerAnswered('t-A').reply(400, { code: 99991663, msg: 'Invalid access token for authorization.' });
      larkTokenIssued(BASE, APP, 't-B');
      offerAnswered('t-B').reply(200, larkSuccess({ offer: OFFER }));
      expect(await getOffer(actionContext(connection(), { inlineAttempts: 1 }))).toEqual({ offer: OFFER });
    });
  });
});

describe('larkWebhook', () => {
  const ENCRYPT_KEY = 'connection-encrypt-key';
  const TOKEN = 'connection-verification-token';
  const NOW = new Date(Date.UTC(2025, 2, 3, 9, 30, 0));
  const event = {
    schema: '2.0',
    header: { event_id: 'ev-1', event_type: 'hire.offer.status_changed_v1', create_time: String(NOW.getTime() - 1000), token: TOKEN, app_id: APP.appId, tenant_key: 'tenant-1' },
    event: { offer_id: '7096', offer_status: 7 },
  };

  function signedPush(signedAt: Date): WebhookRequest {
    const body = JSON.stringify({ encrypt: encryptLark(ENCRYPT_KEY, JSON.stringify(event)) });
    const timestamp = String(Math.floor(signedAt.getTime() / 1000));
    return {
      headers: { 'x-lark-request-timestamp': timestamp, 'x-lark-request-nonce': 'n0nce', 'x-lark-signature': larkSignature(timestamp, 'n0nce', ENCRYPT_KEY, body) },
      rawBody: Buffer.from(body),
    };
  }

  const secured = connection({ webhook: { verificationToken: TOKEN, encryptKey: ENCRYPT_KEY } });

  it("verifies a push with the connection's webhook secrets, at the time it is given", () => {
    expect(larkWebhook.verify(signedPush(NOW), secured, NOW)).toEqual({
      kind: 'event',
      event: { id: 'ev-1', type: 'hire.offer.status_changed_v1', occurredAt: new Date(NOW.getTime() - 1000).toISOString(), tenant: 'tenant-1', payload: event.event },
    });
    const tenMinutesLater = new Date(NOW.getTime() + 600_000);
    expect(() => larkWebhook.verify(signedPush(NOW), secured, tenMinutesLater)).toThrow(expect.objectContaining({ reason: 'stale' }));
  });

  it('rejects every push to a connection without a verification token, naming the connection', () => {
    let error: unknown;
    try {
      larkWebhook.verify(signedPush(NOW), connection(), NOW);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WebhookRejectedError);
    expect(error).toMatchObject({ reason: 'bad_token', message: expect.stringContaining('connection "lark" has no webhook.verificationToken') });
  });

  it('fails on an Encrypt Key whose variable is unset instead of accepting unsigned pushes', () => {
    const webhook = { verificationToken: TOKEN };
    Object.defineProperty(webhook, 'encryptKey', {
      enumerable: true,
      get() {
        throw new InputError('connection "lark" needs environment variable LARK_ENCRYPT_KEY (for /webhook/encryptKey), which is not set', 'connection.secret_missing');
      },
    });
    const unsigned: WebhookRequest = { headers: {}, rawBody: Buffer.from(JSON.stringify(event)) };
    expect(() => larkWebhook.verify(unsigned, connection({ webhook }), NOW)).toThrow(InputError);
  });

  it("states Lark's delivery terms: answer within 3 s, 4 redeliveries over a little more than 7 h", () => {
    expect(larkWebhook.delivery).toBe(LARK_WEBHOOK_DELIVERY);
    expect(LARK_WEBHOOK_DELIVERY.answerWithinMs).toBe(3000);
    expect(LARK_WEBHOOK_DELIVERY.redeliveries).toBe(4);
    // A stated constant, in hours: nothing here is timed.
    const windowHours = (LARK_WEBHOOK_DELIVERY.redeliveryWindowMs ?? 0) / 3_600_000;
    expect(windowHours).toBeGreaterThan(7);
    expect(windowHours).toBeLessThan(7.5);
  });

  it('is the verifier of every lark-* connector that receives events', () => {
    expect(hire.webhook).toBe(larkWebhook);
    expect(corehr.webhook).toBe(larkWebhook);
  });
});
