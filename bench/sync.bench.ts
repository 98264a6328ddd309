/**
 * npm run bench:sync — 100k CoreHR employees → a Bitable table through the sandbox with the
 * `sync` step: records/s, peak RSS, and vendor calls against the fewest possible (reads =
 * ⌈records / page size⌉, writes = ⌈records / batch size⌉); then an incremental rerun with 1 % of
 * the employees changed, which must write only those. Against a plain loop that pages through
 * the same search and writes the same batches with fetch and no bookkeeping, in this run. The
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
import { startSandboxProcess, type RequestCounts, type SandboxProcess } from './support/sandbox-process.js';

const EMPLOYEES = Number(process.env.BENCH_EMPLOYEES ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const PAGE = 100;
const CHANGED = Math.ceil(EMPLOYEES / 100);
const TARGET_RECORDS_PER_SECOND = 20_000;
const TARGET_RSS_MB = 300;
const TARGET_CALL_OVERHEAD = 0.05;
const APP = 'bascnStaffwireSandbox';
const SEARCH = '/open-apis/corehr/v2/employees/search';
/** What both sides ask the search for: the fields the flow maps (Lark returns only employment_id otherwise). */
const SEARCH_FIELDS = ['person_info.preferred_name', 'email_address', 'department_id', 'direct_manager_id', 'employment_status'];
const FIELDS = [
  ['Employment ID', 1],
  ['Name', 1],
  ['Email', 1],
  ['Department', 1],
  ['Manager employment ID', 1],
  ['Status', 3],
] as const;

interface Employee {
  employment_id: string;
  email_address?: string;
  department_id?: string;
  direct_manager_id?: string;
  employment_status?: { enum_name?: string };
  person_info?: { preferred_name?: string };
}

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

/** What the plain loop writes for an employee: the same fields the flow maps. */
function fieldsOf(e: Employee): Record<string, unknown> {
  const fields: Record<string, unknown> = { 'Employment ID': e.employment_id };
  if (e.person_info?.preferred_name !== undefined) fields.Name = e.person_info.preferred_name;
  if (e.email_address !== undefined) fields.Email = e.email_address;
  if (e.department_id !== undefined) fields.Department = e.department_id;
  if (e.direct_manager_id !== undefined) fields['Manager employment ID'] = e.direct_manager_id;
  if (e.employment_status?.enum_name !== undefined) fields.Status = e.employment_status.enum_name;
  return fields;
}

async function lark<T>(sandbox: SandboxProcess, token: string | undefined, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { code: number; msg: string; data: T; tenant_access_token?: string };
  if (answer.code !== 0) throw new Error(`${path}: ${answer.code} ${answer.msg}`);
  return (answer.data ?? answer) as T;
}

/** The baseline: page through the search and write batches of the same fields, nothing else. */
async function plainLoop(sandbox: SandboxProcess, token: string, tableId: string): Promise<number> {
  let pageToken: string | undefined;
  let batch: { fields: Record<string, unknown> }[] = [];
  let written = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await lark(sandbox, token, `/open-apis/bitable/v1/apps/${APP}/tables/${tableId}/records/batch_create`, { records: batch });
    written += batch.length;
    batch = [];
  };
  do {
    const page = await lark<{ items: Employee[]; has_more: boolean; page_token?: string }>(
      sandbox,
      token,
      `${SEARCH}?page_size=${PAGE}${pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : ''}`,
      { fields: SEARCH_FIELDS },
    );
    for (const employee of page.items) batch.push({ fields: fieldsOf(employee) });
    if (batch.length >= BATCH) await flush();
    pageToken = page.has_more ? page.page_token : undefined;
  } while (pageToken);
  await flush();
  return written;
}

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
    const plainTable = await newTable('Plain loop');
    const syncTable = await newTable('Sync step');

    const engine = new Engine({
      store,
      connectors: await discoverConnectors(),
      connections: { lark: { connector: 'lark-corehr', baseUrl: sandbox.url, appId, appSecret } },
      log: pino({ level: 'silent' }),
    });
    const compiled = engine.compile(flow(syncTable));

    const beforePlain = await sandbox.counts();
    const plain = await measured(() => plainLoop(sandbox, token, plainTable));
    const afterPlain = await sandbox.counts();

    const full = await measured(() => engine.runNow(compiled, {}));
    const afterFull = await sandbox.counts();
    if (full.result.status !== 'succeeded') throw new Error(`the sync run ${full.result.status}: ${JSON.stringify(full.result.error)}`);
    const table = await sandbox.tableRecords(APP, syncTable, 'Employment ID');

    await sandbox.changeEmployees(CHANGED);
    const beforeRerun = await sandbox.counts();
    const rerun = await measured(() => engine.runNow(compiled, {}));
    const afterRerun = await sandbox.counts();
    const rerunOutput = rerun.result.output as { updated: number; created: number; unchanged: number };

    const isRead = (p: string) => p === SEARCH;
    const isWrite = (p: string) => p.includes('/records/batch_');
    const minReads = Math.ceil(EMPLOYEES / PAGE) ;
    const minWrites = Math.ceil(EMPLOYEES / BATCH);
    const reads = diff(afterFull, afterPlain, isRead);
    const writes = diff(afterFull, afterPlain, isWrite);
    const rerunWrites = diff(afterRerun, beforeRerun, isWrite);
    const rerunReads = diff(afterRerun, beforeRerun, isRead);
    const plainRate = plain.result / plain.seconds;
    const fullRate = EMPLOYEES / full.seconds;
    const rerunRate = EMPLOYEES / rerun.seconds;
    const calls = reads + writes;
    const overhead = calls / (minReads + minWrites) - 1;
    const busy = (cpuMs: number, seconds: number) => `${Math.round(cpuMs / 10 / seconds)} %`.padStart(5);
    const row = (name: string, measured: { seconds: number; peakMb: number; cpuMs: number }, rate: number, r: number, w: number, sandboxCpuMs: number) =>
      console.log(
        `  ${name.padEnd(26)} ${measured.seconds.toFixed(2).padStart(7)} s ${Math.round(rate).toLocaleString('en').padStart(9)} records/s  peak RSS ${measured.peakMb.toFixed(0).padStart(4)} MB  reads ${String(r).padStart(5)}  writes ${String(w).padStart(4)}  busy: this process ${busy(measured.cpuMs, measured.seconds)}, sandbox ${busy(sandboxCpuMs, measured.seconds)}`,
      );
    const cpu = (after: RequestCounts, before: RequestCounts) => (after.cpuMs ?? 0) - (before.cpuMs ?? 0);
    row('plain loop (baseline)', plain, plainRate, diff(afterPlain, beforePlain, isRead), diff(afterPlain, beforePlain, isWrite), cpu(afterPlain, beforePlain));
    row('sync step, first run', full, fullRate, reads, writes, cpu(afterFull, afterPlain));
    row(`sync step, ${CHANGED.toLocaleString('en')} changed`, rerun, rerunRate, rerunReads, rerunWrites, cpu(afterRerun, beforeRerun));
    console.log(`  ratio sync/plain (records/s, first run): ${(fullRate / plainRate).toFixed(2)}`);
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
