import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { pino } from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { discoverConnectors, type ConnectorRegistry } from '../../src/connector-kit/registry.js';
import { Engine } from '../../src/engine/engine.js';
import { FlowInvalidError } from '../../src/engine/flow-invalid-error.js';
import { coreHrState } from '../../connectors/lark-corehr/sandbox.js';
import type { FlowDefinition, Step } from '../../src/engine/flow-types.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../src/sandbox/sandbox-server.js';
import { seedCompany, type SeededCompany } from '../../src/sandbox/seed-company.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { sandboxStarter, type SandboxSession } from '../support/sandbox-session.js';

const APP = 'bascnStaffwireSandbox';
const TABLE = 'tblEmployees';
const company: SeededCompany = seedCompany({ employees: 1200, seed: 'sync-step' });
const startSandbox = sandboxStarter(company, Date.parse('2026-12-01T08:00:00Z'));

let connectors: ConnectorRegistry;
let dir: string;
let sandbox: SandboxSession;
let baseUrl: string;
const stores: SqliteStore[] = [];

beforeAll(async () => {
  connectors = await discoverConnectors();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'staffwire-sync-'));
  sandbox = await startSandbox();
  baseUrl = await sandbox.listen();
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(at = baseUrl): { engine: Engine; store: SqliteStore } {
  const baseUrl = at;
  const store = new SqliteStore(join(dir, 'staffwire.db'));
  stores.push(store);
  const { appId, appSecret } = DEFAULT_SANDBOX_CREDENTIALS.lark;
  const engine = new Engine({
    store,
    connectors,
    connections: { lark: { connector: 'lark-corehr', baseUrl, appId, appSecret } },
    log: pino({ level: 'silent' }),
  });
  return { engine, store };
}

type SyncFields = Partial<Extract<Step, { kind: 'sync' }>>;

function employeesSync(fields: SyncFields = {}): FlowDefinition {
  return {
    id: 'employees-to-table',
    version: '1',
    steps: [
      {
        id: 'to_table',
        kind: 'sync',
        source: { action: 'lark-corehr.employee.search', connection: 'lark', with: { page_size: 100, fields: ['employee_number', 'person_info.preferred_name', 'email_address', 'department_id', 'employment_status'] } },
        key: '${ $record.employment_id }',
        map: {
          'Employment ID': '${ $record.employment_id }',
          Name: '${ $record.person_info.preferred_name }',
          Email: '${ $record.email_address }',
          Department: '${ $record.department_id }',
          Status: '${ $record.employment_status.enum_name }',
        },
        destination: { to: 'lark-bitable.records', connection: 'lark', with: { app_token: APP, table_id: TABLE } },
        ...fields,
      } as Step,
    ],
  };
}

interface TableRecord {
  record_id: string;
  fields: Record<string, unknown>;
}

/** The table's records as the sandbox holds them. */
function tableRecords(): TableRecord[] {
  const state = sandbox.context.state<{ apps: Record<string, { tables: Record<string, { records: Record<string, Record<string, unknown>> }> }> }>('lark-bitable', () => {
    throw new Error('the bitable sandbox has no state');
  });
  return Object.entries(state.apps[APP]!.tables[TABLE]!.records).map(([record_id, fields]) => ({ record_id, fields }));
}

function byEmployment(records: TableRecord[]): Map<string, TableRecord[]> {
  const map = new Map<string, TableRecord[]>();
  for (const record of records) {
    const id = String(record.fields['Employment ID']);
    map.set(id, [...(map.get(id) ?? []), record]);
  }
  return map;
}

async function sync(engine: Engine, fields: SyncFields = {}) {
  const run = await engine.runNow(engine.compile(employeesSync(fields)), {});
  return run;
}

describe('sync step: CoreHR employees → Bitable through the sandbox', () => {
  it('creates one record per employee in 500-record batches, then writes nothing when nothing changed', async () => {
    const { engine } = open();
    const first = await sync(engine);
    expect(first.status).toBe('succeeded');
    expect(first.output).toMatchObject({ name: 'employees-to-table.to_table', read: 1200, created: 1200, updated: 0, unchanged: 0, failed: 0, failures: [], dryRun: false });
    const records = tableRecords();
    expect(records).toHaveLength(1200);
    const one = byEmployment(records);
    expect(one.size).toBe(1200);
    const someone = company.employees[17]!;
    expect(one.get(someone.openId)?.[0]?.fields).toMatchObject({ Name: someone.name, Email: someone.email, Status: 'hired' });

    const again = await sync(engine);
    expect(again.output).toMatchObject({ read: 1200, created: 0, updated: 0, unchanged: 1200 });
    expect(tableRecords()).toHaveLength(1200);
  });

  it('updates only the records whose mapped fields changed', async () => {
    const { engine } = open();
    await sync(engine);
    const changed = company.employees.slice(0, 12).map((e) => e.openId);
    for (const employee of coreHrState(sandbox.context).employees.slice(0, 12)) employee.email = `moved.${employee.email}`;
    const rerun = await sync(engine);
    expect(rerun.output).toMatchObject({ read: 1200, created: 0, updated: 12, unchanged: 1188 });
    const records = byEmployment(tableRecords());
    for (const id of changed) expect(String(records.get(id)?.[0]?.fields.Email)).toMatch(/^moved\./);
  });

  it('reports what it would do on a dry run and writes nothing', async () => {
    const { engine } = open();
    const dry = await sync(engine, { dryRun: true });
    expect(dry.output).toMatchObject({ read: 1200, created: 1200, dryRun: true });
    expect(tableRecords()).toHaveLength(0);
  });

  it('fails the records the vendor refuses, each with its key and Lark\'s reason, and syncs the rest of their batch', async () => {
    const { engine } = open();
    const refused = company.employees[2]!;
    const run = await sync(engine, {
      map: {
        'Employment ID': '${ $record.employment_id }',
        'Hire date': "${ $record.employee_number = 'E000003' ? 'not a date' : 1700000000000 }",
      },
    });
    expect(run.status).toBe('succeeded');
    expect(run.output).toMatchObject({ read: 1200, created: 1199, failed: 1 });
    expect((run.output as { failures: unknown[] }).failures).toEqual([
      { key: refused.openId, code: 'vendor.1254064', message: expect.stringContaining('DatetimeFieldConvFail') },
    ]);
    expect(byEmployment(tableRecords()).has(refused.openId)).toBe(false);
    // The refused record is tried again by the next run; the others are unchanged.
    const again = await sync(engine, { map: { 'Employment ID': '${ $record.employment_id }', 'Hire date': '${ 1700000000000 }' } });
    expect(again.output).toMatchObject({ created: 1, unchanged: 1199, failed: 0 });
  });

  it('fails a record without a usable key, naming where it stood, and syncs the others', async () => {
    const { engine } = open();
    const run = await sync(engine, { key: "${ $record.employee_number = 'E000004' ? '' : $record.employment_id }" });
    expect(run.output).toMatchObject({ created: 1199, failed: 1 });
    expect((run.output as { failures: unknown[] }).failures).toEqual([{ key: '', code: 'sync.invalid_key', message: '"key" gave "", not a string or number' }]);
  });

  it('marks the records of ended employees instead of deleting them when told to', async () => {
    const { engine } = open();
    await sync(engine);
    const employees = coreHrState(sandbox.context).employees;
    const leaver = employees.find((e) => e.status === 'hired')!;
    leaver.status = 'terminated';
    const ended = employees.filter((e) => e.status === 'terminated').length;
    const run = await sync(engine, { ended: "${ $record.employment_status.enum_name = 'terminated' }", onEnded: { mark: { Status: 'Terminated' } } });
    expect(run.output).toMatchObject({ marked: ended, unchanged: 1200 - ended, deleted: 0 });
    expect(byEmployment(tableRecords()).get(leaver.openId)?.[0]?.fields.Status).toBe('Terminated');
    const again = await sync(engine, { ended: "${ $record.employment_status.enum_name = 'terminated' }", onEnded: { mark: { Status: 'Terminated' } } });
    expect(again.output).toMatchObject({ marked: 0, unchanged: 1200 });
  });

  it('deletes the records of keys the source no longer has after a complete pass', async () => {
    const { engine } = open();
    await sync(engine);
    const gone = coreHrState(sandbox.context).employees.splice(0, 3);
    const run = await sync(engine, { onMissing: 'delete' });
    expect(run.output).toMatchObject({ read: 1197, unchanged: 1197, deleted: 3 });
    const left = byEmployment(tableRecords());
    expect(left.size).toBe(1197);
    for (const employee of gone) expect(left.has(employee.openId)).toBe(false);
  });

  it('ends a destination outage with a clear partial result that a retry of the run completes without duplicates', async () => {
    const other = await startSandbox();
    let outage = false;
    let created = 0;
    other.app.addHook('onRequest', async (request, reply) => {
      if (!request.url.includes('/records/batch_create')) return;
      if (outage) return reply.code(503).send({ code: 1254607, msg: 'sandbox outage' });
      // Two batches get through, then the destination goes down.
      if (++created === 2) outage = true;
    });
    sandbox = other;
    const { engine } = open(await other.listen());
    const flow = engine.compile(employeesSync({ destination: { to: 'lark-bitable.records', connection: 'lark', with: { app_token: APP, table_id: TABLE }, batchSize: 100 } }));
    const failed = await engine.runNow(flow, {});
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ step: 'to_table', category: 'server' });
    expect(tableRecords()).toHaveLength(200);
    outage = false;
    await engine.retryRun(failed.id);
    const done = await engine.executeRun(failed.id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toMatchObject({ read: 1200, created: 1200, failed: 0 });
    const records = byEmployment(tableRecords());
    expect(records.size).toBe(1200);
    expect([...records.values()].every((r) => r.length === 1)).toBe(true);
  });
});

describe('sync step: importing a file', () => {
  async function reviewsWorkbook(rows: unknown[][]): Promise<string> {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Reviews');
    sheet.addRow(['Employee', 'Cycle', 'Rating', 'Score']);
    for (const row of rows) sheet.addRow(row);
    const file = join(dir, 'reviews.xlsx');
    await workbook.xlsx.writeFile(file);
    return file;
  }

  const importReviews = (file: string): FlowDefinition => ({
    id: 'import-reviews',
    version: '1',
    steps: [
      {
        id: 'reviews',
        kind: 'sync',
        source: {
          file,
          sheet: 'Reviews',
          schema: {
            type: 'object',
            required: ['Employee', 'Cycle', 'Rating'],
            properties: { Employee: { type: 'string', minLength: 1 }, Rating: { enum: ['S', 'A', 'B', 'C', 'D'] }, Score: { type: ['number', 'null'] } },
          },
        },
        key: "${ $record.Employee & '/' & $record.Cycle }",
        map: { 'Employment ID': '${ $record.Employee }', Cycle: '${ $record.Cycle }', Rating: '${ $record.Rating }', Score: '${ $record.Score }' },
        destination: { to: 'lark-bitable.records', connection: 'lark', with: { app_token: APP, table_id: 'tblReviews' } },
      },
    ],
  });

  it('imports an XLSX sheet and reports each bad row by row number and column, then imports the fixed file without duplicates', async () => {
    const { engine } = open();
    const good = Array.from({ length: 1500 }, (_, i) => [`E-${i}`, '2025-H2', ['S', 'A', 'B', 'C', 'D'][i % 5], 60 + (i % 40)]);
    const rows = [...good];
    rows.splice(10, 0, ['', '2025-H2', 'A', 80]);
    rows.splice(700, 0, ['E-x', '2025-H2', 'Excellent', 90]);
    rows.splice(1200, 0, ['E-y', '2025-H2', 'B', 'ninety']);
    const run = await engine.runNow(engine.compile(importReviews(await reviewsWorkbook(rows))), {});
    expect(run.status).toBe('succeeded');
    expect(run.output).toMatchObject({ read: 1503, created: 1500, failed: 3 });
    expect((run.output as { failures: unknown[] }).failures).toEqual([
      { key: null, row: 12, column: 'Employee', code: 'sync.invalid_row', message: 'Employee is empty' },
      { key: null, row: 702, column: 'Rating', code: 'sync.invalid_row', message: 'Rating must be one of "S", "A", "B", "C", "D", got "Excellent"' },
      { key: null, row: 1202, column: 'Score', code: 'sync.invalid_row', message: 'Score must be number,null, got "ninety"' },
    ]);
    const again = await engine.runNow(engine.compile(importReviews(await reviewsWorkbook(good))), {});
    expect(again.output).toMatchObject({ read: 1500, created: 0, unchanged: 1500, failed: 0 });
  });

  it('fails with the file named when it does not exist', async () => {
    const { engine } = open();
    const run = await engine.runNow(engine.compile(importReviews(join(dir, 'missing.xlsx'))), {});
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'table.not_found', message: expect.stringContaining('missing.xlsx') });
  });
});

describe('sync step: flow checks', () => {
  /** What compiling the employees sync with `fields` changed says is wrong with it, as `pointer message` lines. */
  const problemsOf = (engine: ReturnType<typeof open>['engine']) => (fields: SyncFields) => {
    try {
      engine.compile(employeesSync(fields));
      return [];
    } catch (err) {
      if (err instanceof FlowInvalidError) return err.diagnostics.map((d) => `${d.pointer} ${d.message}`);
      throw err;
    }
  };

  it('refuses a source action that does not page, an unknown destination and a batch over the vendor limit', () => {
    const check = problemsOf(open().engine);
    expect(check({ source: { action: 'lark-corehr.employee.batch_get', connection: 'lark', with: { employment_ids: ['E-1'] } } })).toEqual([
      '/steps/0/source/action lark-corehr.employee.batch_get does not answer page by page, so a sync cannot read it (its manifest declares no "pages")',
    ]);
    expect(check({ destination: { to: 'lark-bitable.rows', connection: 'lark', with: {} } })).toEqual([
      '/steps/0/destination/to connector "lark-bitable" has no sync destination "rows" (it has: records)',
    ]);
    expect(check({ destination: { to: 'lark-bitable.records', connection: 'lark', with: {}, batchSize: 1001 } })).toEqual([
      '/steps/0/destination/batchSize lark-bitable.records takes at most 1000 records a call, not 1001',
    ]);
  });

  it('refuses a sync that reads fields of $record its source is not asked for, naming each and where it is read', () => {
    const check = problemsOf(open().engine);
    const search = (input: Record<string, unknown>) => ({ source: { action: 'lark-corehr.employee.search', connection: 'lark', with: { page_size: 100, ...input } } });
    expect(check(search({ fields: ['email_address', 'department_id', 'employment_status'] }))).toEqual([
      '/steps/0/source/with/fields lark-corehr.employee.search returns only employment_id and the fields named in "fields", but this sync reads $record.person_info.preferred_name at map/Name: add "person_info.preferred_name" to "fields"',
    ]);
    // Without fields Lark returns the employment id alone; `ended` and a mark read $record too.
    expect(check({ ...search({}), ended: "${ $record.employment_status.enum_name = 'terminated' }", onEnded: { mark: { Status: '${ $record.termination_reason }' } } })).toEqual([
      '/steps/0/source/with lark-corehr.employee.search returns only employment_id and the fields named in "fields", but this sync reads ' +
        '$record.person_info.preferred_name at map/Name, $record.email_address at map/Email, $record.department_id at map/Department, ' +
        '$record.employment_status.enum_name at map/Status, $record.employment_status.enum_name at ended, $record.termination_reason at onEnded/mark/Status: ' +
        'add "person_info.preferred_name", "email_address", "department_id", "employment_status.enum_name", "termination_reason" to "fields"',
    ]);
    // A whole object covers its fields, and a field asked for covers reading the object it is in.
    expect(check({ ...search({ fields: ['person_info', 'email_address', 'department_id', 'employment_status.enum_name'] }), map: { Name: '${ $record.person_info.preferred_name }', Email: '${ $record.email_address }', Status: '${ $record.employment_status }' } })).toEqual([]);
    // A list the flow computes at run time is not checked.
    expect(check(search({ fields: '${ $input.fields }' }))).toEqual([]);
  });
});
