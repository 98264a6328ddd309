/**
 * npm run bench:engine — the embedded engine on a representative 6-step flow against a local
 * no-op HTTP server, compared with a plain async function doing the same work in the same run.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { discoverConnectors } from '../src/connector-kit/registry.js';
import { HttpClient } from '../src/connector-kit/http-client.js';
import { Engine } from '../src/engine/engine.js';
import { EmbeddedRuntime } from '../src/runtime/embedded-runtime.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { countWrites, inputFor, plainFunction, sixStepFlow, startNoopServer, STEPS_PER_RUN } from './support/six-step-flow.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const WARMUP = 500;
const CONCURRENCY = 16;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function rssMb(): number {
  global.gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
}

async function main() {
  const server = await startNoopServer();
  const baseUrl = server.baseUrl;
  const dir = mkdtempSync(join(tmpdir(), 'staffwire-bench-'));
  const store = new SqliteStore(join(dir, 'bench.db'));
  const engine = new Engine({
    store,
    connectors: await discoverConnectors(),
    connections: { noop: { connector: 'http', baseUrl } },
    log: pino({ level: 'silent' }),
  });
  const compiled = engine.compile(sixStepFlow);
  const client = new HttpClient({ baseUrl });

  const timeEngineRun = async (i: number) => {
    const t0 = performance.now();
    const done = await engine.runNow(compiled, inputFor(i));
    if (done.status !== 'succeeded') throw new Error(`bench run failed: ${JSON.stringify(done.error)}`);
    return performance.now() - t0;
  };
  const timePlain = async (i: number) => {
    const t0 = performance.now();
    await plainFunction(client, inputFor(i));
    return performance.now() - t0;
  };

  for (let i = 0; i < WARMUP; i++) {
    await timePlain(i);
    await timeEngineRun(i);
  }

  // What one run writes: transactions (every write method of the store is one) and WAL pages.
  const writes = countWrites(store);
  const wal = join(dir, 'bench.db-wal');
  const measureDb = new Database(join(dir, 'bench.db'));
  measureDb.pragma('wal_checkpoint(TRUNCATE)');
  writes.reset();
  const MEASURED = 200;
  for (let i = 0; i < MEASURED; i++) await timeEngineRun(i);
  const commitsPerRun = writes.count / MEASURED;
  const walPagesPerRun = (statSync(wal).size - 32) / (24 + (measureDb.pragma('page_size', { simple: true }) as number)) / MEASURED;
  measureDb.close();

  // Sequential, interleaved in blocks, so both see the same machine conditions.
  const plain: number[] = [];
  const engined: number[] = [];
  const rss: number[] = [rssMb()];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await timePlain(i));
    engined.push(await timeEngineRun(i));
    if ((i + 1) % 1000 === 0) rss.push(rssMb());
  }
  plain.sort((a, b) => a - b);
  engined.sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  // Throughput through the embedded runtime with its concurrency limit.
  const runtime = new EmbeddedRuntime(engine, { concurrency: CONCURRENCY, log: pino({ level: 'silent' }) });
  const started = await Promise.all(Array.from({ length: RUNS }, (_, i) => engine.startRun(compiled, inputFor(i))));
  const t0 = performance.now();
  const results = await Promise.all(started.map((run) => runtime.submit(run.id)));
  const throughputSeconds = (performance.now() - t0) / 1000;
  if (results.some((r) => r.status !== 'succeeded')) throw new Error('a throughput run failed');
  const plainT0 = performance.now();
  for (let batch = 0; batch < RUNS; batch += CONCURRENCY) {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, RUNS - batch) }, (_, k) => plainFunction(client, inputFor(batch + k))));
  }
  const plainThroughputSeconds = (performance.now() - plainT0) / 1000;
  rss.push(rssMb());

  const overheadUs = ((mean(engined) - mean(plain)) * 1000) / STEPS_PER_RUN;
  const perStepPlainUs = (mean(plain) * 1000) / STEPS_PER_RUN;
  console.log(`engine bench: ${RUNS} runs of a 6-step flow (${STEPS_PER_RUN} checkpointed steps per run), SQLite WAL, node ${process.version}`);
  console.log(`  sequential run latency   engine p50 ${percentile(engined, 50).toFixed(3)} ms  p99 ${percentile(engined, 99).toFixed(3)} ms   plain p50 ${percentile(plain, 50).toFixed(3)} ms  p99 ${percentile(plain, 99).toFixed(3)} ms`);
  console.log(`  engine overhead per step ${overheadUs.toFixed(1)} µs (target ≤ 50 µs), ratio engine/plain run time ${(mean(engined) / mean(plain)).toFixed(2)}x (plain: ${perStepPlainUs.toFixed(1)} µs per step-equivalent)`);
  console.log(`  throughput (concurrency ${CONCURRENCY})  engine ${(RUNS / throughputSeconds).toFixed(0)} runs/s   plain ${(RUNS / plainThroughputSeconds).toFixed(0)} runs/s   ratio ${(plainThroughputSeconds / throughputSeconds).toFixed(2)}`);
  console.log(`  writes per run: ${commitsPerRun} commits, ${walPagesPerRun.toFixed(1)} WAL pages (${((walPagesPerRun * 4096) / 1024).toFixed(0)} KB)`);
  console.log(`  RSS after gc (MB) every 1000 runs: ${rss.map((r) => r.toFixed(0)).join(' ')}  (peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`);

  await runtime.stop();
  await store.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
