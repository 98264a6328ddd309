/**
 * The sandbox in its own process, so that faking Lark does not share the measured process's
 * event loop: seeded with a company of the given size, rate limits off (the benchmark measures
 * Staffwire, not Lark's quota), counting the vendor requests it serves. Driven over IPC by
 * `startSandboxProcess()`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { coreHrState } from '../../connectors/lark-corehr/sandbox.js';
import { createSandbox } from '../../src/sandbox/sandbox-server.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';

/** Vendor requests served, by the path they went to (without the query), and the sandbox's CPU time so far as `cpuMs`. */
export type RequestCounts = Record<string, number>;

export interface SandboxProcess {
  url: string;
  counts(): Promise<RequestCounts>;
  /** Changes the e-mail address of the first `count` employees, as an edit in CoreHR would. */
  changeEmployees(count: number): Promise<void>;
  /** When each pre-hire was created (epoch ms), by its out_biz_id: the first create that carried it. */
  preHiresCreated(): Promise<Record<string, number>>;
  /** Records in a Bitable table, and how many distinct values its `field` holds. */
  tableRecords(appToken: string, tableId: string, field: string): Promise<{ records: number; distinct: number }>;
  stop(): Promise<void>;
}

type Question = { op: 'counts' } | { op: 'change'; count: number } | { op: 'records'; appToken: string; tableId: string; field: string } | { op: 'preHires' };

export interface SandboxProcessOptions {
  /** Every seeded offer accepted by its candidate (status 7), for a benchmark of offers. */
  acceptAllOffers?: boolean;
}
type Request = Question & { id: number };

export async function startSandboxProcess(employees: number, options: SandboxProcessOptions = {}): Promise<SandboxProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve', String(employees), ...(options.acceptAllOffers ? ['--accept-all-offers'] : [])], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the sandbox exited (${code}) before listening`)));
  });
  let next = 0;
  const ask = <T>(request: Question): Promise<T> =>
    new Promise((resolve) => {
      const id = ++next;
      const listener = (message: unknown) => {
        const answer = message as { id: number; result: T };
        if (answer.id !== id) return;
        child.off('message', listener);
        resolve(answer.result);
      };
      child.on('message', listener);
      child.send({ ...request, id });
    });
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ask({ op: 'counts' }),
    changeEmployees: (count) => ask({ op: 'change', count }),
    tableRecords: (appToken, tableId, field) => ask({ op: 'records', appToken, tableId, field }),
    preHiresCreated: () => ask({ op: 'preHires' }),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

async function serve(employees: number, acceptAllOffers: boolean): Promise<void> {
  const company = seedCompany({ employees, seed: 'bench-sync' });
  if (acceptAllOffers) for (const offer of company.offers) offer.offerStatus = 7;
  const sandbox = await createSandbox({ company, rateLimits: false });
  const counts: RequestCounts = {};
  const preHires: Record<string, number> = {};
  sandbox.app.addHook('onRequest', async (request) => {
    const path = request.url.split('?', 1)[0]!;
    counts[path] = (counts[path] ?? 0) + 1;
  });
  sandbox.app.addHook('onResponse', async (request) => {
    const outBizId = (request.body as { out_biz_id?: unknown } | undefined)?.out_biz_id;
    if (request.url === '/open-apis/corehr/v2/pre_hires' && typeof outBizId === 'string') preHires[outBizId] ??= Date.now();
  });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (message) => {
    const request = message as Request;
    const answer = (result: unknown) => process.send!({ id: request.id, result });
    if (request.op === 'counts') {
      const cpu = process.cpuUsage();
      return answer({ ...counts, cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
    }
    if (request.op === 'preHires') return answer({ ...preHires });
    if (request.op === 'change') {
      for (const employee of coreHrState(sandbox.context).employees.slice(0, request.count)) employee.email = `changed.${employee.email}`;
      return answer(null);
    }
    const state = sandbox.context.state<{ apps: Record<string, { tables: Record<string, { records: Record<string, Record<string, unknown>> }> }> }>('lark-bitable', () => {
      throw new Error('no bitable state');
    });
    const records = Object.values(state.apps[request.appToken]?.tables[request.tableId]?.records ?? {});
    return answer({ records: records.length, distinct: new Set(records.map((r) => r[request.field])).size });
  });
  process.send!({ port: (sandbox.app.server.address() as AddressInfo).port });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--serve')) void serve(Number(process.argv[process.argv.indexOf('--serve') + 1]), process.argv.includes('--accept-all-offers'));
