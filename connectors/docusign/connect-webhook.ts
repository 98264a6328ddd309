import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookRejectedError, type WebhookEventResult, type WebhookRequest } from '../../src/connector-kit/webhooks/webhook.js';

/**
 * DocuSign Connect deliveries (JSON SIM) as pure functions: the HMAC check over the raw body
 * and the `{event, generatedDateTime, data{accountId, envelopeId, envelopeSummary}}` message
 * turned into a WebhookEvent.
 *
 * Connect signs the raw body with every active HMAC key and sends one header per key,
 * `X-DocuSign-Signature-1` … `-N` (up to 100), each base64(HMAC-SHA256(key, body)); one match
 * is enough, which is what lets a key be rotated without dropping deliveries.
 */

const SIGNATURE_HEADER = /^x-docusign-signature-\d+$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HMAC_SHA256_BYTES = 32;

export interface ConnectVerifyOptions {
  /** Current time in ms, for deliveries that carry no generatedDateTime (tests). */
  now?: () => number;
}

/** base64(HMAC-SHA256(key, body)): the value of one X-DocuSign-Signature-N header. */
export function signDocusignConnect(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/**
 * Accepts a delivery when any X-DocuSign-Signature-N header matches the HMAC of the raw body
 * under any configured key, then reads the JSON SIM message. Throws WebhookRejectedError.
 *
 * The event id is a hash of (envelopeId, event, generatedDateTime): Connect messages carry no
 * id of their own, and a redelivery repeats the message with only retryCount changed, so the
 * hash is stable across DocuSign's retries and differs between events.
 */
export function verifyDocusignConnect(request: WebhookRequest, secrets: readonly string[], options: ConnectVerifyOptions = {}): WebhookEventResult {
  if (secrets.length === 0) {
    throw new WebhookRejectedError('bad_signature', 'the connection has no Connect HMAC key (connectSecrets), so no delivery can be verified');
  }
  const signatures = signatureHeaders(request.headers);
  if (signatures.length === 0) {
    throw new WebhookRejectedError('missing_header', 'a Connect delivery needs X-DocuSign-Signature-1 (turn on "Include HMAC Signature" in the Connect configuration)');
  }
  const received = signatures.map(decodeSignature).filter((s): s is Buffer => s !== undefined);
  if (received.length === 0) {
    throw new WebhookRejectedError('malformed', 'no X-DocuSign-Signature-N header holds a base64 HMAC-SHA256 (32 bytes)');
  }
  const expected = secrets.map((secret) => createHmac('sha256', secret).update(request.rawBody).digest());
  // Every pair is compared, not stopping at the first match, so timing says nothing about which key matched.
  let matched = false;
  for (const signature of received) {
    for (const mac of expected) if (timingSafeEqual(signature, mac)) matched = true;
  }
  if (!matched) {
    throw new WebhookRejectedError('bad_signature', 'no X-DocuSign-Signature-N header matches the body under any configured Connect key (forged, altered, or signed with a key not configured)');
  }

  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw new WebhookRejectedError('not_json', 'the body is not JSON (Connect must use the JSON SIM format)');
  }
  if (!isObject(body)) throw new WebhookRejectedError('malformed', 'the body is JSON but not an object');
  if (typeof body.event !== 'string' || body.event === '') throw new WebhookRejectedError('malformed', 'the message has no event (JSON SIM messages name it, e.g. envelope-completed)');
  const data = body.data;
  if (!isObject(data) || typeof data.envelopeId !== 'string' || data.envelopeId === '') {
    throw new WebhookRejectedError('malformed', `the ${body.event} message has no data.envelopeId`);
  }
  const generated = typeof body.generatedDateTime === 'string' ? body.generatedDateTime : '';
  const generatedAt = Date.parse(generated);
  return {
    kind: 'event',
    event: {
      id: createHash('sha256').update(`${data.envelopeId}\u0000${body.event}\u0000${generated}`).digest('hex').slice(0, 32),
      type: body.event,
      occurredAt: new Date(Number.isNaN(generatedAt) ? (options.now ?? Date.now)() : generatedAt).toISOString(),
      tenant: typeof data.accountId === 'string' ? data.accountId : undefined,
      payload: data,
    },
  };
}

function signatureHeaders(headers: WebhookRequest['headers']): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!SIGNATURE_HEADER.test(name) || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) values.push(one.trim());
  }
  return values;
}

function decodeSignature(value: string): Buffer | undefined {
  if (!BASE64.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === HMAC_SHA256_BYTES ? bytes : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
