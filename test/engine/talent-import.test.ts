import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { pino } from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { discoverConnectors, type ConnectorRegistry } from '../../src/connector-kit/registry.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import type { AddressInfo } from 'node:net';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { emptyCompany } from '../support/sandbox-session.js';
import { TestClock } from './helpers.js';

/** The shipped talent-import flow on the engine, from generated XLSX files and the sample CSV, into the Bitable sandbox. */

const flow = JSON.parse(readFileSync(fileURLToPath(new URL('../../flows/talent-import.json', import.meta.url)), 'utf8')) as FlowDefinition;
const sampleCsv = fileURLToPath(new URL('../../flows/samples/talent-history.csv', import.meta.url));
const COLUMNS = ['Record ID', 'Employee number', 'Name', 'Record type', 'Date', 'Cycle', 'Rating', 'From', 'To', 'Recorded by', 'Notes'];

let connectors: ConnectorRegistry;
let dir: string;
let sandbox: Sandbox;
let clock: TestClock;
let engine: Engine;
let store: SqliteStore;

beforeAll(async () => {
  connectors = await discoverConnectors();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'staffwire-talent-import-'));
  // The engine and the sandbox share one clock, so a rate-limit back-off is waited out by moving it.
  clock = new TestClock(Date.parse('2026-06-01T08:00:00Z'));
  sandbox = await createSandbox({ company: emptyCompany('Talent Import Co'), now: () => clock.now().getTime() });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  store = new SqliteStore(join(dir, 'staffwire.db'));
  const { appId, appSecret } = DEFAULT_SANDBOX_CREDENTIALS.lark;
  engine = new Engine({ store, connectors, clock, connections: { lark: { connector: 'lark-bitable', baseUrl, appId, appSecret } }, log: pino({ level: 'silent' }) });
});

afterEach(async () => {
  await sandbox.app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

type Row = (string | number | Date | null)[];

/** A good row for record n: a mix of the three record types, dates as date cells. */
function goodRow(n: number): Row {
  const id = `REC-${String(n).padStart(4, '0')}`;
  const date = new Date(Date.UTC(2018 + (n % 6), n % 12, 1 + (n % 27)));
  switch (n % 3) {
    case 0:
      return [id, `E${String(n).padStart(6, '0')}`, `Person ${n}`, 'Interview', date, null, null, null, null, 'Recruiter', 'Onsite'];
    case 1:
      return [id, `E${String(n).padStart(6, '0')}`, `Person ${n}`, 'Performance review', date, `${2018 + (n % 6)} Annual`, 'SABCD'[n % 5]!, null, null, 'Manager', null];
    default:
      return [id, `E${String(n).padStart(6, '0')}`, `Person ${n}`, 'Job change', date, null, null, 'Engineer', 'Senior Engineer', 'HR Ops', 'Promotion'];
  }
}

async function writeXlsx(path: string, rows: Row[]): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Talent records');
  sheet.addRow(COLUMNS);
  for (const row of rows) sheet.addRow(row);
  sheet.getColumn(5).numFmt = 'yyyy-mm-dd';
  await workbook.xlsx.writeFile(path);
  return path;
}

function historyRows(): Record<string, unknown>[] {
  const state = sandbox.context.state<{ apps: Record<string, { tables: Record<string, { records: Record<string, Record<string, unknown>> }> }> }>('lark-bitable', () => {
    throw new Error('the bitable fake has no state yet');
  });
  return Object.values(state.apps.bascnStaffwireSandbox!.tables.tblTalentHistory!.records);
}

async function importFile(file: string) {
  let run = await engine.runNow(engine.compile(flow), { file });
  // Bitable allows 20 searches a second (the import's match_field look-ups): a run over that waits for the next second.
  while (run.status === 'waiting') {
    clock.advance(Math.max(0, Date.parse(run.waitingUntil!) - clock.now().getTime()));
    run = await engine.executeRun(run.id);
  }
  expect(run.error, JSON.stringify(run.error)).toBeUndefined();
  expect(run.status).toBe('succeeded');
  return run.output as { imported: number; unchanged: number; failed: number; errors: { row: number; column?: string; reason: string }[] };
}

describe('talent-import', () => {
  it('imports an XLSX, reports each bad row by row and column, and after the fixes imports only the fixed rows', async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => goodRow(i + 1));
    // Spreadsheet rows: the header is row 1, so rows[i] is row i + 2.
    rows[9] = [...rows[9]!.slice(0, 3), 'Promotion', ...rows[9]!.slice(4)];
    rows[99] = [...rows[99]!.slice(0, 4), 'spring 2020', ...rows[99]!.slice(5)];
    rows[600] = ['REC-0601', 'E000601', 'Person 601', 'Performance review', '2021-05-04', '2021 H1', null, null, null, 'Manager', null];
    rows[1102] = [...rows[1102]!.slice(0, 7), null, ...rows[1102]!.slice(8)];
    rows[1150] = [null, ...rows[1150]!.slice(1)];
    const file = await writeXlsx(join(dir, 'talent.xlsx'), rows);

    const first = await importFile(file);
    expect(first).toMatchObject({ imported: 1195, unchanged: 0, failed: 5 });
    expect(first.errors).toEqual([
      { row: 11, column: 'Record type', reason: 'Record type must be one of "Interview", "Performance review", "Job change", got "Promotion"' },
      { row: 101, column: 'Date', reason: expect.stringMatching(/^Date must match pattern .*, got "spring 2020"$/) },
      { row: 602, column: 'Rating', reason: 'Rating is empty' },
      { row: 1104, column: 'From', reason: 'From is empty' },
      { row: 1152, column: 'Record ID', reason: 'Record ID is empty' },
    ]);
    expect(historyRows()).toHaveLength(1195);
    const review = historyRows().find((r) => r['Record ID'] === 'REC-0004')!;
    expect(review).toMatchObject({ 'Employee number': 'E000004', 'Record type': 'Performance review', Rating: 'D', Date: Date.UTC(2022, 4, 5), Cycle: '2022 Annual' });

    const fixed = rows.slice();
    fixed[9] = goodRow(10);
    fixed[99] = goodRow(100);
    fixed[600] = [...rows[600]!.slice(0, 6), 'B', ...rows[600]!.slice(7)];
    fixed[1102] = goodRow(1103);
    fixed[1150] = goodRow(1151);
    const second = await importFile(await writeXlsx(join(dir, 'talent-fixed.xlsx'), fixed));
    expect(second).toMatchObject({ imported: 5, unchanged: 1195, failed: 0, errors: [] });
    expect(historyRows()).toHaveLength(1200);
    expect(new Set(historyRows().map((r) => r['Record ID'])).size).toBe(1200);
    expect(historyRows().find((r) => r['Record ID'] === 'REC-0601')).toMatchObject({ Rating: 'B', Date: Date.UTC(2021, 4, 4) });
  });

  it('imports the shipped sample CSV, reporting its one row with a date that is not a date', async () => {
    const output = await importFile(sampleCsv);
    expect(output).toMatchObject({ imported: 6, failed: 1, errors: [{ row: 8, column: 'Date', reason: expect.stringContaining('got "next December"') }] });
    expect(historyRows().find((r) => r['Record ID'] === 'JOB-2024-0001')).toMatchObject({ From: 'Senior Engineer', To: 'Staff Engineer', Date: Date.UTC(2024, 2, 1) });
  });
});
