import { createHmac } from 'node:crypto';
import { InputError } from '../../errors/index.js';
import { equalInConstantTime, headerValue, WebhookRejectedError, type WebhookEventResult, type WebhookRequest } from './webhook.js';
import type { WebhookVerifier } from './webhook-verifier.js';

/**
 * Standard Webhooks (webhook-id / webhook-timestamp / webhook-signature): HMAC-SHA256 over
 * `${id}.${timestamp}.${rawBody}` keyed with the base64 secret after `whsec_`, signatures as
 * space-separated `v1,<base64>` so senders can rotate secrets.
 */

const SECRET_PREFIX = 'whsec_';
/** The type given to a message whose payload names none. */
export const UNTYPED = 'untyped';

export interface StandardWebhookOptions {
  /** Current time in ms (tests). */
  now?: () => number;
  /** How far the signed timestamp may be from now, either way. */
  toleranceSeconds?: number;
}

function secretKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  if (key.length === 0) throw new InputError('a Standard Webhooks secret is whsec_ followed by base64 bytes; this one is empty', 'webhook.bad_secret');
  return key;
}

/** The `v1,<base64>` signature of one message; `timestamp` in unix seconds. */
export function signStandardWebhook(secret: string, id: string, timestamp: number, body: Buffer | string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/**
 * Checks the signature (any one of the listed `v1` signatures may match) and the timestamp, then
 * reads the recommended payload `{type, timestamp, data}` (data becomes the event's payload; a
 * body without `data` is the payload itself). Throws WebhookRejectedError.
 */
export function verifyStandardWebhook(request: WebhookRequest, secret: string, options: StandardWebhookOptions = {}): WebhookEventResult {
  const id = headerValue(request.headers, 'webhook-id');
  const timestamp = headerValue(request.headers, 'webhook-timestamp');
  const signatures = headerValue(request.headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new WebhookRejectedError('missing_header', 'a Standard Webhooks delivery needs webhook-id, webhook-timestamp and webhook-signature');
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookRejectedError('malformed', `webhook-timestamp is not unix seconds: ${JSON.stringify(timestamp)}`);

  const expected = signStandardWebhook(secret, id, Number(timestamp), request.rawBody);
  // Compare every candidate, not stopping at the first match, so timing says nothing about which one matched.
  let matched = false;
  for (const candidate of signatures.split(' ')) {
    if (candidate.startsWith('v1,') && equalInConstantTime(candidate, expected)) matched = true;
  }
  if (!matched) throw new WebhookRejectedError('bad_signature', 'no v1 signature in webhook-signature matches the body (forged, altered, or another secret)');

  const ageSeconds = (options.now ?? Date.now)() / 1000 - Number(timestamp);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(ageSeconds) > tolerance) {
    throw new WebhookRejectedError('stale', `signed ${Math.round(Math.abs(ageSeconds))} s ${ageSeconds > 0 ? 'ago' : 'in the future'}; the tolerance is ${tolerance} s`);
  }

  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw new WebhookRejectedError('not_json', 'the body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new WebhookRejectedError('malformed', 'the body is JSON but not an object');
  const payload = body as Record<string, unknown>;
  const occurredAt = typeof payload.timestamp === 'string' && !Number.isNaN(Date.parse(payload.timestamp)) ? new Date(payload.timestamp) : new Date(Number(timestamp) * 1000);
  return {
    kind: 'event',
    event: {
      id,
      // The spec only recommends `type`; an authentic message without one is kept, not dropped.
      type: typeof payload.type === 'string' && payload.type !== '' ? payload.type : UNTYPED,
      occurredAt: occurredAt.toISOString(),
      tenant: undefined,
      payload: typeof payload.data === 'object' && payload.data !== null && !Array.isArray(payload.data) ? (payload.data as Record<string, unknown>) : payload,
    },
  };
}

/**
 * Standard Webhooks as a verifier whose credential is the secret itself: generic hooks are not
 * a connector's, and their secret belongs to the hook (per flow), not to a connection. Senders
 * choose their own deadlines and retry schedules, so the terms state none.
 */
export const standardWebhookVerifier: WebhookVerifier<string> = {
  delivery: {},
  verify: (request, secret, now) => verifyStandardWebhook(request, secret, { now: () => now.getTime() }),
};
