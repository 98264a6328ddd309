import nock from 'nock';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectionResources } from '../../src/connector-kit/connection-resources.js';
import type { ActionContext } from '../../src/connector-kit/connector.js';
import { resolveConnection } from '../../src/connector-kit/connection.js';
import type { RateLimit, RateLimiter } from '../../src/connector-kit/rate-limiter.js';
import { ConnectorRegistry } from '../../src/connector-kit/registry.js';
import { VendorError } from '../../src/errors/index.js';
import { ajv, compileSchema } from '../../src/schemas.js';
import { actionContext, failure, TEST_IDEMPOTENCY_KEY as KEY, useNockOnly } from '../../test/support/action-context.js';
import eventSchema from './connect-event.schema.json' with { type: 'json' };
import { signDocusignConnect } from './connect-webhook.js';
import { CONNECT_WEBHOOK_DELIVERY, docusignConnectWebhook } from './docusign-connection.js';
import connector from './index.js';
import { SLOWER_THAN_ANY_TIMEOUT_MS } from '../../test/support/slow-answer.js';

const BASE = 'https://demo.docusign.net';
const ACCOUNT = '7d3a9c2e-52b1-4f0e-9a61-3c8e5b0d1f47';
const API = `/restapi/v2.1/accounts/${ACCOUNT}`;
const ENVELOPE = 'b5c1f3a2-9d4e-4c7b-8a16-2e0f9d3c5b71';
/** Date is frozen here, so from_date and X-RateLimit-Reset arithmetic are exact. */
const NOW = new Date('2024-05-20T09:30:00.000Z');
const FROM_DATE = '2024-04-20';

const auth = { reqheaders: { authorization: 'Bearer token-1', accept: 'application/json' } };
const json = { 'content-type': 'application/json' };

type Action = (input: unknown, context: ActionContext) => Promise<Record<string, unknown>>;
const createFromTemplate = connector.actions['envelope.create_from_template'] as Action;
const getEnvelope = connector.actions['envelope.get'] as Action;
const voidEnvelope = connector.actions['envelope.void'] as Action;

function connection(settings: Record<string, unknown> = {}) {
  return resolveConnection(
    'contracts',
    { connector: 'docusign', baseUri: BASE, accountId: ACCOUNT, accessToken: { env: 'DS_TOKEN' }, timeoutMs: 2000, ...settings },
    { DS_TOKEN: 'token-1' },
  );
}

function context(settings: Record<string, unknown> = {}, overrides: Partial<Omit<ActionContext, 'connection'>> = {}): ActionContext {
  return actionContext(connection(settings), overrides);
}

const offer = {
  templateId: 'f0e1d2c3-b4a5-4968-8776-655443322110',
  templateRoles: [{ roleName: 'Candidate', name: 'Ada Lovelace', email: 'ada@example.com' }],
  emailSubject: 'Your offer from Example Corp',
};
const keyQuery = { from_date: FROM_DATE, custom_field: `staffwireKey=${KEY}` };
const noEnvelopes = { resultSetSize: '0', totalSetSize: '0', startPosition: '0', endPosition: '-1' };
const created = { envelopeId: ENVELOPE, uri: `/envelopes/${ENVELOPE}`, statusDateTime: '2024-05-20T09:30:01.2170000Z', status: 'sent' };

describe('docusign connector', () => {
  useNockOnly();
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterAll(() => vi.useRealTimers());

  it('has a manifest the registry accepts, with schemas that compile', () => {
    expect(() => new ConnectorRegistry().register(connector)).not.toThrow();
    if (!ajv().getSchema(eventSchema.$id)) ajv().addSchema(eventSchema);
    for (const action of Object.values(connector.manifest.actions)) {
      compileSchema(action.input);
      compileSchema(action.output);
    }
    for (const event of Object.values(connector.manifest.events ?? {})) compileSchema(event.payload);
    expect(compileSchema(connector.manifest.actions['envelope.create_from_template']!.input)(offer)).toBe(true);
    expect(compileSchema(connector.manifest.connection.schema)({ connector: 'docusign', baseUri: BASE, accountId: ACCOUNT, accessToken: 'inline' })).toBe(false);
  });

  describe('envelope.create_from_template', () => {
    it("searches for the step's key, finds nothing, and sends the envelope carrying the key in a hidden custom field", async () => {
      nock(BASE, auth).get(`${API}/envelopes`).query(keyQuery).reply(200, noEnvelopes, json);
      nock(BASE, auth)
        .post(`${API}/envelopes`, {
          templateId: offer.templateId,
          templateRoles: offer.templateRoles,
          status: 'sent',
          emailSubject: offer.emailSubject,
          emailBlurb: 'Please sign by Friday.',
          customFields: { textCustomFields: [{ name: 'staffwireKey', value: KEY, show: 'false', required: 'false' }] },
        })
        .reply(201, created, json);
      const result = await createFromTemplate({ ...offer, emailBlurb: 'Please sign by Friday.' }, context());
      expect(result).toEqual({ envelopeId: ENVELOPE, status: 'sent', statusDateTime: created.statusDateTime, uri: `/envelopes/${ENVELOPE}`, reused: false });
    });

    it('returns the envelope already sent under this key and does not POST again', async () => {
      nock(BASE, auth)
        .get(`${API}/envelopes`)
        .query(keyQuery)
        .reply(200, {
          resultSetSize: '1',
          totalSetSize: '1',
          envelopes: [{ envelopeId: ENVELOPE, status: 'delivered', statusChangedDateTime: '2024-05-20T09:00:00.0000000Z', uri: `/envelopes/${ENVELOPE}` }],
        }, json);
      const post = nock(BASE).post(`${API}/envelopes`).reply(201, created, json);
      const result = await createFromTemplate(offer, { ...context(), attempt: 2 });
      expect(result).toEqual({ envelopeId: ENVELOPE, status: 'delivered', statusDateTime: '2024-05-20T09:00:00.0000000Z', uri: `/envelopes/${ENVELOPE}`, reused: true });
      expect(post.isDone()).toBe(false);
      nock.cleanAll();
    });

    it('after a POST that timed out, finds the envelope DocuSign had accepted instead of sending a second one', async () => {
      nock(BASE, auth).get(`${API}/envelopes`).query(keyQuery).reply(200, noEnvelopes, json);
      nock(BASE, auth).post(`${API}/envelopes`).delay(SLOWER_THAN_ANY_TIMEOUT_MS).reply(201, created, json);
      nock(BASE, auth)
        .get(`${API}/envelopes`)
        .query(keyQuery)
        .reply(200, { resultSetSize: '1', envelopes: [{ envelopeId: ENVELOPE, status: 'sent', statusChangedDateTime: created.statusDateTime }] }, json);
      const result = await createFromTemplate(offer, context({ timeoutMs: 50 }));
      expect(result).toMatchObject({ envelopeId: ENVELOPE, reused: true });
    });

    it("fails with DocuSign's error code and message as a non-retryable vendor error", async () => {
      nock(BASE, auth).get(`${API}/envelopes`).query(keyQuery).reply(200, noEnvelopes, json);
      nock(BASE, auth)
        .post(`${API}/envelopes`)
        .reply(400, { errorCode: 'TEMPLATE_ID_INVALID', message: 'Invalid template ID.' }, { ...json, 'x-docusign-tracetoken': 'trace-7' });
      const err = await failure(createFromTemplate(offer, context()));
      expect(err).toBeInstanceOf(VendorError);
      expect(err).toMatchObject({ vendorCode: 'TEMPLATE_ID_INVALID', httpStatus: 400, logId: 'trace-7', category: 'client', code: 'vendor.TEMPLATE_ID_INVALID' });
      expect(err.message).toBe(
        'DocuSign POST /envelopes failed on connection "contracts": Invalid template ID. (TEMPLATE_ID_INVALID, HTTP 400, trace token trace-7)',
      );
    });

    it('waits out a 429 with Retry-After, searches again and sends', async () => {
      nock(BASE, auth).get(`${API}/envelopes`).query(keyQuery).reply(200, noEnvelopes, json);
      nock(BASE, auth)
        .post(`${API}/envelopes`)
        .reply(429, { errorCode: 'BURST_APIINVOCATION_LIMIT_EXCEEDED', message: 'The maximum number of API invocations has been exceeded.' }, { ...json, 'retry-after': '1' });
      nock(BASE, auth).get(`${API}/envelopes`).query(keyQuery).reply(200, noEnvelopes, json);
      nock(BASE, auth).post(`${API}/envelopes`).reply(201, created, json);
      expect(await createFromTemplate(offer, context())).toMatchObject({ envelopeId: ENVELOPE, reused: false });
    });

    it('stops at a rejected access token with an error naming the connection, without retrying or sending', async () => {
      nock(BASE, auth)
        .get(`${API}/envelopes`)
        .query(keyQuery)
        .reply(401, { errorCode: 'USER_AUTHENTICATION_FAILED', message: 'One or both of Username and Password are invalid. Invalid access token' }, json);
      const err = await failure(createFromTemplate(offer, context()));
      expect(err).toMatchObject({ vendorCode: 'USER_AUTHENTICATION_FAILED', httpStatus: 401, category: 'client' });
      expect(err.message).toBe(
        'DocuSign rejected the access token of connection "contracts": One or both of Username and Password are invalid. Invalid access token. ' +
          "Put a fresh OAuth access token in the connection's accessToken (USER_AUTHENTICATION_FAILED, HTTP 401)",
      );
    });

    it('fails as a timeout after three timed-out attempts', async () => {
      nock(BASE, auth).get(`${API}/envelopes`).query(keyQuery).times(3).delay(SLOWER_THAN_ANY_TIMEOUT_MS).reply(200, noEnvelopes, json);
      const err = await failure(createFromTemplate(offer, context({ timeoutMs: 50 })));
      expect([err.category, err.code]).toEqual(['timeout', 'http.timeout']);
      expect(err.message).toMatch(/^DocuSign connection "contracts": GET .*\/envelopes timed out/);
    });
  });

  describe('envelope.get', () => {
    const envelope = {
      envelopeId: ENVELOPE,
      status: 'completed',
      emailSubject: offer.emailSubject,
      sentDateTime: '2024-05-19T08:00:00.0000000Z',
      completedDateTime: '2024-05-20T09:00:00.0000000Z',
      statusChangedDateTime: '2024-05-20T09:00:00.0000000Z',
      documentsUri: `/envelopes/${ENVELOPE}/documents`,
      is21CFRPart11: 'false',
    };

    it('reads the status and dates, leaving DocuSign’s URIs and flags out', async () => {
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(200, envelope, json);
      expect(await getEnvelope({ envelopeId: ENVELOPE }, context())).toEqual({
        envelopeId: ENVELOPE,
        status: 'completed',
        emailSubject: offer.emailSubject,
        sentDateTime: envelope.sentDateTime,
        completedDateTime: envelope.completedDateTime,
        statusChangedDateTime: envelope.statusChangedDateTime,
      });
    });

    it("fails with DocuSign's error code for an unknown envelope", async () => {
      nock(BASE, auth)
        .get(`${API}/envelopes/${ENVELOPE}`)
        .reply(404, { errorCode: 'ENVELOPE_DOES_NOT_EXIST', message: 'The envelope specified either does not exist or you have no rights to it.' }, json);
      const err = await failure(getEnvelope({ envelopeId: ENVELOPE }, context()));
      expect(err).toMatchObject({ vendorCode: 'ENVELOPE_DOES_NOT_EXIST', httpStatus: 404, category: 'client' });
    });

    it('waits out a 429 with Retry-After and succeeds', async () => {
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(429, { errorCode: 'BURST_APIINVOCATION_LIMIT_EXCEEDED', message: 'burst' }, { ...json, 'retry-after': '1' });
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(200, envelope, json);
      expect(await getEnvelope({ envelopeId: ENVELOPE }, context())).toMatchObject({ status: 'completed' });
    });

    it('waits until X-RateLimit-Reset once the hourly quota is spent, then succeeds', async () => {
      const reset = NOW.getTime() / 1000 + 1;
      nock(BASE, auth)
        .get(`${API}/envelopes/${ENVELOPE}`)
        .reply(429, { errorCode: 'HOURLY_APIINVOCATION_LIMIT_EXCEEDED', message: 'The maximum number of hourly API invocations has been exceeded.' }, {
          ...json,
          'x-ratelimit-limit': '3000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
        });
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(200, envelope, json);
      expect(await getEnvelope({ envelopeId: ENVELOPE }, context())).toMatchObject({ status: 'completed' });
    });

    it('treats the hourly limit on HTTP 400 as a rate limit and leaves the wait to the top of the hour to the engine', async () => {
      nock(BASE, auth)
        .get(`${API}/envelopes/${ENVELOPE}`)
        .reply(400, { errorCode: 'HOURLY_APIINVOCATION_LIMIT_EXCEEDED', message: 'The maximum number of hourly API invocations has been exceeded. The hourly limit is 3000.' }, json);
      const err = await failure(getEnvelope({ envelopeId: ENVELOPE }, context()));
      expect(err).toMatchObject({ category: 'rate_limit', vendorCode: 'HOURLY_APIINVOCATION_LIMIT_EXCEEDED', retryAfterMs: 30 * 60_000 });
    });

    it('backs off briefly on a burst 429 instead of waiting for the hourly X-RateLimit-Reset', async () => {
      nock(BASE, auth)
        .get(`${API}/envelopes/${ENVELOPE}`)
        .reply(429, { errorCode: 'BURST_APIINVOCATION_LIMIT_EXCEEDED', message: 'burst' }, {
          ...json,
          'x-ratelimit-remaining': '2950',
          'x-ratelimit-reset': String(NOW.getTime() / 1000 + 1800),
        });
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(200, envelope, json);
      expect(await getEnvelope({ envelopeId: ENVELOPE }, context())).toMatchObject({ status: 'completed' });
    });

    it('retries a 5xx and succeeds', async () => {
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(503, '<html>Service Unavailable</html>', { 'content-type': 'text/html' });
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(200, envelope, json);
      expect(await getEnvelope({ envelopeId: ENVELOPE }, context())).toMatchObject({ status: 'completed' });
    });

    it('stops at a rejected access token', async () => {
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(401, { errorCode: 'USER_AUTHENTICATION_FAILED', message: 'Invalid access token' }, json);
      const err = await failure(getEnvelope({ envelopeId: ENVELOPE }, context()));
      expect(err).toMatchObject({ category: 'client', vendorCode: 'USER_AUTHENTICATION_FAILED' });
      expect(err.message).toContain('access token of connection "contracts"');
    });

    it('fails as a timeout after three timed-out attempts', async () => {
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).times(3).delay(SLOWER_THAN_ANY_TIMEOUT_MS).reply(200, envelope, json);
      const err = await failure(getEnvelope({ envelopeId: ENVELOPE }, context({ timeoutMs: 50 })));
      expect(err.category).toBe('timeout');
    });

    it('accepts a base URI pasted with /restapi and a trailing slash', async () => {
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(200, envelope, json);
      expect(await getEnvelope({ envelopeId: ENVELOPE }, context({ baseUri: `${BASE}/restapi/` }))).toMatchObject({ status: 'completed' });
    });
  });

  describe('envelope.void', () => {
    const input = { envelopeId: ENVELOPE, voidedReason: 'Offer withdrawn' };
    const cannotVoid = { errorCode: 'ENVELOPE_CANNOT_VOID_INVALID_STATE', message: "Only envelopes in the 'Sent' or 'Delivered' states may be voided." };

    it('puts status voided with the reason', async () => {
      nock(BASE, auth).put(`${API}/envelopes/${ENVELOPE}`, { status: 'voided', voidedReason: 'Offer withdrawn' }).reply(200, { envelopeId: ENVELOPE }, json);
      expect(await voidEnvelope(input, context())).toEqual({ envelopeId: ENVELOPE, status: 'voided', alreadyVoided: false });
    });

    it("fails with DocuSign's error code when the envelope is completed", async () => {
      nock(BASE, auth).put(`${API}/envelopes/${ENVELOPE}`).reply(400, cannotVoid, json);
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(200, { envelopeId: ENVELOPE, status: 'completed' }, json);
      const err = await failure(voidEnvelope(input, context()));
      expect(err).toMatchObject({ vendorCode: 'ENVELOPE_CANNOT_VOID_INVALID_STATE', category: 'client' });
    });

    it('counts an envelope that is already voided as done, so a retried void succeeds', async () => {
      nock(BASE, auth).put(`${API}/envelopes/${ENVELOPE}`).reply(400, cannotVoid, json);
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(200, { envelopeId: ENVELOPE, status: 'voided' }, json);
      expect(await voidEnvelope(input, context())).toEqual({ envelopeId: ENVELOPE, status: 'voided', alreadyVoided: true });
    });

    it('waits out a 429 with Retry-After and succeeds', async () => {
      nock(BASE, auth).put(`${API}/envelopes/${ENVELOPE}`).reply(429, { errorCode: 'BURST_APIINVOCATION_LIMIT_EXCEEDED', message: 'burst' }, { ...json, 'retry-after': '1' });
      nock(BASE, auth).put(`${API}/envelopes/${ENVELOPE}`).reply(200, { envelopeId: ENVELOPE }, json);
      expect(await voidEnvelope(input, context())).toMatchObject({ alreadyVoided: false });
    });

    it('stops at a rejected access token without reading the envelope', async () => {
      nock(BASE, auth).put(`${API}/envelopes/${ENVELOPE}`).reply(401, { errorCode: 'USER_AUTHENTICATION_FAILED', message: 'Invalid access token' }, json);
      const err = await failure(voidEnvelope(input, context()));
      expect(err).toMatchObject({ category: 'client', httpStatus: 401 });
      expect(err.message).toContain('connection "contracts"');
    });

    it('fails as a timeout after three timed-out attempts', async () => {
      nock(BASE, auth).put(`${API}/envelopes/${ENVELOPE}`).times(3).delay(SLOWER_THAN_ANY_TIMEOUT_MS).reply(200, { envelopeId: ENVELOPE }, json);
      const err = await failure(voidEnvelope(input, context({ timeoutMs: 50 })));
      expect(err.category).toBe('timeout');
    });
  });

  it('names the missing connection', async () => {
    const err = await failure(getEnvelope({ envelopeId: ENVELOPE }, { ...context(), connection: undefined }));
    expect(err).toMatchObject({ code: 'docusign.no_connection', category: 'validation' });
  });

  describe('one retry budget', () => {
    it("sends once with inlineAttempts 1: a 503 goes up with category server for the step's policy to retry", async () => {
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).reply(503, '<html>Service Unavailable</html>', { 'content-type': 'text/html' });
      const err = await failure(getEnvelope({ envelopeId: ENVELOPE }, context({}, { inlineAttempts: 1 })));
      expect(err).toMatchObject({ category: 'server', httpStatus: 503 });
    });

    it('searches and sends once with inlineAttempts 1: a 429 goes up with its retryAfterMs, and the next attempt searches again', async () => {
      nock(BASE, auth).get(`${API}/envelopes`).query(keyQuery).reply(200, noEnvelopes, json);
      nock(BASE, auth)
        .post(`${API}/envelopes`)
        .reply(429, { errorCode: 'BURST_APIINVOCATION_LIMIT_EXCEEDED', message: 'burst' }, { ...json, 'retry-after': '1' });
      const err = await failure(createFromTemplate(offer, context({}, { inlineAttempts: 1 })));
      expect(err).toMatchObject({ category: 'rate_limit', retryAfterMs: 1000, vendorCode: 'BURST_APIINVOCATION_LIMIT_EXCEEDED' });
    });
  });

  describe('connection resources', () => {
    it("logs each run's requests with that run's runId and stepId", async () => {
      const lines: Record<string, unknown>[] = [];
      const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
      const shared = new ConnectionResources().scopeFor(connection());
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).times(2).reply(200, { envelopeId: ENVELOPE, status: 'sent' }, json);
      await getEnvelope({ envelopeId: ENVELOPE }, context({}, { resources: shared, log: log.child({ runId: 'run-1', stepId: 'check' }) }));
      await getEnvelope({ envelopeId: ENVELOPE }, context({}, { resources: shared, log: log.child({ runId: 'run-2', stepId: 'poll' }) }));
      const requests = lines.filter((line) => line.msg === 'docusign request').map((line) => [line.runId, line.stepId]);
      expect(requests).toEqual([
        ['run-1', 'check'],
        ['run-2', 'poll'],
      ]);
    });

    it("acquires the account's limiter under docusign:<accountId> for every request of every run, the limiter the connector declares", async () => {
      const acquired: string[] = [];
      const rates: RateLimit[] = [];
      const resources = new ConnectionResources({
        createRateLimiter: (rate): RateLimiter => {
          rates.push(rate);
          return {
            run: (key, request) => {
              acquired.push(key);
              return request();
            },
            state: () => Promise.reject(new Error('this test reads no state')),
          };
        },
      });
      const limited = connection({ requestsPerSecond: 2 });
      nock(BASE, auth).get(`${API}/envelopes/${ENVELOPE}`).times(2).reply(200, { envelopeId: ENVELOPE, status: 'sent' }, json);
      await getEnvelope({ envelopeId: ENVELOPE }, actionContext(limited, { resources: resources.scopeFor(limited) }));
      await getEnvelope({ envelopeId: ENVELOPE }, actionContext(limited, { resources: resources.scopeFor(limited) }));
      expect(rates).toEqual([{ limit: 2, perMs: 1000 }]);
      expect(acquired).toEqual([`docusign:${ACCOUNT}`, `docusign:${ACCOUNT}`]);
      // What the API shows the state of is the limiter the calls went through.
      expect(connector.clientRateLimits?.(limited)).toEqual([{ scope: expect.stringContaining(ACCOUNT), key: acquired[0], rate: rates[0] }]);
      expect(connector.clientRateLimits?.(connection())).toEqual([]);
    });
  });

  describe('Connect verifier', () => {
    const message = JSON.stringify({
      event: 'envelope-completed',
      apiVersion: 'v2.1',
      generatedDateTime: '2024-05-20T09:29:58.1230000Z',
      data: { accountId: ACCOUNT, envelopeId: ENVELOPE },
    });

    it("is the connector's webhook, and verifies a delivery with the connection's connectSecrets", () => {
      expect(connector.webhook).toBe(docusignConnectWebhook);
      const secured = connection({ connectSecrets: ['old-key', 'new-key'] });
      const request = { headers: { 'x-docusign-signature-1': signDocusignConnect('new-key', message) }, rawBody: Buffer.from(message) };
      expect(docusignConnectWebhook.verify(request, secured, NOW)).toMatchObject({ kind: 'event', event: { type: 'envelope-completed', tenant: ACCOUNT } });
      expect(() => docusignConnectWebhook.verify(request, connection(), NOW)).toThrow(expect.objectContaining({ reason: 'bad_signature' }));
    });

    it('states the 5 s answer DocuSign asks for, and no redelivery window, which DocuSign does not confirm', () => {
      expect(docusignConnectWebhook.delivery).toBe(CONNECT_WEBHOOK_DELIVERY);
      expect(CONNECT_WEBHOOK_DELIVERY).toEqual({ answerWithinMs: 5000 });
    });
  });
});
