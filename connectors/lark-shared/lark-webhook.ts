import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  equalInConstantTime,
  headerValue,
  WebhookRejectedError,
  type WebhookEvent,
  type WebhookRequest,
  type WebhookResult,
} from '../../src/connector-kit/webhooks/webhook.js';

/**
 * Lark event subscription deliveries as pure functions: AES-256-CBC decryption, the
 * `X-Lark-Signature` check over the raw body, the URL-verification handshake, the verification
 * token, and the schema 2.0 / 1.0 envelopes turned into a WebhookEvent.
 */

export const LARK_SIGNATURE_HEADER = 'x-lark-signature';
export const LARK_TIMESTAMP_HEADER = 'x-lark-request-timestamp';
export const LARK_NONCE_HEADER = 'x-lark-request-nonce';

/**
 * Lark re-delivers an unanswered event after 15 s, 5 min, 1 h and 6 h (about 7.1 h in all), yet
 * each push, retries included, is signed afresh with its own X-Lark-Request-Timestamp and nonce:
 * Lark's event-subscription guide gives the timestamp + nonce signature as the defence against
 * replayed pushes, which only works if every push is signed when it is sent (the guide does not
 * spell out the retry case, and the official Node SDK checks no timestamp at all). So a push
 * signed minutes ago is a replay or a skewed clock, not a slow retry, and the usual five-minute
 * window suffices; replays inside it are caught by de-duplication on the event id.
 */
export const LARK_DEFAULT_TOLERANCE_SECONDS = 300;

const BLOCK = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface LarkWebhookOptions {
  /** The app's Encrypt Key; when set Lark encrypts bodies and signs every push but the handshake. */
  encryptKey?: string;
  verificationToken: string;
  /** Current time in ms (tests, benchmarks). */
  now?: () => number;
  toleranceSeconds?: number;
}

function aesKey(encryptKey: string): Buffer {
  return createHash('sha256').update(encryptKey).digest();
}

/** Lark's `encrypt` field back to plaintext: base64 → IV (16 bytes) + AES-256-CBC ciphertext, PKCS#7. */
export function decryptLark(encryptKey: string, encrypt: string): string {
  if (!BASE64.test(encrypt)) throw new WebhookRejectedError('malformed', 'the encrypt field is not base64');
  const bytes = Buffer.from(encrypt, 'base64');
  if (bytes.length < 2 * BLOCK || bytes.length % BLOCK !== 0) {
    throw new WebhookRejectedError('truncated', `the encrypted body is ${bytes.length} bytes: not an IV followed by whole AES blocks`);
  }
  const decipher = createDecipheriv('aes-256-cbc', aesKey(encryptKey), bytes.subarray(0, BLOCK));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(BLOCK)), decipher.final()]).toString('utf8');
  } catch {
    throw new WebhookRejectedError('truncated', 'the encrypted body does not end in valid padding (truncated, or another encrypt key)');
  }
}

/** The inverse of decryptLark, as Lark encrypts: the sandbox uses it to emit events. */
export function encryptLark(encryptKey: string, plaintext: string, iv: Buffer = randomBytes(BLOCK)): string {
  const cipher = createCipheriv('aes-256-cbc', aesKey(encryptKey), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** hex(SHA-256(timestamp + nonce + encryptKey + raw body)), the value of X-Lark-Signature. */
export function larkSignature(timestamp: string, nonce: string, encryptKey: string, rawBody: Buffer | string): string {
  return createHash('sha256').update(timestamp + nonce + encryptKey).update(rawBody).digest('hex');
}

/**
 * Checks and decodes one Lark push. Returns the handshake's answer or the normalised event;
 * throws WebhookRejectedError (with a reason) for anything that must get a 4xx.
 */
export function verifyLarkWebhook(request: WebhookRequest, options: LarkWebhookOptions): WebhookResult {
  const { encryptKey } = options;
  const signature = headerValue(request.headers, LARK_SIGNATURE_HEADER);
  const signed = encryptKey !== undefined && encryptKey !== '' && signature !== undefined;
  if (signed) checkSignature(request, encryptKey, signature, options);

  const body = parseObject(request.rawBody.toString('utf8'), 'the body');
  let envelope: Record<string, unknown>;
  if (typeof body.encrypt === 'string') {
    if (!encryptKey) throw new WebhookRejectedError('malformed', 'the delivery is encrypted but the connection has no encryptKey');
    envelope = signed ? parseObject(decryptLark(encryptKey, body.encrypt), 'the decrypted body') : decryptUnsigned(encryptKey, body.encrypt);
  } else {
    envelope = body;
  }

  if (envelope.type === 'url_verification') {
    checkToken(envelope.token, options.verificationToken);
    if (typeof envelope.challenge !== 'string') throw new WebhookRejectedError('malformed', 'the url_verification handshake has no challenge');
    return { kind: 'challenge', body: { challenge: envelope.challenge } };
  }
  if (encryptKey && !signed) {
    throw new WebhookRejectedError('missing_header', `an Encrypt Key is set, so every push but the handshake must carry ${LARK_SIGNATURE_HEADER}`);
  }
  return { kind: 'event', event: normaliseLarkEvent(envelope, options.verificationToken) };
}

function checkSignature(request: WebhookRequest, encryptKey: string, signature: string, options: LarkWebhookOptions): void {
  const timestamp = headerValue(request.headers, LARK_TIMESTAMP_HEADER);
  const nonce = headerValue(request.headers, LARK_NONCE_HEADER);
  if (timestamp === undefined || nonce === undefined) {
    throw new WebhookRejectedError('missing_header', `a signed push needs ${LARK_TIMESTAMP_HEADER} and ${LARK_NONCE_HEADER}`);
  }
  if (!equalInConstantTime(signature.toLowerCase(), larkSignature(timestamp, nonce, encryptKey, request.rawBody))) {
    throw new WebhookRejectedError('bad_signature', `${LARK_SIGNATURE_HEADER} does not match the body (forged, altered, or another encrypt key)`);
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookRejectedError('malformed', `${LARK_TIMESTAMP_HEADER} is not unix seconds: ${JSON.stringify(timestamp)}`);
  const ageSeconds = ((options.now ?? Date.now)() / 1000) - Number(timestamp);
  const tolerance = options.toleranceSeconds ?? LARK_DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(ageSeconds) > tolerance) {
    throw new WebhookRejectedError('stale', `signed ${Math.round(Math.abs(ageSeconds))} s ${ageSeconds > 0 ? 'ago' : 'in the future'}; the tolerance is ${tolerance} s`);
  }
}

/**
 * Only a URL-verification handshake may come unsigned while an Encrypt Key is set. Every way an
 * unsigned ciphertext fails to be one gets the same answer, so that the difference between bad
 * padding and bad JSON cannot serve as a padding oracle to someone without the key.
 */
function decryptUnsigned(encryptKey: string, encrypt: string): Record<string, unknown> {
  try {
    const envelope = parseObject(decryptLark(encryptKey, encrypt), 'the decrypted body');
    if (envelope.type === 'url_verification') return envelope;
  } catch (err) {
    if (!(err instanceof WebhookRejectedError)) throw err;
  }
  throw new WebhookRejectedError('missing_header', `an unsigned encrypted push that is not a URL-verification handshake (no ${LARK_SIGNATURE_HEADER})`);
}

function parseObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WebhookRejectedError('not_json', `${what} is not JSON`);
  }
  if (!isObject(value)) throw new WebhookRejectedError('malformed', `${what} is JSON but not an object`);
  return value;
}

function checkToken(token: unknown, verificationToken: string): void {
  if (typeof token !== 'string' || !equalInConstantTime(token, verificationToken)) {
    throw new WebhookRejectedError('bad_token', 'the verification token does not match the connection verificationToken');
  }
}

/** Schema 2.0 (`header` + `event`) or 1.0 (`uuid`, `ts`, `event.type`) → WebhookEvent. */
function normaliseLarkEvent(envelope: Record<string, unknown>, verificationToken: string): WebhookEvent {
  if (envelope.schema === '2.0') {
    const header = envelope.header;
    if (!isObject(header)) throw new WebhookRejectedError('malformed', 'a schema 2.0 event without a header object');
    checkToken(header.token, verificationToken);
    return {
      id: requireString(header.event_id, 'header.event_id'),
      type: requireString(header.event_type, 'header.event_type'),
      occurredAt: isoFromMs(header.create_time, 'header.create_time'),
      tenant: typeof header.tenant_key === 'string' ? header.tenant_key : undefined,
      payload: isObject(envelope.event) ? envelope.event : {},
    };
  }
  if (typeof envelope.uuid === 'string' || envelope.type === 'event_callback') {
    checkToken(envelope.token, verificationToken);
    const event = isObject(envelope.event) ? envelope.event : undefined;
    if (!event) throw new WebhookRejectedError('malformed', 'a schema 1.0 event without an event object');
    const tenant = event.tenant_key ?? envelope.tenant_key;
    return {
      id: requireString(envelope.uuid, 'uuid'),
      type: requireString(event.type, 'event.type'),
      occurredAt: isoFromSeconds(envelope.ts, 'ts'),
      tenant: typeof tenant === 'string' ? tenant : undefined,
      payload: event,
    };
  }
  throw new WebhookRejectedError('malformed', 'neither a schema 2.0 event, a schema 1.0 event nor a url_verification handshake');
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new WebhookRejectedError('malformed', `the event has no ${field}`);
  return value;
}

function isoFromMs(value: unknown, field: string): string {
  const ms = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'number' ? value : NaN;
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) throw new WebhookRejectedError('malformed', `${field} is not a time in milliseconds: ${JSON.stringify(value)}`);
  return date.toISOString();
}

/** Schema 1.0 `ts` is seconds with a fraction, as a string ("1502199207.7171419"). */
function isoFromSeconds(value: unknown, field: string): string {
  const seconds = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : typeof value === 'number' ? value : NaN;
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw new WebhookRejectedError('malformed', `${field} is not a time in seconds: ${JSON.stringify(value)}`);
  return date.toISOString();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
