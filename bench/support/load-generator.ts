/**
 * Runs in its own process, so the load it makes does not share the measured server's core:
 * `node load-generator.js <plan.json>` fires the plan's requests with autocannon, cycling through
 * them, and prints the result as one JSON line.
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';

export interface LoadPlan {
  url: string;
  connections: number;
  /** Stop after this many requests, or after `durationSeconds`. */
  amount?: number;
  durationSeconds?: number;
  requests: { path: string; headers: Record<string, string>; body: string }[];
  /**
   * Signs every request as a Standard Webhooks delivery with this secret, each with a webhook-id
   * of its own (`<idPrefix><n>`), so a receiver that de-duplicates by id sees only new events.
   */
  standardWebhooks?: { secret: string; idPrefix: string };
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadPlan;
let next = 0;
const signer = plan.standardWebhooks ? new Webhook(plan.standardWebhooks.secret) : undefined;

function headersFor(chosen: LoadPlan['requests'][number], n: number): Record<string, string> {
  if (!signer) return chosen.headers;
  const id = `${plan.standardWebhooks!.idPrefix}${n}`;
  const timestamp = new Date();
  return {
    ...chosen.headers,
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signer.sign(id, timestamp, chosen.body),
  };
}
// Timed to the last answer: autocannon ends a run of a fixed number of requests at its next
// whole-second tick, so its own duration counts up to a second of nothing.
const started = performance.now();
let lastAnswer = started;
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    {
      url: plan.url,
      connections: plan.connections,
      ...(plan.amount ? { amount: plan.amount } : { duration: plan.durationSeconds ?? 5 }),
      requests: [
        {
          setupRequest: (request) => {
            const n = next++;
            const chosen = plan.requests[n % plan.requests.length]!;
            return { ...request, method: 'POST', path: chosen.path, headers: headersFor(chosen, n), body: chosen.body };
          },
        },
      ],
    },
    (err, answer) => (err ? reject(err) : resolve(answer)),
  );
  instance.on('response', () => (lastAnswer = performance.now()));
});
const seconds = (lastAnswer - started) / 1000;
const output: LoadResult = {
  requests: result.requests.total,
  perSecond: result.requests.total / seconds,
  p50: result.latency.p50,
  p99: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors,
};
console.log(JSON.stringify(output));
