/**
 * npm run bench:queue — queue mode's throughput: runs/s of a 3-step flow (three HTTP calls to a
 * local no-op server) through PostgreSQL + BullMQ with 1 and 2 workers (concurrency 16 each),
 * against raw BullMQ no-op jobs on the same Redis in the same run; p50/p99 from enqueue to
 * finish. Between the two, the durable floor: the same calls by hand with only the writes a
 * durable run must make (support/queue-floor.ts), so the ratio can be read against what any
 * durable implementation reaches here. Workers are in this process (2 cores: separate processes
 * would share them the same way).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { pino } from 'pino';
import { createApp, type App, type ProcessRole } from '../src/app/create-app.js';
import { loadConfig } from '../src/config/config.js';
import type { FlowDefinition } from '../src/engine/flow-types.js';
import { bullmqWorkers } from './support/bullmq-workers.js';
import { queueFloor } from './support/queue-floor.js';
import { startNoopServer } from './support/six-step-flow.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 2000);
const CONCURRENCY = 16;
const ARRIVING_AT_ONCE = 50;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.STAFFWIRE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const FLOW: FlowDefinition = {
  id: 'three-calls',
  version: '1',
  steps: ['one', 'two', 'three'].map((id) => ({ id, kind: 'call' as const, action: 'http.request', connection: 'noop', with: { method: 'POST', url: `/${id}` } })),
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Raw BullMQ: RUNS no-op jobs through `workers` workers of CONCURRENCY, added as fast as Redis takes them. */
async function rawBullmq(workers: number, prefix: string): Promise<number> {
  const raw = bullmqWorkers({ name: 'raw', redisUrl: REDIS_URL, prefix, workers, concurrency: CONCURRENCY, jobs: RUNS }, async () => {});
  const started = performance.now();
  try {
    await raw.queue.addBulk(Array.from({ length: RUNS }, (_, i) => ({ name: 'noop', data: { i }, opts: { removeOnComplete: true } })));
    await raw.finished;
    return RUNS / ((performance.now() - started) / 1000);
  } finally {
    await raw.close();
  }
}

async function staffwire(workers: number, configFile: string): Promise<{ perSecond: number; p50: number; p99: number }> {
  const boot = async (role: ProcessRole) => {
    const app = await createApp(loadConfig(configFile, {}), { log: pino({ level: 'silent' }), role, workerConcurrency: CONCURRENCY });
    await app.start();
    return app;
  };
  const serve = await boot('serve');
  const apps: App[] = [serve];
  for (let i = 0; i < workers; i++) apps.push(await boot('worker'));
  const flow = serve.engine.compile(FLOW);
  const started = performance.now();
  // Runs arrive as concurrent API calls and webhooks would bring them: 50 at a time, each batch
  // enqueued as soon as it is committed.
  for (let i = 0; i < RUNS; i += ARRIVING_AT_ONCE) {
    await Promise.all(Array.from({ length: Math.min(ARRIVING_AT_ONCE, RUNS - i) }, () => serve.engine.startRun(flow, {})));
    void serve.runtime.poll();
  }
  await serve.runtime.poll();
  // Counted, not listed, while they run: reading every finished run on each look would load the
  // database more as more finish.
  const succeeded = async () => (await serve.store.runsByFlowAndStatus()).find((c) => c.flowId === FLOW.id && c.status === 'succeeded')?.count ?? 0;
  while ((await succeeded()) < RUNS) await new Promise((resolve) => setTimeout(resolve, 50));
  const seconds = (performance.now() - started) / 1000;
  const latencies = (await serve.store.listRuns({ flowId: FLOW.id, status: ['succeeded'], limit: RUNS }))
    .map((run) => Date.parse(run.finishedAt!) - Date.parse(run.createdAt))
    .sort((a, b) => a - b);
  for (const app of apps.reverse()) await app.close();
  return { perSecond: RUNS / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main() {
  const server = await startNoopServer();
  const dir = mkdtempSync(join(tmpdir(), 'staffwire-bench-queue-'));
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const results: string[] = [];
  try {
    for (const workers of [1, 2]) {
      const tag = `${process.pid}_${workers}`;
      const schema = `bench_queue_${tag}`;
      const prefix = `bench-queue-${tag}`;
      const flows = join(dir, `flows-${workers}`);
      mkdirSync(flows);
      writeFileSync(join(flows, 'three-calls.json'), JSON.stringify(FLOW));
      const configFile = join(dir, `config-${workers}.json`);
      writeFileSync(configFile, JSON.stringify({
        dataDir: dir,
        flowDirs: [flows],
        connections: { noop: { connector: 'http', baseUrl: server.baseUrl } },
        store: { url: DATABASE_URL, schema },
        queue: { redisUrl: REDIS_URL, prefix },
      }));
      try {
        const raw = await rawBullmq(workers, `${prefix}-raw`);
        const floorOf = (persist: boolean) => queueFloor({
          persist,
          runs: RUNS,
          workers,
          concurrency: CONCURRENCY,
          arrivingAtOnce: ARRIVING_AT_ONCE,
          redisUrl: REDIS_URL,
          prefix: `${prefix}-floor`,
          databaseUrl: DATABASE_URL,
          schema: `${schema}_floor`,
          baseUrl: server.baseUrl,
          calls: FLOW.steps.map((step) => step.id),
        });
        const unstored = await floorOf(false);
        const floor = await floorOf(true);
        const ours = await staffwire(workers, configFile);
        results.push(
          `  ${workers} worker${workers > 1 ? 's' : ' '}  raw BullMQ no-op ${raw.toFixed(0)} jobs/s   calls alone ${unstored.toFixed(0)} runs/s (${(unstored / raw).toFixed(3)})   durable floor ${floor.toFixed(0)} runs/s   staffwire ${ours.perSecond.toFixed(0)} runs/s  ` +
            `ratio ${(ours.perSecond / raw).toFixed(3)}   floor/raw ${(floor / raw).toFixed(3)}   staffwire/floor ${(ours.perSecond / floor).toFixed(2)}   ` +
            `enqueue→finish p50 ${ours.p50.toFixed(0)} ms  p99 ${ours.p99.toFixed(0)} ms`,
        );
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    }
  } finally {
    await admin.end();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`queue bench: ${RUNS} runs of a 3-call flow, PostgreSQL store + BullMQ, workers of concurrency ${CONCURRENCY}, node ${process.version}`);
  for (const line of results) console.log(line);
  console.log('  calls alone: the three calls through BullMQ, nothing stored; durable floor: the same plus the run and each outcome committed (support/queue-floor.ts)');
  console.log('  target: ≥ 0.25 of raw BullMQ with 2 workers');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
