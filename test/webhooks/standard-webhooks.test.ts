import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signStandardWebhook, UNTYPED, verifyStandardWebhook } from '../../src/connector-kit/webhooks/standard-webhooks.js';
import { WebhookRejectedError, type WebhookRequest } from '../../src/connector-kit/webhooks/webhook.js';

const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const NOW_S = 1_741_000_000;
const at = { now: () => NOW_S * 1000 };
const BODY = JSON.stringify({
  type: 'envelope.completed',
  timestamp: '2025-03-03T11:06:30.125Z',
  data: { envelopeId: '4b2a6c1e-93f1-4f0e-a9a7-0c5d2f8e7b11', status: 'completed' },
});

function delivery(body: string, { secret = SECRET, id = 'msg_2mK8tYw', timestamp = NOW_S, signature }: { secret?: string; id?: string; timestamp?: number; signature?: string } = {}): WebhookRequest {
  return {
    headers: { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature ?? signStandardWebhook(secret, id, timestamp, body) },
    rawBody: Buffer.from(body),
  };
}

function rejection(run: () => unknown): WebhookRejectedError {
  try {
    run();
  } catch (err) {
    if (err instanceof WebhookRejectedError) return err;
    throw err;
  }
  throw new Error('expected the delivery to be rejected');
}

describe('Standard Webhooks', () => {
  afterEach(() => vi.useRealTimers());

  it('signs the documented vector and verifies it', () => {
    expect(signStandardWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(signStandardWebhook(VECTOR.secret.slice('whsec_'.length), VECTOR.id, VECTOR.timestamp, Buffer.from(VECTOR.body))).toBe(VECTOR.signature);
    const request = { headers: { 'Webhook-Id': VECTOR.id, 'Webhook-Timestamp': String(VECTOR.timestamp), 'Webhook-Signature': VECTOR.signature }, rawBody: Buffer.from(VECTOR.body) };
    expect(verifyStandardWebhook(request, VECTOR.secret, { now: () => VECTOR.timestamp * 1000 })).toEqual({
      kind: 'event',
      event: { id: VECTOR.id, type: UNTYPED, occurredAt: '2021-02-25T15:02:10.000Z', tenant: undefined, payload: { test: 2432232314 } },
    });
  });

  it('the standardwebhooks package verifies what we sign', () => {
    vi.useFakeTimers({ now: NOW_S * 1000, toFake: ['Date'] });
    const request = delivery(BODY);
    expect(new Webhook(SECRET).verify(BODY, request.headers as Record<string, string>)).toEqual(JSON.parse(BODY));
  });

  it('we verify what the standardwebhooks package signs, and read type, timestamp and data', () => {
    const signature = new Webhook(SECRET).sign('msg_from_lib', new Date(NOW_S * 1000), BODY);
    expect(verifyStandardWebhook(delivery(BODY, { id: 'msg_from_lib', signature }), SECRET, at)).toEqual({
      kind: 'event',
      event: {
        id: 'msg_from_lib',
        type: 'envelope.completed',
        occurredAt: '2025-03-03T11:06:30.125Z',
        tenant: undefined,
        payload: { envelopeId: '4b2a6c1e-93f1-4f0e-a9a7-0c5d2f8e7b11', status: 'completed' },
      },
    });
  });

  it('accepts a header listing several signatures when one of them is valid (secret rotation)', () => {
    const oldSecret = `whsec_${randomBytes(24).toString('base64')}`;
    const valid = signStandardWebhook(SECRET, 'msg_2mK8tYw', NOW_S, BODY);
    const signature = [signStandardWebhook(oldSecret, 'msg_2mK8tYw', NOW_S, BODY), 'v1a,c29tZSBlZDI1NTE5IHNpZw==', valid].join(' ');
    expect(verifyStandardWebhook(delivery(BODY, { signature }), SECRET, at).kind).toBe('event');
  });

  it('accepts timestamps up to the tolerance either way', () => {
    expect(verifyStandardWebhook(delivery(BODY, { timestamp: NOW_S - 300 }), SECRET, at).kind).toBe('event');
    expect(verifyStandardWebhook(delivery(BODY, { timestamp: NOW_S + 300 }), SECRET, at).kind).toBe('event');
    expect(verifyStandardWebhook(delivery(BODY, { timestamp: NOW_S - 900 }), SECRET, { ...at, toleranceSeconds: 1000 }).kind).toBe('event');
  });

  const valid = delivery(BODY);
  const without = (name: string): WebhookRequest => ({ ...valid, headers: Object.fromEntries(Object.entries(valid.headers).filter(([k]) => k !== name)) });
  const otherSecret = `whsec_${randomBytes(24).toString('base64')}`;

  it.each<{ name: string; request: WebhookRequest; reason: string }>([
    { name: 'a body altered after signing', request: { ...valid, rawBody: Buffer.from(BODY.replace('completed', 'declined')) }, reason: 'bad_signature' },
    { name: 'a signature made with another secret', request: delivery(BODY, { secret: otherSecret }), reason: 'bad_signature' },
    { name: 'a signature for another message id', request: { ...valid, headers: { ...valid.headers, 'webhook-id': 'msg_other' } }, reason: 'bad_signature' },
    {
      name: 'several signatures none of which is valid',
      request: delivery(BODY, { signature: `${signStandardWebhook(otherSecret, 'msg_2mK8tYw', NOW_S, BODY)} v1,${'A'.repeat(43)}=` }),
      reason: 'bad_signature',
    },
    { name: 'the right MAC under another version', request: delivery(BODY, { signature: signStandardWebhook(SECRET, 'msg_2mK8tYw', NOW_S, BODY).replace('v1,', 'v2,') }), reason: 'bad_signature' },
    { name: 'a timestamp 301 s old', request: delivery(BODY, { timestamp: NOW_S - 301 }), reason: 'stale' },
    { name: 'a timestamp 301 s in the future', request: delivery(BODY, { timestamp: NOW_S + 301 }), reason: 'stale' },
    { name: 'no webhook-id', request: without('webhook-id'), reason: 'missing_header' },
    { name: 'no webhook-timestamp', request: without('webhook-timestamp'), reason: 'missing_header' },
    { name: 'no webhook-signature', request: without('webhook-signature'), reason: 'missing_header' },
    { name: 'a timestamp that is not unix seconds', request: { ...valid, headers: { ...valid.headers, 'webhook-timestamp': '2025-03-03T11:06:30Z' } }, reason: 'malformed' },
    { name: 'a signed body that is not JSON', request: delivery('type=envelope.completed'), reason: 'not_json' },
    { name: 'a signed JSON body that is not an object', request: delivery('[1,2,3]'), reason: 'malformed' },
  ])('rejects $name ($reason)', ({ request, reason }) => {
    const error = rejection(() => verifyStandardWebhook(request, SECRET, at));
    expect(error.reason).toBe(reason);
    expect(error.code).toBe(`webhook.${reason}`);
  });

  it('the standardwebhooks package rejects the same tampered body', () => {
    vi.useFakeTimers({ now: NOW_S * 1000, toFake: ['Date'] });
    expect(() => new Webhook(SECRET).verify(BODY.replace('completed', 'declined'), valid.headers as Record<string, string>)).toThrow('No matching signature');
  });
});
