/**
 * npm run bench:webhooks — Lark pushes verified (signature, timestamp, token), decrypted and
 * normalised per second on one core (everything here is synchronous on the main thread),
 * compared with JSON.parse of the same plaintext events measured in the same run.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { decryptLark, encryptLark, larkSignature, verifyLarkWebhook, type LarkWebhookOptions } from '../connectors/lark-shared/lark-webhook.js';
import type { WebhookRequest } from '../src/connector-kit/webhooks/webhook.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50_000);
const WARMUP = 5_000;
const ROUNDS = 5;
const DISTINCT_DELIVERIES = 1_000;

const ENCRYPT_KEY = 'bench-encrypt-key-6f1c7a52';
const TOKEN = 'bench-verification-token';
const NOW_MS = Date.UTC(2025, 2, 3, 9, 30, 0);
const options: LarkWebhookOptions = { encryptKey: ENCRYPT_KEY, verificationToken: TOKEN, now: () => NOW_MS };

function header(eventType: string, i: number) {
  return {
    event_id: randomUUID().replaceAll('-', ''),
    event_type: eventType,
    create_time: String(NOW_MS - (i % 1000)),
    token: TOKEN,
    app_id: 'cli_a1b2c3d4e5f60718',
    tenant_key: '736588c9260f175d',
  };
}

const userId = (i: number) => ({ open_id: `ou_${(i * 7919).toString(16).padStart(32, '0')}`, union_id: `on_${(i * 104729).toString(16).padStart(32, '0')}`, user_id: `u${100000 + i}` });

/** The kinds of pushes Staffwire's flows start from, with payloads of their real shape and size. */
function event(i: number): object {
  switch (i % 4) {
    case 0:
      return { schema: '2.0', header: header('hire.offer.status_changed_v1', i), event: { offer_id: String(6949805467799537964n + BigInt(i)), offer_status: 7 } };
    case 1:
      return {
        schema: '2.0',
        header: header('corehr.offboarding.status_updated_v2', i),
        event: { employment_id: String(7140964208476371111n + BigInt(i)), target_user_id: userId(i), offboarding_id: String(7300000000000000001n + BigInt(i)), process_id: String(7300000000000001001n + BigInt(i)), status: 2 },
      };
    case 2:
      return {
        schema: '2.0',
        header: header('corehr.employment.created_v1', i),
        event: { employment_id: String(7140964208476372222n + BigInt(i)), target_user_id: userId(i) },
      };
    default:
      return {
        schema: '2.0',
        header: header('im.message.receive_v1', i),
        event: {
          sender: { sender_id: userId(i), sender_type: 'user', tenant_key: '736588c9260f175d' },
          message: {
            message_id: `om_${randomUUID().replaceAll('-', '')}`,
            root_id: '',
            parent_id: '',
            create_time: String(NOW_MS),
            chat_id: 'oc_5ad11d72b830411d72b836c20',
            chat_type: 'p2p',
            message_type: 'text',
            content: JSON.stringify({ text: `Hi, can you confirm the onboarding date for offer ${i}? The candidate asked whether the laptop ships before day one and who their buddy is.` }),
            mentions: [],
          },
        },
      };
  }
}

interface Fixture {
  request: WebhookRequest;
  plaintext: string;
  encrypt: string;
}

function fixtures(): Fixture[] {
  const timestamp = String(NOW_MS / 1000);
  return Array.from({ length: DISTINCT_DELIVERIES }, (_, i) => {
    const plaintext = JSON.stringify(event(i));
    const encrypt = encryptLark(ENCRYPT_KEY, plaintext);
    const body = JSON.stringify({ encrypt });
    const nonce = randomUUID();
    return {
      plaintext,
      encrypt,
      request: {
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'x-lark-request-timestamp': timestamp,
          'x-lark-request-nonce': nonce,
          'x-lark-signature': larkSignature(timestamp, nonce, ENCRYPT_KEY, body),
        },
        rawBody: Buffer.from(body),
      },
    };
  });
}

/** ns per operation, median of ROUNDS rounds of ITERATIONS operations after a warm-up. */
function measure(operation: (i: number) => unknown): number {
  let sink = 0;
  for (let i = 0; i < WARMUP; i++) sink += operation(i) ? 1 : 0;
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    global.gc?.();
    const started = performance.now();
    for (let i = 0; i < ITERATIONS; i++) sink += operation(i) ? 1 : 0;
    rounds.push(((performance.now() - started) * 1e6) / ITERATIONS);
  }
  if (sink < 0) console.log(sink);
  return rounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

function main() {
  const all = fixtures();
  const at = (i: number) => all[i % DISTINCT_DELIVERIES]!;

  // Every fixture must verify, or the loop below would be timing rejections.
  for (const fixture of all) {
    const result = verifyLarkWebhook(fixture.request, options);
    if (result.kind !== 'event') throw new Error('a bench fixture did not verify as an event');
  }

  const verify = measure((i) => verifyLarkWebhook(at(i).request, options));
  const parse = measure((i) => JSON.parse(at(i).plaintext));
  const signature = measure((i) => {
    const { headers, rawBody } = at(i).request;
    return larkSignature(headers['x-lark-request-timestamp'] as string, headers['x-lark-request-nonce'] as string, ENCRYPT_KEY, rawBody);
  });
  const decrypt = measure((i) => decryptLark(ENCRYPT_KEY, at(i).encrypt));

  const plaintextBytes = all.reduce((sum, f) => sum + Buffer.byteLength(f.plaintext), 0) / all.length;
  const bodyBytes = all.reduce((sum, f) => sum + f.request.rawBody.length, 0) / all.length;
  const row = (name: string, ns: number) =>
    `${name.padEnd(44)} ${(1e9 / ns).toFixed(0).padStart(10)} /s ${(ns / 1000).toFixed(2).padStart(8)} µs  ×${(ns / parse).toFixed(1)} JSON.parse`;

  console.log(`Lark webhook verification — node ${process.version}, ${ITERATIONS} iterations × ${ROUNDS} rounds (median), ${WARMUP} warm-up`);
  console.log(`${DISTINCT_DELIVERIES} distinct schema 2.0 pushes: plaintext ${plaintextBytes.toFixed(0)} B, encrypted body ${bodyBytes.toFixed(0)} B on average`);
  console.log(row('verify + decrypt + normalise (one core)', verify));
  console.log(row('  of which: signature (SHA-256 of raw body)', signature));
  console.log(row('  of which: AES-256-CBC decryption', decrypt));
  console.log(row('baseline: JSON.parse of the plaintext', parse));
  console.log(`ratio: one verified Lark push costs ${(verify / parse).toFixed(1)}× a JSON.parse of the same event`);
}

main();
