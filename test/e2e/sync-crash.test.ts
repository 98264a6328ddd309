import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';
import { collect, startCli } from '../support/cli.js';
import { useCliWorkspace } from '../support/cli-workspace.js';

/**
 * A sync killed with SIGKILL at different moments — while a batch is unanswered (Lark applied
 * it; the answer never came back), right after a batch was answered, while reading — and then
 * resumed leaves exactly one table record per employee: none twice, none missing.
 */

const lark = DEFAULT_SANDBOX_CREDENTIALS.lark;
const env = { SYNC_LARK_SECRET: lark.appSecret };
const APP = 'bascnStaffwireSandbox';
const TABLE = 'tblEmployees';
const company = seedCompany({ employees: 1000, seed: 'sync-crash' });

const ws = useCliWorkspace('sync-crash');
let sandbox: Sandbox;
/** Decides, per vendor request, whether the CLI dies now; the request itself still goes through. */
let onVendorRequest: (url: string) => void;
let flowFile: string;

beforeEach(async () => {
  sandbox = await createSandbox({ company });
  onVendorRequest = () => {};
  sandbox.app.addHook('onRequest', async (request) => onVendorRequest(request.url));
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  ws.configure({ connections: { lark: { connector: 'lark-corehr', baseUrl, appId: lark.appId, appSecret: { env: 'SYNC_LARK_SECRET' } } } });
  flowFile = ws.file('flows/employees-to-table.json', {
    id: 'employees-to-table',
    version: '1',
    steps: [
      {
        id: 'to_table',
        kind: 'sync',
        source: { action: 'lark-corehr.employee.search', connection: 'lark', with: { page_size: 50, fields: ['person_info.preferred_name'] } },
        key: '${ $record.employment_id }',
        map: { 'Employment ID': '${ $record.employment_id }', Name: '${ $record.person_info.preferred_name }' },
        destination: { to: 'lark-bitable.records', connection: 'lark', with: { app_token: APP, table_id: TABLE }, batchSize: 100 },
      },
    ],
  });
});

afterEach(async () => {
  await sandbox.app.close();
});

function tableRecords(): Record<string, unknown>[] {
  const state = sandbox.context.state<{ apps: Record<string, { tables: Record<string, { records: Record<string, Record<string, unknown>> }> }> }>('lark-bitable', () => {
    throw new Error('the bitable sandbox has no state');
  });
  return Object.values(state.apps[APP]!.tables[TABLE]!.records);
}

/** Runs the sync in a CLI process and SIGKILLs it at the `nth` request whose URL contains `path`. */
async function killAt(path: string, nth: number): Promise<void> {
  const child = startCli(['run', flowFile, '--config', ws.config], { env: { ...process.env, ...env } });
  const exited = collect(child);
  let seen = 0;
  onVendorRequest = (url) => {
    if (url.includes(path) && ++seen === nth) child.kill('SIGKILL');
  };
  const result = await exited;
  onVendorRequest = () => {};
  expect(result.signal).toBe('SIGKILL');
}

async function resumeAndCheck(): Promise<void> {
  const resumed = await ws.cli(['runs', 'resume', '--json'], { env: { ...process.env, ...env } });
  expect(resumed.stderr).toBe('');
  expect(resumed.code).toBe(0);
  const [run] = JSON.parse(resumed.stdout) as { status: string; output: { created: number; read: number } }[];
  expect(run?.status).toBe('succeeded');
  const ids = tableRecords().map((r) => r['Employment ID']);
  expect(ids).toHaveLength(company.employees.length);
  expect(new Set(ids).size).toBe(company.employees.length);
}

describe('sync killed and resumed', () => {
  it('leaves every record once after a kill while a batch is unanswered', async () => {
    await killAt('/records/batch_create', 4);
    // The killed process's fourth batch reached Lark, which applied it.
    expect(tableRecords().length).toBeGreaterThanOrEqual(300);
    await resumeAndCheck();
  });

  it('leaves every record once after a kill just after a batch was answered', async () => {
    // The read that follows the sixth batch: that batch was answered, perhaps not yet checkpointed.
    let batches = 0;
    const child = startCli(['run', flowFile, '--config', ws.config], { env: { ...process.env, ...env } });
    const exited = collect(child);
    onVendorRequest = (url) => {
      if (url.includes('/records/batch_create')) batches++;
      else if (batches === 6 && url.includes('/employees/search')) child.kill('SIGKILL');
    };
    expect((await exited).signal).toBe('SIGKILL');
    onVendorRequest = () => {};
    await resumeAndCheck();
  });

  it('leaves every record once after a kill while reading, and again after a second kill of the resumed run', async () => {
    await killAt('/employees/search', 9);
    const resumed = startCli(['runs', 'resume', '--config', ws.config], { env: { ...process.env, ...env } });
    const exited = collect(resumed);
    let seen = 0;
    onVendorRequest = (url) => {
      if (url.includes('/records/batch_create') && ++seen === 2) resumed.kill('SIGKILL');
    };
    expect((await exited).signal).toBe('SIGKILL');
    onVendorRequest = () => {};
    await resumeAndCheck();
  });
});
