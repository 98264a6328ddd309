/**
 * npm run bench:flow-a — a flow serving as an API endpoint: a signed hook (`POST /hooks/flow-a`,
 * Standard Webhooks, every request a new webhook-id) whose flow sets three fields from the body,
 * POSTs them to a local JSON server with the http connector and answers with the result. Against
 * a bare fastify route doing the same work (parse, set three fields, POST with a keep-alive agent,
 * answer), both measured in this run at each concurrency with load from a separate process.
 * Beside them, the durable floor: the bare route's work plus what a durable run must write at the
 * least (the run with its input, the call's start before it is made, the outcome), on the same
 * hook verifier, written by hand — what any durable implementation of this flow could reach here.
 *
 * BENCH_SECONDS (default 4) per level and side, BENCH_WARMUP_SECONDS (default 1),
 * BENCH_CONCURRENCY (default 1,10,50).
 */
import Fastify from 'fastify';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp } from '../src/app/create-app.js';
import { loadConfig } from '../src/config/config.js';
import type { FlowDefinition } from '../src/engine/flow-types.js';
import { verifyStandardWebhook } from '../src/connector-kit/webhooks/standard-webhooks.js';
import { intakeRoutes } from '../src/server/intake/index.js';
import { DurableFloor } from './support/durable-floor.js';
import { startJsonEchoServer } from './support/json-echo-server.js';
import type { LoadPlan } from './support/load-generator.js';
import { runLoad, type MeasuredLoad } from './support/run-load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,10,50').split(',').map(Number);
const TARGET_RATIO = 0.5;
const TARGET_RSS_MB = 200;
/** Distinct bodies the load cycles through (the webhook-id is new for every request regardless). */
const BODIES = 1000;

interface PersonBody {
  employee: { id: string; name: string; email: string };
  team: string;
  note: string;
}

const flow: FlowDefinition = {
  id: 'flow-a',
  version: '1',
  triggers: [{ kind: 'hook', secret: { env: 'BENCH_HOOK_SECRET' }, respond: { waitUpTo: '10s' } }],
  input: {
    type: 'object',
    required: ['employee', 'team'],
    properties: { employee: { type: 'object', required: ['id', 'email'] }, team: { type: 'string' } },
  },
  steps: [
    { id: 'shape', kind: 'set', values: { employeeId: '${ $input.employee.id }', email: '${ $lowercase($input.employee.email) }', team: '${ $input.team }' } },
    { id: 'send', kind: 'call', action: 'http.request', connection: 'vendor', with: { method: 'POST', url: '/people', body: '${ $steps.shape }' } },
    { id: 'done', kind: 'return', output: { person: '${ $steps.shape }', vendorStatus: '${ $steps.send.status }', vendor: '${ $steps.send.body }' } },
  ],
} as FlowDefinition;

function bodyFor(i: number): string {
  const body: PersonBody = { employee: { id: `emp_${i}`, name: `Person ${i}`, email: `Person.${i}@Example.COM` }, team: `team-${i % 17}`, note: 'x'.repeat(64) };
  return JSON.stringify(body);
}

/** POSTs JSON over a keep-alive agent and reads the JSON answer: what a hand-written endpoint would do. */
function postJson(agent: Agent, url: URL, value: unknown): Promise<{ status: number; body: unknown }> {
  const payload = JSON.stringify(value);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The process's RSS sampled while `work` runs: its highest value, in MB. */
async function peakRssDuring<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 25);
  try {
    const result = await work();
    return { result, peakMb: Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

interface Measured {
  connections: number;
  bare: MeasuredLoad;
  hook: MeasuredLoad;
  hookPeakRssMb: number;
}

async function main() {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  process.env.BENCH_HOOK_SECRET = secret;
  const vendor = await startJsonEchoServer();
  const dir = mkdtempSync(join(tmpdir(), 'staffwire-bench-flow-a-'));
  mkdirSync(join(dir, 'flows'));
  writeFileSync(join(dir, 'flows', 'flow-a.json'), JSON.stringify(flow));
  writeFileSync(
    join(dir, 'staffwire.config.json'),
    JSON.stringify({ dataDir: 'data', flowDirs: ['flows'], connections: { vendor: { connector: 'http', baseUrl: vendor.url } } }),
  );

  const app = await createApp(loadConfig(join(dir, 'staffwire.config.json')), { log: pino({ level: 'silent' }) });
  await app.start();
  const intake = Fastify();
  await intake.register(intakeRoutes, { app });
  await intake.listen({ port: 0, host: '127.0.0.1' });

  const agent = new Agent({ keepAlive: true });
  const people = new URL('/people', vendor.url);
  const bare = Fastify();
  bare.post('/bare', async (request) => {
    const input = request.body as PersonBody;
    const person = { employeeId: input.employee.id, email: input.employee.email.toLowerCase(), team: input.team };
    const answer = await postJson(agent, people, person);
    return { person, vendorStatus: answer.status, vendor: answer.body };
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });

  const floor = new DurableFloor(
    `CREATE TABLE runs (id TEXT PRIMARY KEY, status TEXT NOT NULL, input TEXT NOT NULL, output TEXT) WITHOUT ROWID;
     CREATE TABLE steps (run_id TEXT NOT NULL, step TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (run_id, step)) WITHOUT ROWID;`,
  );
  const insertRun = floor.db.prepare<[string, string]>("INSERT OR IGNORE INTO runs (id, status, input) VALUES (?, 'running', ?)");
  const putStep = floor.db.prepare<[string, string, string]>('INSERT OR REPLACE INTO steps (run_id, step, body) VALUES (?, ?, ?)');
  const finishRun = floor.db.prepare<[string, string]>("UPDATE runs SET status = 'succeeded', output = ? WHERE id = ?");
  const floored = Fastify();
  floored.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  floored.post('/floor', async (request) => {
    const raw = request.body as Buffer;
    verifyStandardWebhook({ headers: request.headers, rawBody: raw }, secret);
    const id = String(request.headers['webhook-id']);
    const text = raw.toString('utf8');
    const input = JSON.parse(text) as PersonBody;
    if (!(await floor.write(() => insertRun.run(id, text).changes === 1))) return { ok: true, outcome: 'duplicate' };
    const person = { employeeId: input.employee.id, email: input.employee.email.toLowerCase(), team: input.team };
    await floor.write(() => putStep.run(id, 'send', JSON.stringify({ status: 'running', with: person })));
    const answer = await postJson(agent, people, person);
    const output = { person, vendorStatus: answer.status, vendor: answer.body };
    await floor.write(() => {
      putStep.run(id, 'send', JSON.stringify({ status: 'succeeded', output: answer }));
      finishRun.run(JSON.stringify(output), id);
    });
    return output;
  });
  await floored.listen({ port: 0, host: '127.0.0.1' });
  const urlOf = (server: typeof bare) => `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;

  const bodies = Array.from({ length: BODIES }, (_, i) => bodyFor(i));
  const json = { 'content-type': 'application/json' };
  const barePlan = (connections: number, durationSeconds: number): LoadPlan => ({
    url: urlOf(bare),
    connections,
    durationSeconds,
    requests: bodies.map((body) => ({ path: '/bare', headers: json, body })),
  });
  let phase = 0;
  const hookPlan = (connections: number, durationSeconds: number): LoadPlan => ({
    url: urlOf(intake),
    connections,
    durationSeconds,
    requests: bodies.map((body) => ({ path: '/hooks/flow-a', headers: json, body })),
    standardWebhooks: { secret, idPrefix: `msg_${phase++}_` },
  });
  const floorPlan = (connections: number, durationSeconds: number): LoadPlan => ({
    ...hookPlan(connections, durationSeconds),
    url: urlOf(floored),
    requests: bodies.map((body) => ({ path: '/floor', headers: json, body })),
  });

  // Both sides answer the same thing: checked once before measuring.
  const sample = await runLoad({ ...hookPlan(1, 1), amount: 1 });
  if (sample.non2xx || sample.errors) throw new Error(`the hook did not answer 2xx: ${JSON.stringify(sample)}`);
  await runLoad(barePlan(10, WARMUP_SECONDS));
  await runLoad(hookPlan(10, WARMUP_SECONDS));

  const measured: Measured[] = [];
  let vendorCallsByHook = 0;
  for (const connections of LEVELS) {
    global.gc?.();
    const bareResult = await runLoad(barePlan(connections, SECONDS));
    global.gc?.();
    const callsBefore = await vendor.calls();
    const { result: hookResult, peakMb } = await peakRssDuring(() => runLoad(hookPlan(connections, SECONDS)));
    await app.runtime.idle();
    vendorCallsByHook += (await vendor.calls()) - callsBefore;
    measured.push({ connections, bare: bareResult, hook: hookResult, hookPeakRssMb: peakMb });
  }

  const runs = await app.store.runsByFlowAndStatus();
  const duplicates = await app.store.listDeliveries({ outcome: ['duplicate'] });
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  // After the hooks, so that its file and server count in none of their memory figures.
  await runLoad(floorPlan(10, WARMUP_SECONDS));
  const floors: MeasuredLoad[] = [];
  for (const connections of LEVELS) floors.push(await runLoad(floorPlan(connections, SECONDS)));

  const pad = (value: string | number, width: number) => String(value).padStart(width);
  console.log(`flow-a bench: signed hook → set 3 fields → http POST to a local JSON server → answer; ${SECONDS} s per level, load from a separate process, node ${process.version}`);
  console.log(
    `  ${pad('conc', 4)} | ${pad('bare runs/s', 11)} ${pad('p50', 5)} ${pad('p99', 5)} ${pad('cpu µs', 7)} | ${pad('hook runs/s', 11)} ${pad('p50', 5)} ${pad('p99', 5)} ${pad('cpu µs', 7)} ${pad('peak RSS', 9)} | ${pad('ratio', 5)} ${pad('cpu ratio', 9)}`,
  );
  for (const m of measured) {
    const ratio = m.hook.perSecond / m.bare.perSecond;
    const trouble = [m.bare, m.hook].some((r) => r.non2xx || r.errors) ? `  (non-2xx bare ${m.bare.non2xx} hook ${m.hook.non2xx}, errors bare ${m.bare.errors} hook ${m.hook.errors})` : '';
    console.log(
      `  ${pad(m.connections, 4)} | ${pad(m.bare.perSecond.toFixed(0), 11)} ${pad(m.bare.p50, 5)} ${pad(m.bare.p99, 5)} ${pad(m.bare.cpuMicrosPerRequest.toFixed(0), 7)} | ` +
        `${pad(m.hook.perSecond.toFixed(0), 11)} ${pad(m.hook.p50, 5)} ${pad(m.hook.p99, 5)} ${pad(m.hook.cpuMicrosPerRequest.toFixed(0), 7)} ${pad(`${m.hookPeakRssMb.toFixed(0)} MB`, 9)} | ` +
        `${pad(ratio.toFixed(2), 5)} ${pad((m.bare.cpuMicrosPerRequest / m.hook.cpuMicrosPerRequest).toFixed(2), 9)}${trouble}`,
    );
  }
  console.log('  (latencies in ms; cpu µs = this process\'s CPU per request; ratio = hook runs/s ÷ bare runs/s at the same concurrency; cpu ratio = bare ÷ hook CPU per request, steadier on a shared machine)');
  console.log('  durable floor by hand (the bare work + run, call start and outcome written, same verifier), measured after the hooks:');
  measured.forEach((m, i) => {
    const f = floors[i]!;
    console.log(
      `  ${pad(m.connections, 4)} | ${pad(f.perSecond.toFixed(0), 11)} ${pad(f.p50, 5)} ${pad(f.p99, 5)} ${pad(f.cpuMicrosPerRequest.toFixed(0), 7)} | floor/bare ${(f.perSecond / m.bare.perSecond).toFixed(2)} (CPU ${(m.bare.cpuMicrosPerRequest / f.cpuMicrosPerRequest).toFixed(2)}), hook/floor ${(m.hook.perSecond / f.perSecond).toFixed(2)}${f.non2xx || f.errors ? `  (non-2xx ${f.non2xx}, errors ${f.errors})` : ''}`,
    );
  });
  const worstRatio = Math.min(...measured.map((m) => m.hook.perSecond / m.bare.perSecond));
  const peakRss = Math.max(...measured.map((m) => m.hookPeakRssMb));
  const byStatus = runs.filter((r) => r.flowId === flow.id).map((r) => `${r.count} ${r.status}`).join(', ');
  console.log(`  runs of flow-a: ${byStatus || 'none'}; vendor calls from the hook: ${vendorCallsByHook} (measured levels); duplicate deliveries: ${duplicates.length}`);
  console.log(`  target ratio ≥ ${TARGET_RATIO.toFixed(2)} at every level: ${worstRatio >= TARGET_RATIO ? 'met' : 'NOT met'} (worst ${worstRatio.toFixed(2)})`);
  console.log(`  target peak RSS ≤ ${TARGET_RSS_MB} MB: ${peakRss <= TARGET_RSS_MB ? 'met' : 'NOT met'} (peak ${peakRss.toFixed(0)} MB while hooks ran; process max ${maxRssMb.toFixed(0)} MB)`);

  await intake.close();
  await floored.close();
  floor.close();
  await bare.close();
  agent.destroy();
  await app.close();
  await vendor.stop();
  rmSync(dir, { recursive: true, force: true });
}

await main();
