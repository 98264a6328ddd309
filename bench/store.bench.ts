/**
 * npm run bench:store — the engine benchmark's flow on the PostgreSQL store and on the SQLite
 * store in the same run: sequential run latency and per-step overhead (against a plain function
 * doing the same work), throughput through the embedded runtime, and commits per run. Prints the
 * ratios PostgreSQL/SQLite. PostgreSQL is STAFFWIRE_DATABASE_URL (default the local server); the
 * bench works in a schema of its own and drops it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { pino } from 'pino';
import { discoverConnectors } from '../src/connector-kit/registry.js';
import { HttpClient } from '../src/connector-kit/http-client.js';
import { Engine } from '../src/engine/engine.js';
import { EmbeddedRuntime } from '../src/runtime/embedded-runtime.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { countWrites, inputFor, plainFunction, sixStepFlow, startNoopServer, STEPS_PER_RUN } from './support/six-step-flow.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 2_000);
const WARMUP = 200;
const MEASURED = 200;
const CONCURRENCY = 16;
const DATABASE_URL = process.env.STAFFWIRE_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

interface Figures {
  meanRunMs: number;
  p99RunMs: number;
  overheadPerStepUs: number;
  runsPerSecond: number;
  commitsPerRun: number;
}

/** A store of one kind on fresh data, and how to remove that data after. */
interface BenchStore {
  name: string;
  store: Store;
  remove(): Promise<void>;
}

async function sqliteStore(): Promise<BenchStore> {
  const dir = mkdtempSync(join(tmpdir(), 'staffwire-bench-store-'));
  return { name: 'SQLite', store: new SqliteStore(join(dir, 'bench.db')), remove: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function postgresStore(): Promise<BenchStore> {
  const schema = `sw_bench_${randomBytes(4).toString('hex')}`;
  return {
    name: 'PostgreSQL',
    store: await PostgresStore.open({ url: DATABASE_URL, schema }),
    async remove() {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function measure(bench: BenchStore, baseUrl: string, plainMeanMs: number): Promise<Figures> {
  const log = pino({ level: 'silent' });
  const engine = new Engine({ store: bench.store, connectors: await discoverConnectors(), connections: { noop: { connector: 'http', baseUrl } }, log });
  const compiled = engine.compile(sixStepFlow);
  const timeRun = async (i: number) => {
    const t0 = performance.now();
    const done = await engine.runNow(compiled, inputFor(i));
    if (done.status !== 'succeeded') throw new Error(`bench run on ${bench.name} failed: ${JSON.stringify(done.error)}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < WARMUP; i++) await timeRun(i);

  const writes = countWrites(bench.store);
  writes.reset();
  for (let i = 0; i < MEASURED; i++) await timeRun(i);
  const commitsPerRun = writes.count / MEASURED;

  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timeRun(i));
  times.sort((a, b) => a - b);

  const runtime = new EmbeddedRuntime(engine, { concurrency: CONCURRENCY, log });
  const started = await Promise.all(Array.from({ length: RUNS }, (_, i) => engine.startRun(compiled, inputFor(i))));
  const t0 = performance.now();
  const results = await Promise.all(started.map((run) => runtime.submit(run.id)));
  const seconds = (performance.now() - t0) / 1000;
  const failed = results.find((r) => r.status !== 'succeeded');
  if (failed) throw new Error(`a throughput run on ${bench.name} ended ${failed.status}: ${JSON.stringify(failed.error ?? failed.waitingFor)}`);
  await runtime.stop();

  const meanRunMs = mean(times);
  return {
    meanRunMs,
    p99RunMs: times[Math.min(times.length - 1, Math.floor(0.99 * times.length))]!,
    overheadPerStepUs: ((meanRunMs - plainMeanMs) * 1000) / STEPS_PER_RUN,
    runsPerSecond: RUNS / seconds,
    commitsPerRun,
  };
}

async function main() {
  const server = await startNoopServer();
  const client = new HttpClient({ baseUrl: server.baseUrl });
  const plain: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const t0 = performance.now();
    await plainFunction(client, inputFor(i));
    if (i >= WARMUP) plain.push(performance.now() - t0);
  }
  const plainMeanMs = mean(plain);

  const figures = new Map<string, Figures>();
  for (const open of [sqliteStore, postgresStore]) {
    const bench = await open();
    try {
      figures.set(bench.name, await measure(bench, server.baseUrl, plainMeanMs));
    } finally {
      await bench.store.close();
      await bench.remove();
    }
  }
  server.close();

  const sqlite = figures.get('SQLite')!;
  const postgres = figures.get('PostgreSQL')!;
  const row = (name: string, f: Figures) =>
    `  ${name.padEnd(10)}  run ${f.meanRunMs.toFixed(3)} ms (p99 ${f.p99RunMs.toFixed(3)})  overhead ${f.overheadPerStepUs.toFixed(1)} µs/step  ${f.runsPerSecond.toFixed(0)} runs/s  ${f.commitsPerRun} commits/run`;
  console.log(`store bench: ${RUNS} runs of a 6-step flow (${STEPS_PER_RUN} checkpointed steps per run), concurrency ${CONCURRENCY} for throughput, node ${process.version}`);
  console.log(`  plain function  ${plainMeanMs.toFixed(3)} ms per run`);
  console.log(row('SQLite', sqlite));
  console.log(row('PostgreSQL', postgres));
  console.log(
    `  ratio PostgreSQL/SQLite  run time ${(postgres.meanRunMs / sqlite.meanRunMs).toFixed(2)}x  overhead per step ${(postgres.overheadPerStepUs / sqlite.overheadPerStepUs).toFixed(2)}x  runs/s ${(postgres.runsPerSecond / sqlite.runsPerSecond).toFixed(2)}x  commits ${(postgres.commitsPerRun / sqlite.commitsPerRun).toFixed(2)}x`,
  );
}

await main();
