import * as lark from '@larksuiteoapi/node-sdk';
import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebhookRejectedError, type WebhookRequest, type WebhookResult } from '../../src/connector-kit/webhooks/webhook.js';
import type { SandboxContext } from '../../src/sandbox/sandbox-context.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../src/sandbox/sandbox-server.js';
import { decryptLark, encryptLark, larkSignature, verifyLarkWebhook, type LarkWebhookOptions } from './lark-webhook.js';
import sandbox from './sandbox.js';

const ENCRYPT_KEY = 'kJ3v9Qm2-encrypt-key';
const TOKEN = 'v3rification-t0ken';
const NOW_MS = Date.UTC(2025, 2, 3, 9, 30, 0);
const NOW_S = String(NOW_MS / 1000);
const options: LarkWebhookOptions = { encryptKey: ENCRYPT_KEY, verificationToken: TOKEN, now: () => NOW_MS };

const v2Event = {
  schema: '2.0',
  header: {
    event_id: '5e3702a84e847582be8db7fb73283c02',
    event_type: 'corehr.offboarding.status_updated_v2',
    create_time: String(NOW_MS - 1500),
    token: TOKEN,
    app_id: 'cli_9f1e2d3c4b5a6978',
    tenant_key: '736588c9260f175d',
  },
  event: { employment_id: '7140964208476371111', offboarding_id: '7300000000000000001', status: 2, target_user_id: { open_id: 'ou_7dab8a3d3cdcc9da365777c7ad535d62' } },
};

const v1Event = {
  ts: '1502199207.7171419',
  uuid: 'bc447199585340d1f3728d26b1c0297a',
  token: TOKEN,
  type: 'event_callback',
  event: { type: 'approval', app_id: 'cli_xxx', tenant_key: '2d520d3b434f175e', instance_code: 'xxx', status: 'APPROVED' },
};

function headers(timestamp: string, nonce: string, signature: string): WebhookRequest['headers'] {
  return { 'x-lark-request-timestamp': timestamp, 'x-lark-request-nonce': nonce, 'x-lark-signature': signature, 'content-type': 'application/json' };
}

/** A push as Lark sends it with an Encrypt Key: `{"encrypt"}` body, signed over those exact bytes. */
function signedPush(body: string, { timestamp = NOW_S, nonce = 'c2f8a1d0e9b7', key = ENCRYPT_KEY } = {}): WebhookRequest {
  return { headers: headers(timestamp, nonce, larkSignature(timestamp, nonce, key, body)), rawBody: Buffer.from(body) };
}

function encryptedBody(plaintext: string, key = ENCRYPT_KEY): string {
  return JSON.stringify({ encrypt: encryptLark(key, plaintext) });
}

function rejection(run: () => WebhookResult): WebhookRejectedError {
  try {
    run();
  } catch (err) {
    if (err instanceof WebhookRejectedError) return err;
    throw err;
  }
  throw new Error('expected the delivery to be rejected');
}

/** AES-256-CBC without PKCS#7, so the last block's padding byte is whatever we choose. */
function encryptWithoutPadding(key: string, plaintext: Buffer): string {
  const iv = Buffer.alloc(16, 7);
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(key).digest(), iv).setAutoPadding(false);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]).toString('base64');
}

describe('Lark event encryption', () => {
  it('decrypts the documented vectors', () => {
    expect(decryptLark('test key', 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBe('hello world');
    expect(
      decryptLark(
        'mazhe.nerd',
        'tT1xP+ovuc0T3b/rnZX3ax76exqAn0ANQ6/U45GcciC0mgNBc8JtvqOJGNAPMKpgRs2dVU1NYk9VDeqS8T4SYtU0hzNU54aS84WnxvZ3VFfDcy/RyABlNqlUiGyLDzFI0yxdCMT4KR/YEQXlt6nZi50KwRlZ+A75r645KesZuLMljezYyY8VeeXEVjPw35+e',
      ),
    ).toBe('{"challenge":"5634b122-c042-4634-bc7f-b07a3c3e77ad","token":"iRdCP2WwXNBXRM3mGLqhrgch3cn0gbT6","type":"url_verification"}');
  });

  it('round-trips: a fixed IV gives a fixed ciphertext, a random IV a fresh one each time', () => {
    const plaintext = JSON.stringify(v2Event);
    const iv = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const once = encryptLark(ENCRYPT_KEY, plaintext, iv);
    expect(encryptLark(ENCRYPT_KEY, plaintext, iv)).toBe(once);
    expect(Buffer.from(once, 'base64').subarray(0, 16)).toEqual(iv);
    expect(decryptLark(ENCRYPT_KEY, once)).toBe(plaintext);
    const fresh = encryptLark(ENCRYPT_KEY, plaintext);
    expect(fresh).not.toBe(encryptLark(ENCRYPT_KEY, plaintext));
    expect(decryptLark(ENCRYPT_KEY, fresh)).toBe(plaintext);
    expect(decryptLark(ENCRYPT_KEY, encryptLark(ENCRYPT_KEY, 'déjà vu — 入职'))).toBe('déjà vu — 入职');
  });

  it('computes the signature as hex SHA-256 of timestamp, nonce, key and the raw bytes', () => {
    const body = Buffer.from('{"encrypt":"abc"}');
    const expected = createHash('sha256').update(`1700000000n0nce${ENCRYPT_KEY}{"encrypt":"abc"}`).digest('hex');
    expect(larkSignature('1700000000', 'n0nce', ENCRYPT_KEY, body)).toBe(expected);
    expect(larkSignature('1700000000', 'n0nce', ENCRYPT_KEY, body.toString())).toBe(expected);
  });
});

describe('verifyLarkWebhook', () => {
  it('accepts a signed, encrypted schema 2.0 push and normalises it', () => {
    const result = verifyLarkWebhook(signedPush(encryptedBody(JSON.stringify(v2Event))), options);
    expect(result).toEqual({
      kind: 'event',
      event: {
        id: '5e3702a84e847582be8db7fb73283c02',
        type: 'corehr.offboarding.status_updated_v2',
        occurredAt: new Date(NOW_MS - 1500).toISOString(),
        tenant: '736588c9260f175d',
        payload: v2Event.event,
      },
    });
  });

  it('normalises a schema 1.0 push (uuid, ts in seconds, event.type, event.tenant_key)', () => {
    const result = verifyLarkWebhook(signedPush(encryptedBody(JSON.stringify(v1Event))), options);
    expect(result).toEqual({
      kind: 'event',
      event: {
        id: 'bc447199585340d1f3728d26b1c0297a',
        type: 'approval',
        occurredAt: '2017-08-08T13:33:27.717Z',
        tenant: '2d520d3b434f175e',
        payload: v1Event.event,
      },
    });
  });

  it('accepts plain pushes when the app has no Encrypt Key, checking only the token', () => {
    const plain = { verificationToken: TOKEN };
    const v2 = verifyLarkWebhook({ headers: {}, rawBody: Buffer.from(JSON.stringify(v2Event)) }, plain);
    expect(v2.kind === 'event' && v2.event.id).toBe('5e3702a84e847582be8db7fb73283c02');
    const v1 = verifyLarkWebhook({ headers: {}, rawBody: Buffer.from(JSON.stringify(v1Event)) }, plain);
    expect(v1.kind === 'event' && v1.event.type).toBe('approval');
    const forged = { ...v2Event, header: { ...v2Event.header, token: 'guessed' } };
    expect(rejection(() => verifyLarkWebhook({ headers: {}, rawBody: Buffer.from(JSON.stringify(forged)) }, plain)).reason).toBe('bad_token');
  });

  it('answers the plain handshake with its challenge, after checking the token', () => {
    const handshake = { challenge: 'ajls384kdjx98XX', token: TOKEN, type: 'url_verification' };
    const request = { headers: { 'content-type': 'application/json' }, rawBody: Buffer.from(JSON.stringify(handshake)) };
    expect(verifyLarkWebhook(request, { verificationToken: TOKEN })).toEqual({ kind: 'challenge', body: { challenge: 'ajls384kdjx98XX' } });
    expect(rejection(() => verifyLarkWebhook(request, { verificationToken: 'another-app' })).reason).toBe('bad_token');
  });

  it('answers the encrypted, unsigned handshake (the documented vector)', () => {
    const request = {
      headers: {},
      rawBody: Buffer.from(
        '{"encrypt":"tT1xP+ovuc0T3b/rnZX3ax76exqAn0ANQ6/U45GcciC0mgNBc8JtvqOJGNAPMKpgRs2dVU1NYk9VDeqS8T4SYtU0hzNU54aS84WnxvZ3VFfDcy/RyABlNqlUiGyLDzFI0yxdCMT4KR/YEQXlt6nZi50KwRlZ+A75r645KesZuLMljezYyY8VeeXEVjPw35+e"}',
      ),
    };
    expect(verifyLarkWebhook(request, { encryptKey: 'mazhe.nerd', verificationToken: 'iRdCP2WwXNBXRM3mGLqhrgch3cn0gbT6' })).toEqual({
      kind: 'challenge',
      body: { challenge: '5634b122-c042-4634-bc7f-b07a3c3e77ad' },
    });
    expect(rejection(() => verifyLarkWebhook(request, { encryptKey: 'mazhe.nerd', verificationToken: TOKEN })).reason).toBe('bad_token');
  });

  it('accepts timestamps up to the tolerance either way and rejects beyond it', () => {
    const body = encryptedBody(JSON.stringify(v2Event));
    const at = (seconds: number) => signedPush(body, { timestamp: String(NOW_MS / 1000 + seconds) });
    expect(verifyLarkWebhook(at(-300), options).kind).toBe('event');
    expect(verifyLarkWebhook(at(300), options).kind).toBe('event');
    expect(rejection(() => verifyLarkWebhook(at(-301), options)).reason).toBe('stale');
    expect(rejection(() => verifyLarkWebhook(at(301), options)).reason).toBe('stale');
    expect(verifyLarkWebhook(at(-3600), { ...options, toleranceSeconds: 7200 }).kind).toBe('event');
  });

  const body = encryptedBody(JSON.stringify(v2Event));
  const valid = signedPush(body);
  const withoutHeader = (name: string): WebhookRequest => ({ ...valid, headers: Object.fromEntries(Object.entries(valid.headers).filter(([k]) => k !== name)) });
  const tamperedCiphertext = body.replace(/"encrypt":"(.)/, (_, c: string) => `"encrypt":"${c === 'A' ? 'B' : 'A'}`);
  const shortCiphertext = Buffer.from(encryptLark(ENCRYPT_KEY, JSON.stringify(v2Event)), 'base64').subarray(0, -5).toString('base64');
  const badPadding = encryptWithoutPadding(ENCRYPT_KEY, Buffer.concat([Buffer.from(JSON.stringify({ a: 1 }).padEnd(31)), Buffer.from([0])]));

  it.each<{ name: string; request: WebhookRequest; reason: string; opts?: Partial<LarkWebhookOptions> }>([
    { name: 'a body altered after signing', request: { ...valid, rawBody: Buffer.from(tamperedCiphertext) }, reason: 'bad_signature' },
    { name: 'a signature made with another key', request: signedPush(body, { key: 'not-the-key' }), reason: 'bad_signature' },
    { name: 'a signature over another nonce', request: { ...valid, headers: { ...valid.headers, 'x-lark-request-nonce': 'other' } }, reason: 'bad_signature' },
    { name: 'no signature header', request: withoutHeader('x-lark-signature'), reason: 'missing_header' },
    { name: 'no nonce header', request: withoutHeader('x-lark-request-nonce'), reason: 'missing_header' },
    { name: 'no timestamp header', request: withoutHeader('x-lark-request-timestamp'), reason: 'missing_header' },
    { name: 'a wrong verification token', request: signedPush(encryptedBody(JSON.stringify({ ...v2Event, header: { ...v2Event.header, token: 'x' } }))), reason: 'bad_token' },
    { name: 'a schema 1.0 event with a wrong token', request: signedPush(encryptedBody(JSON.stringify({ ...v1Event, token: 'x' }))), reason: 'bad_token' },
    { name: 'a ciphertext cut short of a whole block', request: signedPush(JSON.stringify({ encrypt: shortCiphertext })), reason: 'truncated' },
    { name: 'a ciphertext whose padding is invalid', request: signedPush(JSON.stringify({ encrypt: badPadding })), reason: 'truncated' },
    { name: 'an encrypt field that is not base64', request: signedPush('{"encrypt":"%%%"}'), reason: 'malformed' },
    { name: 'a body that is not JSON', request: signedPush('encrypt=abc'), reason: 'not_json' },
    { name: 'a decrypted body that is not JSON', request: signedPush(encryptedBody('<xml>event</xml>')), reason: 'not_json' },
    { name: 'a JSON body that is not an object', request: signedPush('["encrypt"]'), reason: 'malformed' },
    { name: 'an event without an id', request: signedPush(encryptedBody(JSON.stringify({ ...v2Event, header: { ...v2Event.header, event_id: undefined } }))), reason: 'malformed' },
    { name: 'an envelope of no known schema', request: signedPush(encryptedBody(JSON.stringify({ token: TOKEN, hello: 'world' }))), reason: 'malformed' },
    { name: 'a timestamp that is not unix seconds', request: signedPush(body, { timestamp: '2025-03-03T09:30:00Z' }), reason: 'malformed' },
    { name: 'an encrypted push to a connection without an encrypt key', request: valid, reason: 'malformed', opts: { encryptKey: undefined } },
  ])('rejects $name ($reason)', ({ request, reason, opts }) => {
    const error = rejection(() => verifyLarkWebhook(request, { ...options, ...opts }));
    expect(error.reason).toBe(reason);
    expect(error.code).toBe(`webhook.${reason}`);
    expect(error.message).not.toContain(ENCRYPT_KEY);
  });

  it('gives every unsigned encrypted push that is not a handshake the same answer, so padding errors are no oracle', () => {
    const unsigned = (encrypt: string) => ({ headers: {}, rawBody: Buffer.from(JSON.stringify({ encrypt })) });
    const reasons = [
      encryptLark(ENCRYPT_KEY, JSON.stringify(v2Event)),
      shortCiphertext,
      badPadding,
      encryptLark(ENCRYPT_KEY, 'not json'),
    ].map((encrypt) => rejection(() => verifyLarkWebhook(unsigned(encrypt), options)).reason);
    expect(reasons).toEqual(['missing_header', 'missing_header', 'missing_header', 'missing_header']);
  });
});

describe('cross-check with the official Lark SDK (@larksuiteoapi/node-sdk)', () => {
  /** What the SDK's framework adapters hand to invoke(): the parsed body, with the headers on its prototype. */
  function sdkData(request: { headers: Record<string, string>; body: string }): Record<string, unknown> {
    return Object.assign(Object.create({ headers: request.headers }) as Record<string, unknown>, JSON.parse(request.body) as Record<string, unknown>);
  }

  function sandboxContext(): SandboxContext {
    return {
      credentials: DEFAULT_SANDBOX_CREDENTIALS,
      tokenTtlSeconds: 7200,
      rateLimitRefusals: 0,
      faults: { errorRate: 0, latencyMs: 0, burst429: 0 },
      company: { name: 'Acme', workLocations: [], departments: [], employees: [], offers: [] },
      now: () => NOW_MS,
      state: () => {
        throw new Error('delivery needs no state');
      },
      allow: () => true,
      emit: () => {
        throw new Error('delivery emits nothing itself');
      },
      sleep: async () => undefined,
    };
  }

  const { encryptKey, verificationToken, tenantKey, appId } = DEFAULT_SANDBOX_CREDENTIALS.lark;
  const payload = { offer_id: '6949805467799537964', offer_status: 7 };

  it('the SDK AESCipher decrypts the vectors and our ciphertext as we do', () => {
    expect(new lark.AESCipher('test key').decrypt('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBe('hello world');
    const plaintext = JSON.stringify(v2Event);
    expect(new lark.AESCipher(ENCRYPT_KEY).decrypt(encryptLark(ENCRYPT_KEY, plaintext))).toBe(plaintext);
  });

  it('the SDK EventDispatcher accepts the sandbox push and calls the handler with the decrypted event', async () => {
    const delivery = sandbox.delivery!(sandboxContext(), { type: 'hire.offer.status_changed_v1', payload, id: 'evt-offer-accepted-1' });
    const received: Record<string, unknown>[] = [];
    const dispatcher = new lark.EventDispatcher({ encryptKey, verificationToken, loggerLevel: lark.LoggerLevel.error }).register<Record<string, (data: Record<string, unknown>) => Promise<string>>>({
      'hire.offer.status_changed_v1': async (data) => {
        received.push(data);
        return 'handled';
      },
    });
    expect(await dispatcher.invoke(sdkData(delivery))).toBe('handled');
    expect(received).toEqual([
      expect.objectContaining({ event_id: 'evt-offer-accepted-1', event_type: 'hire.offer.status_changed_v1', tenant_key: tenantKey, app_id: appId, token: verificationToken, ...payload }),
    ]);

    const forged = { ...delivery, headers: { ...delivery.headers, 'x-lark-signature': '0'.repeat(64) } };
    expect(await dispatcher.invoke(sdkData(forged))).toBeUndefined();
    expect(received).toHaveLength(1);
  });

  it('our verifier accepts the same sandbox push and rejects the same forgery', () => {
    const delivery = sandbox.delivery!(sandboxContext(), { type: 'hire.offer.status_changed_v1', payload });
    const request = { headers: delivery.headers, rawBody: Buffer.from(delivery.body) };
    const result = verifyLarkWebhook(request, { encryptKey, verificationToken, now: () => NOW_MS });
    expect(result).toEqual({
      kind: 'event',
      event: { id: expect.stringMatching(/^[0-9a-f]{32}$/), type: 'hire.offer.status_changed_v1', occurredAt: new Date(NOW_MS).toISOString(), tenant: tenantKey, payload },
    });
    const forged = { ...request, headers: { ...request.headers, 'x-lark-signature': '0'.repeat(64) } };
    expect(rejection(() => verifyLarkWebhook(forged, { encryptKey, verificationToken, now: () => NOW_MS })).reason).toBe('bad_signature');
  });

  it('the SDK answers our encrypted handshake with the challenge we answer', () => {
    const handshake = JSON.stringify({ challenge: 'c-1b6aef1a', token: TOKEN, type: 'url_verification' });
    const body = encryptedBody(handshake);
    expect(lark.generateChallenge(JSON.parse(body), { encryptKey: ENCRYPT_KEY })).toEqual({ isChallenge: true, challenge: { challenge: 'c-1b6aef1a' } });
    expect(verifyLarkWebhook({ headers: {}, rawBody: Buffer.from(body) }, options)).toEqual({ kind: 'challenge', body: { challenge: 'c-1b6aef1a' } });
  });
});
