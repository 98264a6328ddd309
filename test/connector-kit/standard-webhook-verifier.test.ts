import { describe, expect, it } from 'vitest';
import { standardWebhookVerifier } from '../../src/connector-kit/webhooks/standard-webhooks.js';
import type { WebhookRequest } from '../../src/connector-kit/webhooks/webhook.js';

// The Standard Webhooks specification's test vector.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const request: WebhookRequest = {
  headers: { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature },
  rawBody: Buffer.from(VECTOR.body),
};

describe('standardWebhookVerifier', () => {
  it("verifies with the hook's own secret at the time it is given", () => {
    const signedAt = new Date(VECTOR.timestamp * 1000);
    expect(standardWebhookVerifier.verify(request, VECTOR.secret, signedAt)).toMatchObject({ kind: 'event', event: { id: VECTOR.id, payload: { test: 2432232314 } } });
    expect(() => standardWebhookVerifier.verify(request, VECTOR.secret, new Date(signedAt.getTime() + 301_000))).toThrow(expect.objectContaining({ reason: 'stale' }));
    expect(() => standardWebhookVerifier.verify(request, 'whsec_b3RoZXItc2VjcmV0', signedAt)).toThrow(expect.objectContaining({ reason: 'bad_signature' }));
  });

  it('states no delivery terms: each sender chooses its own', () => {
    expect(standardWebhookVerifier.delivery).toEqual({});
  });
});
