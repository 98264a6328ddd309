/**
 * npm run bench:timers — the scheduler firing 100,000 pending one-off schedules from a SQLite
 * store, on the real (system) clock, compared with creating the same runs directly with
 * `engine.prepareRun` + `store.createRun` in a loop, in the same run.
 *
 * Phase 1 (lateness): 100k schedules with moments spread evenly over BENCH_WINDOW_S seconds
 * (default 40: 2,500 due per second, about half what one process fires at most) of wall-clock time; each is timed from its moment to the commit of its run.
 * Phase 2 (capacity): 100k schedules all due at once; how fast the scheduler drains them.
 * RSS is sampled (after gc) before, during and after each phase: the scheduler holds one batch of
 * schedules at a time, so it must stay flat whatever is pending. Runs are created, not executed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { SystemClock } from '../src/clock/system-clock.js';
import { ConnectorRegistry } from '../src/connector-kit/registry.js';
import { Engine } from '../src/engine/engine.js';
import type { FlowDefinition } from '../src/engine/flow-types.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const SCHEDULES = Number(process.env.BENCH_SCHEDULES ?? 100_000);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_S ?? 40) * 1000;

const flow: FlowDefinition = {
  id: 'bench-deactivate',
  version: '1',
  input: { type: 'object', required: ['employmentId'], properties: { employmentId: { type: 'string' } } },
  steps: [{ id: 'done', kind: 'return', output: { deactivated: '${ $input.employmentId }' } }],
};

const log = pino({ level: 'silent' });
const catalog = { get: async (id: string) => (id === flow.id ? flow : undefined), list: () => [{ definition: flow }] };

function rssMb(): number {
  global.gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function open(dir: string, name: string) {
  const store = new SqliteStore(join(dir, name));
  const clock = new SystemClock();
  const engine = new Engine({ store, connectors: new ConnectorRegistry(), flows: catalog, log, clock });
  return { store, clock, engine, compiled: engine.compile(flow) };
}

/** Puts `count` schedules, the i-th at `momentOf(i)`; returns how long it took. */
async function putSchedules(store: SqliteStore, prefix: string, count: number, momentOf: (i: number) => number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    await store.putSchedule({
      key: `${prefix}:${i}`,
      flowId: flow.id,
      input: { employmentId: `E${i}` },
      fireAt: new Date(momentOf(i)).toISOString(),
      createdBy: 'bench',
      at: new Date().toISOString(),
    });
  }
  return performance.now() - t0;
}

/**
 * Runs a scheduler until nothing is pending, recording for each fired schedule how late its run
 * was committed (wall clock) relative to its moment, and RSS once a second.
 */
async function fireAll(store: SqliteStore, engine: Engine, clock: SystemClock, momentOfKey: (key: string) => number) {
  const lateness = new Float64Array(SCHEDULES);
  let fired = 0;
  let first = 0;
  let last = 0;
  const fireSchedules = store.fireSchedules.bind(store);
  store.fireSchedules = async (firings) => {
    const outcomes = await fireSchedules(firings);
    const now = Date.now();
    for (const [i, outcome] of outcomes.entries()) {
      if (!outcome.fired) continue;
      if (fired === 0) first = performance.now();
      last = performance.now();
      lateness[fired++] = now - momentOfKey(firings[i]!.key);
    }
    return outcomes;
  };
  const scheduler = new Scheduler({ store, engine, flows: catalog, clock, log });
  const rss: number[] = [];
  await scheduler.start();
  while ((await store.pendingSchedules()) > 0) {
    await sleep(1000);
    rss.push(rssMb());
  }
  await scheduler.stop();
  store.fireSchedules = fireSchedules;
  const sorted = lateness.slice(0, fired).sort();
  return { fired, sorted, seconds: (last - first) / 1000, rss };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'staffwire-timers-bench-'));

  // Baseline: the same runs created directly, one transaction each.
  const base = open(dir, 'baseline.db');
  const baseT0 = performance.now();
  for (let i = 0; i < SCHEDULES; i++) {
    await base.store.createRun(await base.engine.prepareRun(base.compiled, { employmentId: `E${i}` }, { runId: `run_base_${i}`, actor: 'bench' }));
  }
  const baselineSeconds = (performance.now() - baseT0) / 1000;
  await base.store.close();

  // Phase 1: moments spread over the window, starting once every schedule is in the store.
  const spread = open(dir, 'spread.db');
  const probe = await putSchedules(spread.store, 'probe', 1000, () => Date.now() + 3_600_000);
  for (let i = 0; i < 1000; i++) await spread.store.cancelSchedule(`probe:${i}`, new Date().toISOString());
  const start = Date.now() + 2 * probe * (SCHEDULES / 1000) + 2000;
  const momentOf = (i: number) => start + Math.floor((i * WINDOW_MS) / SCHEDULES);
  const putMs = await putSchedules(spread.store, 'spread', SCHEDULES, momentOf);
  const rssBeforeSpread = rssMb();
  const spreadResult = await fireAll(spread.store, spread.engine, spread.clock, (key) => momentOf(Number(key.slice('spread:'.length))));
  const rssAfterSpread = rssMb();
  await spread.store.close();

  // Phase 2: all due at once.
  const burst = open(dir, 'burst.db');
  const past = Date.now() - 60_000;
  await putSchedules(burst.store, 'burst', SCHEDULES, (i) => past + i);
  const rssBeforeBurst = rssMb();
  const burstResult = await fireAll(burst.store, burst.engine, burst.clock, (key) => past + Number(key.slice('burst:'.length)));
  const rssAfterBurst = rssMb();
  await burst.store.close();

  const baselineRate = SCHEDULES / baselineSeconds;
  const burstRate = burstResult.fired / burstResult.seconds;
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  console.log(`timers bench: ${SCHEDULES} pending one-off schedules, SQLite WAL (synchronous NORMAL), system clock, node ${process.version}`);
  console.log(`  put ${SCHEDULES} schedules: ${(SCHEDULES / (putMs / 1000)).toFixed(0)} schedules/s`);
  console.log(
    `  spread over ${WINDOW_MS / 1000} s (${(SCHEDULES / (WINDOW_MS / 1000)).toFixed(0)} due/s): fired ${spreadResult.fired}, lateness p50 ${ms(percentile(spreadResult.sorted, 50))}  p99 ${ms(percentile(spreadResult.sorted, 99))}  max ${ms(spreadResult.sorted.at(-1) ?? 0)}  (target p99 ≤ 1000 ms)`,
  );
  console.log(`  all due at once: fired ${burstResult.fired} in ${burstResult.seconds.toFixed(1)} s = ${burstRate.toFixed(0)} runs/s`);
  console.log(`  baseline prepareRun + createRun in a loop: ${baselineRate.toFixed(0)} runs/s   ratio scheduler/baseline ${(burstRate / baselineRate).toFixed(2)}`);
  console.log(`  RSS after gc (MB), spread: before ${rssBeforeSpread.toFixed(0)}  during ${spreadResult.rss.map((r) => r.toFixed(0)).join(' ')}  after ${rssAfterSpread.toFixed(0)}`);
  console.log(`  RSS after gc (MB), burst:  before ${rssBeforeBurst.toFixed(0)}  during ${burstResult.rss.map((r) => r.toFixed(0)).join(' ')}  after ${rssAfterBurst.toFixed(0)}  (peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`);
  rmSync(dir, { recursive: true, force: true });
}

await main();
