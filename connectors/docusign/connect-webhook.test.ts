import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebhookRejectedError, type WebhookRequest } from '../../src/connector-kit/webhooks/webhook.js';
import { signDocusignConnect, verifyDocusignConnect } from './connect-webhook.js';

const KEY_OLD = 'connect-key-old';
const KEY_NEW = 'connect-key-new';

const message = {
  event: 'envelope-completed',
  apiVersion: 'v2.1',
  uri: '/restapi/v2.1/accounts/7d3a9c2e/envelopes/b5c1f3a2',
  retryCount: 0,
  configurationId: 10000001,
  generatedDateTime: '2024-05-20T09:00:00.1234567Z',
  data: {
    accountId: '7d3a9c2e-52b1-4f0e-9a61-3c8e5b0d1f47',
    userId: '00000000-0000-4000-8000-0000000005e2',
    envelopeId: 'b5c1f3a2-9d4e-4c7b-8a16-2e0f9d3c5b71',
    envelopeSummary: { status: 'completed', emailSubject: 'Your offer' },
  },
};

function delivery(body: string, headers: Record<string, string> = { 'x-docusign-signature-1': signDocusignConnect(KEY_OLD, body) }): WebhookRequest {
  return { headers: { 'content-type': 'application/json', ...headers }, rawBody: Buffer.from(body) };
}

function rejection(request: WebhookRequest, secrets: string[]): WebhookRejectedError {
  try {
    verifyDocusignConnect(request, secrets);
  } catch (err) {
    if (err instanceof WebhookRejectedError) return err;
    throw err;
  }
  throw new Error('expected the delivery to be rejected');
}

describe('verifyDocusignConnect', () => {
  const body = JSON.stringify(message);

  it('signs as DocuSign documents it: base64 of HMAC-SHA256 over the raw body', () => {
    expect(signDocusignConnect('secret', '{"a":1}')).toBe(createHmac('sha256', 'secret').update('{"a":1}').digest('base64'));
  });

  it('accepts a delivery signed with a configured key and normalises the JSON SIM message', () => {
    const result = verifyDocusignConnect(delivery(body), [KEY_OLD]);
    expect(result).toEqual({
      kind: 'event',
      event: {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        type: 'envelope-completed',
        occurredAt: '2024-05-20T09:00:00.123Z',
        tenant: message.data.accountId,
        payload: message.data,
      },
    });
  });

  it.each([
    ['the second configured key signed it (rotation)', [KEY_OLD, KEY_NEW], { 'x-docusign-signature-1': signDocusignConnect(KEY_NEW, body) }],
    [
      'the second header matches (DocuSign sends one per active key)',
      [KEY_NEW],
      { 'x-docusign-signature-1': signDocusignConnect('retired-key', body), 'x-docusign-signature-2': signDocusignConnect(KEY_NEW, body) },
    ],
    ['the header name is capitalised as DocuSign writes it', [KEY_OLD], { 'X-DocuSign-Signature-1': signDocusignConnect(KEY_OLD, body) }],
  ])('accepts a delivery when %s', (_case, secrets, headers) => {
    expect(verifyDocusignConnect(delivery(body, headers), secrets).event.type).toBe('envelope-completed');
  });

  it.each([
    ['a tampered body', delivery(body.replace('completed', 'declined'), { 'x-docusign-signature-1': signDocusignConnect(KEY_OLD, body) }), [KEY_OLD], 'bad_signature'],
    ['a key that is not configured', delivery(body, { 'x-docusign-signature-1': signDocusignConnect('someone-else', body) }), [KEY_OLD, KEY_NEW], 'bad_signature'],
    ['no signature header', delivery(body, {}), [KEY_OLD], 'missing_header'],
    ['a signature that is not base64 HMAC-SHA256', delivery(body, { 'x-docusign-signature-1': 'not a signature!' }), [KEY_OLD], 'malformed'],
    ['a truncated signature', delivery(body, { 'x-docusign-signature-1': signDocusignConnect(KEY_OLD, body).slice(0, 20) }), [KEY_OLD], 'malformed'],
    ['no configured key at all', delivery(body), [], 'bad_signature'],
    ['a signed body that is not JSON', delivery('<DocuSignEnvelopeInformation/>', { 'x-docusign-signature-1': signDocusignConnect(KEY_OLD, '<DocuSignEnvelopeInformation/>') }), [KEY_OLD], 'not_json'],
  ])('rejects %s', (_case, request, secrets, reason) => {
    expect(rejection(request, secrets).reason).toBe(reason);
  });

  it.each([
    ['a JSON array', '[]'],
    ['no event', JSON.stringify({ ...message, event: undefined })],
    ['no data.envelopeId', JSON.stringify({ ...message, data: { accountId: 'a' } })],
  ])('rejects a signed message with %s as malformed', (_case, text) => {
    expect(rejection(delivery(text, { 'x-docusign-signature-1': signDocusignConnect(KEY_OLD, text) }), [KEY_OLD]).reason).toBe('malformed');
  });

  it("keeps the event id across DocuSign's redeliveries and changes it between events", () => {
    const id = (m: object) => {
      const text = JSON.stringify(m);
      return verifyDocusignConnect(delivery(text, { 'x-docusign-signature-1': signDocusignConnect(KEY_OLD, text) }), [KEY_OLD]).event.id;
    };
    const first = id(message);
    expect(id({ ...message, retryCount: 3 })).toBe(first);
    expect(id({ ...message, event: 'envelope-voided' })).not.toBe(first);
    expect(id({ ...message, generatedDateTime: '2024-05-21T09:00:00.0000000Z' })).not.toBe(first);
    expect(id({ ...message, data: { ...message.data, envelopeId: 'another' } })).not.toBe(first);
  });

  it('dates a message without generatedDateTime at its arrival', () => {
    const text = JSON.stringify({ event: 'envelope-sent', data: { envelopeId: 'e-1' } });
    const result = verifyDocusignConnect(delivery(text, { 'x-docusign-signature-1': signDocusignConnect(KEY_OLD, text) }), [KEY_OLD], {
      now: () => Date.parse('2024-06-01T12:00:00Z'),
    });
    expect(result.event).toMatchObject({ occurredAt: '2024-06-01T12:00:00.000Z', tenant: undefined, payload: { envelopeId: 'e-1' } });
  });
});
