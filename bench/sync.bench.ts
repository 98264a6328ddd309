/**
 * npm run bench:sync — 100k CoreHR employees → a Bitable table through the sandbox with the
 * `sync` step: records/s, peak RSS, and vendor calls against the fewest possible (reads =
 * ⌈records / page size⌉, writes = ⌈records / batch size⌉); then an incremental rerun with 1 % of
 * the employees changed, which must write only those. Against the same flow written by hand
 * (bench/support/hand-sync.ts), in this run: a plain loop that pages through the same search and
 * writes the same batches with fetch and no bookkeeping, the same loop reading ahead as the step
 * does, and a durable floor, the least bookkeeping a resumable sync needs, with its SQLite commits
 * on the event loop and on a worker thread. The
 * sandbox runs in its own process with its rate limits off: this measures Staffwire, not Lark's
 * quota (at Lark, employees/search allows 100 calls a minute, ≈ 10k records a minute).
 *
 * BENCH_EMPLOYEES (default 100000), BENCH_BATCH (default 1000, Bitable's documented maximum).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { discoverConnectors } from '../src/connector-kit/registry.js';
import { Engine } from '../src/engine/engine.js';
import type { FlowDefinition } from '../src/engine/flow-types.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../src/sandbox/sandbox-server.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { APP, handSync, lark, SEARCH, SEARCH_FIELDS } from './support/hand-sync.js';
import { startSandboxProcess, type RequestCounts } from './support/sandbox-process.js';

const EMPLOYEES = Number(process.env.BENCH_EMPLOYEES ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const PAGE = 100;
const CHANGED = Math.ceil(EMPLOYEES / 100);
const TARGET_RECORDS_PER_SECOND = 20_000;
const TARGET_RSS_MB = 300;
const TARGET_CALL_OVERHEAD = 0.05;
const FIELDS = [
  ['Employment ID', 1],
  ['Name', 1],
  ['Email', 1],
  ['Department', 1],
  ['Manager employment ID', 1],
  ['Status', 3],
] as const;

const flow = (tableId: string): FlowDefinition => ({
  id: 'bench-sync',
  version: '1',
  steps: [
    {
      id: 'employees',
      kind: 'sync',
      source: { action: 'lark-corehr.employee.search', connection: 'lark', with: { page_size: PAGE, fields: SEARCH_FIELDS } },
      key: '${ $record.employment_id }',
      map: {
        'Employment ID': '${ $record.employment_id }',
        Name: '${ $record.person_info.preferred_name }',
        Email: '${ $record.email_address }',
        Department: '${ $record.department_id }',
        'Manager employment ID': '${ $record.direct_manager_id }',
        Status: '${ $record.employment_status.enum_name }',
      },
      destination: { to: 'lark-bitable.records', connection: 'lark', with: { app_token: APP, table_id: tableId }, batchSize: BATCH },
    },
  ],
});

function diff(after: RequestCounts, before: RequestCounts, match: (path: string) => boolean): number {
  return Object.entries(after)
    .filter(([path]) => match(path))
    .reduce((sum, [path, n]) => sum + n - (before[path] ?? 0), 0);
}

/** Peak RSS of this process while `work` runs, sampled every 20 ms, and the CPU time it took. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number; seconds: number; cpuMs: number }> {
  let peak = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const started = process.hrtime.bigint();
  try {
    const result = await work();
    const used = process.cpuUsage(cpu);
    return {
      result,
      peakMb: Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      cpuMs: (used.user + used.system) / 1000,
    };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  console.log(`sync bench: ${EMPLOYEES.toLocaleString('en')} CoreHR employees → a Bitable table, pages of ${PAGE}, batches of ${BATCH}; sandbox in its own process, rate limits off; node ${process.version}`);
  const sandbox = await startSandboxProcess(EMPLOYEES);
  const dir = mkdtempSync(join(tmpdir(), 'staffwire-bench-sync-'));
  const store = new SqliteStore(join(dir, 'staffwire.db'));
  try {
    const { appId, appSecret } = DEFAULT_SANDBOX_CREDENTIALS.lark;
    const { tenant_access_token: token } = await lark<{ tenant_access_token: string }>(sandbox, undefined, '/open-apis/auth/v3/tenant_access_token/internal', { app_id: appId, app_secret: appSecret });
    const newTable = async (name: string) =>
      (await lark<{ table_id: string }>(sandbox, token, `/open-apis/bitable/v1/apps/${APP}/tables`, { table: { name, fields: FIELDS.map(([field_name, type]) => ({ field_name, type })) } })).table_id;
    const syncTable = await newTable('Sync step');

    const engine = new Engine({
      store,
      connectors: await discoverConnectors(),
      connections: { lark: { connector: 'lark-corehr', baseUrl: sandbox.url, appId, appSecret } },
      log: pino({ level: 'silent' }),
    });
    const compiled = engine.compile(flow(syncTable));

    const busy = (cpuMs: number, seconds: number) => `${Math.round(cpuMs / 10 / seconds)} %`.padStart(5);
    const row = (name: string, measured: { seconds: number; peakMb: number; cpuMs: number }, rate: number, r: number, w: number, sandboxCpuMs: number) =>
      console.log(
        `  ${name.padEnd(26)} ${measured.seconds.toFixed(2).padStart(7)} s ${Math.round(rate).toLocaleString('en').padStart(9)} records/s  peak RSS ${measured.peakMb.toFixed(0).padStart(4)} MB  reads ${String(r).padStart(5)}  writes ${String(w).padStart(4)}  busy: this process ${busy(measured.cpuMs, measured.seconds)}, sandbox ${busy(sandboxCpuMs, measured.seconds)}`,
      );
    const cpu = (after: RequestCounts, before: RequestCounts) => (after.cpuMs ?? 0) - (before.cpuMs ?? 0);
    const isRead = (p: string) => p === SEARCH;
    const isWrite = (p: string) => p.includes('/records/batch_');
    const hand: { name: string; rate: number; line: () => void }[] = [];
    for (const [how, name] of [['plain', 'plain loop (baseline)'], ['pipelined', 'plain loop, pipelined'], ['durable', 'durable floor'], ['threaded', 'durable floor, threaded']] as const) {
      const handTable = await newTable(name);
      const before = await sandbox.counts();
      const run = await measured(() => handSync(how, sandbox, token, handTable, BATCH, PAGE));
      const after = await sandbox.counts();
      const rate = run.result / run.seconds;
      hand.push({ name, rate, line: () => row(name, run, rate, diff(after, before, isRead), diff(after, before, isWrite), cpu(after, before)) });
    }
    const afterHand = await sandbox.counts();

    const full = await measured(() => engine.runNow(compiled, {}));
    const afterFull = await sandbox.counts();
    if (full.result.status !== 'succeeded') throw new Error(`the sync run ${full.result.status}: ${JSON.stringify(full.result.error)}`);
    const table = await sandbox.tableRecords(APP, syncTable, 'Employment ID');

    await sandbox.changeEmployees(CHANGED);
    const beforeRerun = await sandbox.counts();
    const rerun = await measured(() => engine.runNow(compiled, {}));
    const afterRerun = await sandbox.counts();
    const rerunOutput = rerun.result.output as { updated: number; created: number; unchanged: number };

    const minReads = Math.ceil(EMPLOYEES / PAGE) ;
    const minWrites = Math.ceil(EMPLOYEES / BATCH);
    const reads = diff(afterFull, afterHand, isRead);
    const writes = diff(afterFull, afterHand, isWrite);
    const rerunWrites = diff(afterRerun, beforeRerun, isWrite);
    const rerunReads = diff(afterRerun, beforeRerun, isRead);
    const fullRate = EMPLOYEES / full.seconds;
    const rerunRate = EMPLOYEES / rerun.seconds;
    const calls = reads + writes;
    const overhead = calls / (minReads + minWrites) - 1;
    for (const h of hand) h.line();
    row('sync step, first run', full, fullRate, reads, writes, cpu(afterFull, afterHand));
    row(`sync step, ${CHANGED.toLocaleString('en')} changed`, rerun, rerunRate, rerunReads, rerunWrites, cpu(afterRerun, beforeRerun));
    console.log(`  ratio of the sync step's first run to: ${hand.map((h) => `${h.name} ${(fullRate / h.rate).toFixed(2)}`).join(', ')}`);
    console.log(`  table after the first run: ${table.records.toLocaleString('en')} records, ${table.distinct.toLocaleString('en')} distinct employees`);
    console.log(`  rerun: ${rerunOutput.updated} updated, ${rerunOutput.created} created, ${rerunOutput.unchanged.toLocaleString('en')} unchanged`);
    console.log(`  target ≥ ${TARGET_RECORDS_PER_SECOND.toLocaleString('en')} records/s: ${fullRate >= TARGET_RECORDS_PER_SECOND ? 'met' : 'NOT met'} (${Math.round(fullRate).toLocaleString('en')})`);
    const peak = Math.max(full.peakMb, rerun.peakMb);
    console.log(`  target peak RSS ≤ ${TARGET_RSS_MB} MB: ${peak <= TARGET_RSS_MB ? 'met' : 'NOT met'} (${peak.toFixed(0)} MB)`);
    console.log(`  target calls ≤ minimum + 5 %: ${overhead <= TARGET_CALL_OVERHEAD ? 'met' : 'NOT met'} (${calls} calls, minimum ${minReads + minWrites}: ${minReads} reads + ${minWrites} writes)`);
    const onlyChanged = rerunOutput.updated === CHANGED && rerunOutput.created === 0 && rerunWrites === Math.ceil(CHANGED / BATCH);
    console.log(`  target rerun writes only changed records: ${onlyChanged ? 'met' : 'NOT met'} (${rerunOutput.updated} of ${CHANGED} changed written in ${rerunWrites} calls)`);
    if (table.records !== EMPLOYEES || table.distinct !== EMPLOYEES) throw new Error('the table does not hold each employee exactly once');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await sandbox.stop();
  }
}

await main();
