import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/connector-kit/connection.js';
import { DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { actionContext } from '../../test/support/action-context.js';
import { emptyCompany, sandboxStarter } from '../../test/support/sandbox-session.js';
import { verifyDocusignConnect } from './connect-webhook.js';
import connector from './index.js';
import { BURST_LIMIT, HOURLY_LIMIT, type DocusignSandboxState } from './sandbox.js';

const { accountId: ACCOUNT, accessToken: TOKEN, connectSecret: CONNECT_SECRET } = DEFAULT_SANDBOX_CREDENTIALS.docusign;
const API = `/restapi/v2.1/accounts/${ACCOUNT}`;
const auth = { authorization: `Bearer ${TOKEN}` };
const offer = {
  templateId: 'f0e1d2c3-b4a5-4968-8776-655443322110',
  templateRoles: [{ roleName: 'Candidate', name: 'Ada Lovelace', email: 'ada@example.com' }],
  status: 'sent',
  emailSubject: 'Your offer from Example Corp',
  customFields: { textCustomFields: [{ name: 'staffwireKey', value: 'key-1', show: 'false' }] },
};

const start = sandboxStarter(emptyCompany('Example Corp'), Date.parse('2024-05-20T10:00:00.000Z'));

function docusignState(s: Sandbox): DocusignSandboxState {
  return s.context.state<DocusignSandboxState>('docusign', () => {
    throw new Error('the docusign fake has no state yet');
  });
}

async function createEnvelope(s: Sandbox, body: unknown = offer) {
  return s.app.inject({ method: 'POST', url: `${API}/envelopes`, headers: auth, payload: body as object });
}

describe('docusign sandbox fake', () => {
  it('sends an envelope from a template, finds it by its custom field, reads it and voids it', async () => {
    const s = await start();
    const created = await createEnvelope(s);
    expect(created.statusCode).toBe(201);
    const { envelopeId } = created.json<{ envelopeId: string }>();
    expect(created.json()).toEqual({ envelopeId, uri: `/envelopes/${envelopeId}`, statusDateTime: '2024-05-20T10:00:00.000Z', status: 'sent' });
    expect(created.headers['x-ratelimit-limit']).toBe(String(HOURLY_LIMIT));
    expect(created.headers['x-docusign-tracetoken']).toEqual(expect.any(String));

    const found = await s.app.inject({ method: 'GET', url: `${API}/envelopes`, headers: auth, query: { from_date: '2024-05-01', custom_field: 'STAFFWIREKEY=key-1' } });
    expect(found.json()).toMatchObject({ resultSetSize: '1', envelopes: [{ envelopeId, status: 'sent' }] });
    const wildcard = await s.app.inject({ method: 'GET', url: `${API}/envelopes`, headers: auth, query: { from_date: '2024-05-01', custom_field: 'staffwireKey=%ey-%' } });
    expect(wildcard.json()).toMatchObject({ resultSetSize: '1' });
    const other = await s.app.inject({ method: 'GET', url: `${API}/envelopes`, headers: auth, query: { from_date: '2024-05-01', custom_field: 'staffwireKey=key-2' } });
    expect(other.json()).toEqual({ resultSetSize: '0', totalSetSize: '0', startPosition: '0', endPosition: '-1' });
    const tooLate = await s.app.inject({ method: 'GET', url: `${API}/envelopes`, headers: auth, query: { from_date: '2024-05-21', custom_field: 'staffwireKey=key-1' } });
    expect(tooLate.json()).toMatchObject({ resultSetSize: '0' });

    const read = await s.app.inject({ method: 'GET', url: `${API}/envelopes/${envelopeId}?include=custom_fields`, headers: auth });
    expect(read.json()).toMatchObject({ envelopeId, status: 'sent', emailSubject: offer.emailSubject, customFields: { textCustomFields: [{ name: 'staffwireKey', value: 'key-1' }] } });

    s.tick(60_000);
    const voided = await s.app.inject({ method: 'PUT', url: `${API}/envelopes/${envelopeId}`, headers: auth, payload: { status: 'voided', voidedReason: 'Offer withdrawn' } });
    expect([voided.statusCode, voided.json()]).toEqual([200, { envelopeId }]);
    expect(docusignState(s).envelopes[envelopeId]).toMatchObject({ status: 'voided', voidedReason: 'Offer withdrawn', voidedDateTime: '2024-05-20T10:01:00.000Z' });
  });

  it('gives envelopes the same ids in every run', async () => {
    const firstRun = await start();
    const first = (await createEnvelope(firstRun)).json<{ envelopeId: string }>().envelopeId;
    await firstRun.app.close();
    expect((await createEnvelope(await start())).json<{ envelopeId: string }>().envelopeId).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it.each([
    ['a wrong bearer token', `${API}/envelopes/x`, { authorization: 'Bearer stale' }, 401, 'USER_AUTHENTICATION_FAILED'],
    ['no token', `${API}/envelopes/x`, {}, 401, 'USER_AUTHENTICATION_FAILED'],
    ['another account', '/restapi/v2.1/accounts/11111111-2222-4333-8444-555555555555/envelopes/x', auth, 400, 'USER_LACKS_MEMBERSHIP'],
    ['an unknown envelope', `${API}/envelopes/unknown`, auth, 404, 'ENVELOPE_DOES_NOT_EXIST'],
    ['a status search without from_date or envelope_ids', `${API}/envelopes`, auth, 400, 'INVALID_REQUEST_PARAMETER'],
    ['a from_date that is not a date', `${API}/envelopes?from_date=yesterday`, auth, 400, 'INVALID_REQUEST_PARAMETER'],
    ['a custom_field without a value', `${API}/envelopes?from_date=2024-05-01&custom_field=staffwireKey`, auth, 400, 'INVALID_REQUEST_PARAMETER'],
  ])("answers %s in DocuSign's error body", async (_case, url, headers, status, errorCode) => {
    const s = await start();
    const response = await s.app.inject({ method: 'GET', url, headers });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual({ errorCode, message: expect.any(String) });
  });

  it.each([
    ['no templateRoles', { ...offer, templateRoles: [] }, 'ENVELOPE_IS_INCOMPLETE'],
    ['no templateId', { ...offer, templateId: undefined }, 'ENVELOPE_IS_INCOMPLETE'],
    ['no subject', { ...offer, emailSubject: '' }, 'ENVELOPE_IS_INCOMPLETE'],
    ['a recipient without a name', { ...offer, templateRoles: [{ roleName: 'Candidate', email: 'ada@example.com' }] }, 'INVALID_USERNAME_FOR_RECIPIENT'],
    ['a bad recipient email', { ...offer, templateRoles: [{ roleName: 'Candidate', name: 'Ada', email: 'ada@' }] }, 'INVALID_EMAIL_ADDRESS_FOR_RECIPIENT'],
    ['a status other than sent or created', { ...offer, status: 'completed' }, 'INVALID_REQUEST_PARAMETER'],
  ])('refuses an envelope with %s', async (_case, body, errorCode) => {
    const s = await start();
    const response = await createEnvelope(s, body);
    expect([response.statusCode, response.json<{ errorCode: string }>().errorCode]).toEqual([400, errorCode]);
    expect(docusignState(s).envelopes).toEqual({});
  });

  it("answers a body that is not JSON in DocuSign's error body", async () => {
    const s = await start();
    const response = await s.app.inject({ method: 'POST', url: `${API}/envelopes`, headers: { ...auth, 'content-type': 'application/json' }, payload: '{"templateId":' });
    expect([response.statusCode, response.json<{ errorCode: string }>().errorCode]).toEqual([400, 'INVALID_REQUEST_BODY']);
  });

  it('voids only sent or delivered envelopes, and only with a reason', async () => {
    const s = await start();
    const { envelopeId } = (await createEnvelope(s)).json<{ envelopeId: string }>();
    const put = (payload: object) => s.app.inject({ method: 'PUT', url: `${API}/envelopes/${envelopeId}`, headers: auth, payload });
    expect((await put({ status: 'voided' })).json()).toMatchObject({ errorCode: 'INVALID_REQUEST_BODY' });
    expect((await put({ emailSubject: 'changed' })).json()).toMatchObject({ errorCode: 'INVALID_REQUEST_BODY' });
    expect((await put({ status: 'voided', voidedReason: 'Withdrawn' })).statusCode).toBe(200);
    const again = await put({ status: 'voided', voidedReason: 'Withdrawn' });
    expect([again.statusCode, again.json()]).toEqual([400, { errorCode: 'ENVELOPE_CANNOT_VOID_INVALID_STATE', message: "Only envelopes in the 'Sent' or 'Delivered' states may be voided." }]);
  });

  it(`enforces the ${BURST_LIMIT}-call 30-second burst limit and reopens after the window`, async () => {
    const s = await start();
    for (let i = 0; i < BURST_LIMIT; i++) expect((await s.app.inject({ method: 'GET', url: `${API}/envelopes/x`, headers: auth })).statusCode).toBe(404);
    const over = await s.app.inject({ method: 'GET', url: `${API}/envelopes/x`, headers: auth });
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({ errorCode: 'BURST_APIINVOCATION_LIMIT_EXCEEDED' });
    expect(over.headers['x-burstlimit-remaining']).toBe('0');
    s.tick(30_000);
    expect((await s.app.inject({ method: 'GET', url: `${API}/envelopes/x`, headers: auth })).statusCode).toBe(404);
  });

  it(`enforces the hourly quota of ${HOURLY_LIMIT} calls with X-RateLimit headers, refreshed at the top of the hour`, async () => {
    const s = await start();
    let last;
    for (let i = 1; i <= HOURLY_LIMIT; i++) {
      // Under the burst limit: the hour fills in 15 minutes.
      if (i % BURST_LIMIT === 1 && i > 1) s.tick(30_000);
      last = await s.app.inject({ method: 'GET', url: `${API}/envelopes/x`, headers: auth });
    }
    expect(last!.statusCode).toBe(404);
    expect(last!.headers['x-ratelimit-remaining']).toBe('0');
    s.tick(30_000);
    const over = await s.app.inject({ method: 'GET', url: `${API}/envelopes/x`, headers: auth });
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({ errorCode: 'HOURLY_APIINVOCATION_LIMIT_EXCEEDED' });
    expect(over.headers['x-ratelimit-reset']).toBe(String(Date.parse('2024-05-20T11:00:00.000Z') / 1000));
    s.setTime(Date.parse('2024-05-20T11:00:00.000Z'));
    const nextHour = await s.app.inject({ method: 'GET', url: `${API}/envelopes/x`, headers: auth });
    expect([nextHour.statusCode, nextHour.headers['x-ratelimit-remaining']]).toEqual([404, String(HOURLY_LIMIT - 1)]);
  });

  describe('Connect deliveries', () => {
    it('signs a JSON SIM delivery with the Connect key and moves the envelope to the event status', async () => {
      const s = await start();
      const { envelopeId } = (await createEnvelope(s)).json<{ envelopeId: string }>();
      s.tick(5 * 60_000);
      const delivery = s.modules.get('docusign')!.delivery!(s.context, { type: 'envelope-completed', payload: { envelopeId } });
      const result = verifyDocusignConnect({ headers: delivery.headers, rawBody: Buffer.from(delivery.body) }, [CONNECT_SECRET]);
      expect(result.event).toMatchObject({
        type: 'envelope-completed',
        occurredAt: '2024-05-20T10:05:00.000Z',
        tenant: ACCOUNT,
        payload: { envelopeId, accountId: ACCOUNT, envelopeSummary: { envelopeId, status: 'completed', completedDateTime: '2024-05-20T10:05:00.000Z' } },
      });
      expect(JSON.parse(delivery.body)).toMatchObject({ event: 'envelope-completed', apiVersion: 'v2.1', retryCount: 0, generatedDateTime: '2024-05-20T10:05:00.000Z' });
      const read = await s.app.inject({ method: 'GET', url: `${API}/envelopes/${envelopeId}`, headers: auth });
      expect(read.json()).toMatchObject({ status: 'completed' });
    });

    it('redelivers an event emitted again under the same id, as DocuSign retries: same message, retryCount up, same event id', async () => {
      const s = await start();
      const emit = () => s.modules.get('docusign')!.delivery!(s.context, { type: 'envelope-sent', payload: { envelopeId: 'not-in-sandbox' }, id: 'delivery-1' });
      const first = emit();
      s.tick(15_000);
      const second = emit();
      expect(JSON.parse(second.body)).toMatchObject({ retryCount: 1, generatedDateTime: JSON.parse(first.body).generatedDateTime });
      const id = (d: { headers: Record<string, string>; body: string }) => verifyDocusignConnect({ headers: d.headers, rawBody: Buffer.from(d.body) }, [CONNECT_SECRET]).event.id;
      expect(id(second)).toBe(id(first));
      expect(JSON.parse(first.body).data.envelopeSummary).toEqual({ envelopeId: 'not-in-sandbox', status: 'sent' });
    });

    it('refuses to build an event without an envelopeId', async () => {
      const s = await start();
      expect(() => s.modules.get('docusign')!.delivery!(s.context, { type: 'envelope-sent', payload: {} })).toThrow('needs payload.envelopeId');
    });
  });

  describe('with the connector pointed at it', () => {
    beforeAll(() => nock.enableNetConnect('127.0.0.1'));

    it('sends once per idempotency key however often the step runs, and voids it', async () => {
      const s = await start();
      // The connector dates its search window by the real clock.
      s.setTime(Date.now());
      const baseUri = await s.listen();
      const context = actionContext(resolveConnection('contracts', { connector: 'docusign', baseUri, accountId: ACCOUNT, accessToken: { env: 'DS_TOKEN' } }, { DS_TOKEN: TOKEN }));
      const input = { templateId: offer.templateId, templateRoles: offer.templateRoles, emailSubject: offer.emailSubject };
      const first = (await connector.actions['envelope.create_from_template']!(input as never, context)) as { envelopeId: string; reused: boolean };
      const again = (await connector.actions['envelope.create_from_template']!(input as never, { ...context, attempt: 2 })) as { envelopeId: string; reused: boolean };
      expect(first.reused).toBe(false);
      expect(again).toMatchObject({ envelopeId: first.envelopeId, reused: true });
      expect(Object.keys(docusignState(s).envelopes)).toEqual([first.envelopeId]);

      expect(await connector.actions['envelope.get']!({ envelopeId: first.envelopeId } as never, context)).toMatchObject({ status: 'sent' });
      expect(await connector.actions['envelope.void']!({ envelopeId: first.envelopeId, voidedReason: 'Withdrawn' } as never, context)).toEqual({
        envelopeId: first.envelopeId,
        status: 'voided',
        alreadyVoided: false,
      });
      expect(await connector.actions['envelope.void']!({ envelopeId: first.envelopeId, voidedReason: 'Withdrawn' } as never, context)).toMatchObject({ alreadyVoided: true });
    });
  });
});

describe('docusign sandbox fake: state and seed', () => {
  it('answers its state from the first request: no envelopes or deliveries, no calls counted', async () => {
    const s = await start();
    const response = await s.app.inject({ method: 'GET', url: '/_sandbox/state?connector=docusign' });
    expect(response.statusCode).toBe(200);
    expect(response.json().connectors.docusign).toEqual({ envelopes: {}, usage: { hourStartedAt: '1970-01-01T00:00:00.000Z', calls: 0 }, deliveries: {}, created: 0 });
  });

  it('lists its account in the seed, with how many envelopes it holds and that any template id is accepted', async () => {
    const s = await start();
    await createEnvelope(s);
    const seed = (await s.app.inject({ method: 'GET', url: '/_sandbox/seed?section=docusign_accounts' })).json<{ connector: string; note: string; items: Record<string, unknown>[] }>();
    expect(seed.connector).toBe('docusign');
    expect(seed.items).toEqual([{ account_id: ACCOUNT, user_id: expect.stringMatching(/^[0-9a-f-]{36}$/), connect_configuration_id: expect.any(Number), envelopes: 1 }]);
    expect(seed.note).toContain('any templateId');
  });
});
