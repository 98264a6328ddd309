import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../src/store/records.js';
import { allPages, expectApiError, listPage, useServerHarness } from './server-harness.js';

const h = useServerHarness('api-deliveries');

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SECRET_ENV = 'API_DELIVERIES_HOOK_SECRET';

beforeEach(() => {
  process.env[SECRET_ENV] = SECRET;
});
afterEach(() => {
  delete process.env[SECRET_ENV];
});

const hookFlow = {
  id: 'greet',
  version: '1',
  triggers: [{ kind: 'hook', secret: { env: SECRET_ENV } }],
  input: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  steps: [{ id: 'done', kind: 'return', output: { greeting: 'Hello, ${ $input.name }' } }],
};

/** A Standard Webhooks delivery of `body`, signed with the flow's secret (or `secret`). */
function signed(body: unknown, id: string, secret = SECRET) {
  const text = JSON.stringify(body);
  const now = new Date();
  return {
    payload: text,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, now, text),
    },
  };
}

async function hook(body: unknown, id: string, secret?: string) {
  const { payload, headers } = signed(body, id, secret);
  return h.server.inject({ method: 'POST', url: '/hooks/greet', payload, headers });
}

const page = (query: string) => listPage<DeliveryRecord>(h, `/api/v1/deliveries${query}`, 'operator');

describe('GET /api/v1/deliveries', () => {
  it('lists what the intake recorded, newest first, with each outcome and why one was refused', async () => {
    h.flow(hookFlow);
    await h.boot();
    expect((await hook({ name: 'Ada' }, 'msg_1')).statusCode).toBe(202);
    expect((await hook({ name: 'Ada' }, 'msg_1')).statusCode).toBe(200);
    expect((await hook({ name: 'Bo' }, 'msg_2', 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(401);

    const { items, next } = await page('');
    expect(next).toBeNull();
    expect(items.map((d) => [d.source, d.outcome])).toEqual([
      ['hook:greet', 'refused'],
      ['hook:greet', 'duplicate'],
      ['hook:greet', 'accepted'],
    ]);
    expect(items[0]!.reason).toEqual({ code: expect.stringMatching(/signature/), message: expect.any(String) });
    expect(items[2]).toMatchObject({ event: { id: 'msg_1', payload: { name: 'Ada' } }, receivedAt: expect.any(String) });

    expect((await page('?outcome=refused,duplicate')).items.map((d) => d.outcome)).toEqual(['refused', 'duplicate']);
    expect((await page('?source=hook:greet&outcome=accepted')).items).toHaveLength(1);
    expect((await page('?source=lark')).items).toEqual([]);
    expectApiError(await h.call('GET', '/api/v1/deliveries?outcome=lost', { as: 'viewer' }), 400, 'request.invalid');
  });

  it('filters by the moment received and pages by cursor without overlap or gaps', async () => {
    await h.boot();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const delivery = await h.app.store.recordDelivery({
        source: 'svc',
        receivedAt: `2030-01-01T00:0${i}:00.000Z`,
        outcome: 'refused',
        reason: { code: 'webhook.malformed', message: `delivery ${i}` },
      });
      ids.unshift(delivery.id);
    }
    expect((await page(`?since=${encodeURIComponent('2030-01-01T08:03:00+08:00')}`)).items.map((d) => d.id)).toEqual(ids.slice(0, 2));

    const { items, pages } = await allPages<DeliveryRecord>(h, '/api/v1/deliveries?limit=2');
    expect(pages).toBe(3);
    expect(items.map((d) => d.id)).toEqual(ids);
    expectApiError(await h.call('GET', '/api/v1/deliveries?cursor=eyJsIjoiZGVsaXZlcmllcyJ9', { as: 'viewer' }), 400, 'request.invalid_cursor');
  });
});

describe('GET /api/v1/deliveries/:id', () => {
  it('gives one delivery with its event and what dispatching it started', async () => {
    h.flow(hookFlow);
    await h.boot();
    const answer = await hook({ name: 'Cy' }, 'msg_3');
    const { runId } = answer.json() as { runId: string };
    const [recorded] = await h.app.store.listDeliveries();
    const res = await h.call('GET', `/api/v1/deliveries/${recorded!.id}`, { as: 'operator' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: recorded!.id,
      source: 'hook:greet',
      outcome: 'accepted',
      event: { id: 'msg_3', payload: { name: 'Cy' } },
      dispatch: [expect.objectContaining({ flowId: 'greet', runId })],
    });
  });

  it('answers 404 for an id with no delivery and 400 for one that is not a number', async () => {
    await h.boot();
    expect(expectApiError(await h.call('GET', '/api/v1/deliveries/999', { as: 'viewer' }), 404, 'delivery.not_found').details).toEqual({ deliveryId: 999 });
    expect(expectApiError(await h.call('GET', '/api/v1/deliveries/abc', { as: 'viewer' }), 400, 'request.invalid').message).toContain('params.id');
    expectApiError(await h.call('GET', '/api/v1/deliveries/0', { as: 'viewer' }), 400, 'request.invalid');
  });
});
