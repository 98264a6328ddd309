import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { discoverConnectors, type ConnectorRegistry } from '../../src/connector-kit/registry.js';
import { Engine } from '../../src/engine/engine.js';
import { DEFAULT_EXPRESSION_LIMITS } from '../../src/engine/expressions/expression.js';
import type { Scope } from '../../src/engine/expressions/scope.js';
import { compileValue } from '../../src/engine/expressions/template.js';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../src/sandbox/sandbox-server.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { sandboxStarter, type SandboxSession } from '../support/sandbox-session.js';

/**
 * bonus-allocation and bonus-to-payroll as shipped, on the engine against the sandbox: the
 * talent-review table filled by talent-review-sync, pools split to the cent, approved rows paid
 * once, rejected ones written back with Lark's reason.
 */

function flowFile(id: string): FlowDefinition {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../flows/${id}.json`, import.meta.url)), 'utf8')) as FlowDefinition;
}

const allocationFlow = flowFile('bonus-allocation');
const payrollFlow = flowFile('bonus-to-payroll');
const talentFlow = flowFile('talent-review-sync');

/** An amount with `places` decimals as integer minor units: the test's own exact arithmetic. */
function minor(amount: string, places: number): bigint {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!match) throw new Error(`not a plain amount: ${amount}`);
  const fraction = match[2] ?? '';
  expect(fraction.length).toBe(places);
  return BigInt(match[1]! + fraction);
}

describe("bonus-allocation's allocation expressions", () => {
  const steps = (allocationFlow.steps[1] as { steps: { cases: { steps: { id: string; values: unknown }[] }[] }[] }).steps[1]!.cases[0]!.steps;
  const [weightsStep, splitStep] = ['weights', 'split'].map((id) => compileValue(steps.find((s) => s.id === id)!.values, DEFAULT_EXPRESSION_LIMITS));
  const coefficients = { S: '1.5', A: '1.2', B: '1.0', C: '0.8', D: '0' };

  /** The flow's weights and split steps, in order, on a department of employees with these ratings. */
  async function evaluateSplit(pool: string, currency: string, ratings: (string | undefined)[]): Promise<{ amounts: string[]; weights: unknown[] }> {
    const items = ratings.map((rating, i) => ({ record_id: `rec${i}`, fields: { 'Open ID': `ou_${i}`, Name: `P${i}`, 'Department ID': 'D1', ...(rating === undefined ? {} : { Rating: rating }) } }));
    const scope = {
      input: { period: '2025', currency, pools: { D1: pool } },
      steps: { settings: { coefficients }, staff: { items } } as Record<string, unknown>,
      item: 'D1',
      run: { id: 'run_test', flowId: 'bonus-allocation', flowVersion: '1', startedAt: '2026-01-01T00:00:00.000Z' },
    } as unknown as Scope;
    scope.steps.weights = await weightsStep!.evaluate(scope);
    const { amounts } = (await splitStep!.evaluate(scope)) as { amounts: string[] };
    return { amounts, weights: (scope.steps.weights as { coefficients: unknown[] }).coefficients };
  }

  const rating = fc.constantFrom<string | undefined>('S', 'A', 'B', 'C', 'D', undefined, 'N/A');

  it('gives amounts that add up to the pool exactly, for any pool and any department with someone rated above D', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 0n, max: 10n ** 13n }),
        fc.constantFrom(['CNY', 2], ['USD', 2], ['JPY', 0], ['KWD', 3]) as fc.Arbitrary<[string, number]>,
        fc.array(rating, { minLength: 0, maxLength: 400 }),
        fc.constantFrom('S', 'A', 'B', 'C'),
        async (units, [currency, places], others, rated) => {
          const text = units.toString().padStart(places + 1, '0');
          const pool = places === 0 ? text : `${text.slice(0, -places)}.${text.slice(-places)}`;
          const ratings = [...others, rated];
          const split = await evaluateSplit(pool, currency, ratings);
          expect(split.amounts).toHaveLength(ratings.length);
          const amounts = split.amounts.map((amount) => minor(amount, places));
          expect(amounts.reduce((a, b) => a + b, 0n)).toBe(units);
          ratings.forEach((label, i) => {
            const weight = coefficients[label as keyof typeof coefficients];
            expect(split.weights[i]).toBe(weight ?? 0);
            if (weight === undefined || weight === '0') expect(amounts[i]).toBe(0n);
          });
          // A better rating never gets less.
          const order = ['S', 'A', 'B', 'C'];
          for (let i = 0; i < amounts.length; i++) {
            for (let j = 0; j < amounts.length; j++) {
              const a = order.indexOf(ratings[i] ?? ''), b = order.indexOf(ratings[j] ?? '');
              if (a >= 0 && b >= 0 && a < b) expect(amounts[i]! >= amounts[j]!).toBe(true);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('splits awkward pools across many employees to the cent', async () => {
    const ratings = Array.from({ length: 997 }, (_, i) => ['S', 'A', 'B', 'B', 'B', 'C', 'D'][i % 7]!);
    for (const pool of ['1000000.01', '0.01', '333.33', '99999999999.99', '7.00']) {
      const { amounts } = await evaluateSplit(pool, 'CNY', ratings);
      expect(amounts.map((amount) => minor(amount, 2)).reduce((a, b) => a + b, 0n)).toBe(minor(pool, 2));
    }
  });

  it('fails, naming the pool, when no one in the department has a coefficient above 0', async () => {
    await expect(evaluateSplit('500.00', 'CNY', ['D', undefined])).rejects.toThrow(/\$allocate: weights \(argument 2\) are all zero, so pool "500\.00" has no one to go to/);
  });
});

const company = seedCompany({ employees: 150, seed: 'bonus-flows' });
const startSandbox = sandboxStarter(company, Date.now());
const APP = 'bascnStaffwireSandbox';

let connectors: ConnectorRegistry;
let dir: string;
let sandbox: SandboxSession;
let baseUrl: string;
const stores: SqliteStore[] = [];

beforeAll(async () => {
  connectors = await discoverConnectors();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'staffwire-bonus-'));
  sandbox = await startSandbox();
  baseUrl = await sandbox.listen();
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function engineOn(database: string): Engine {
  const store = new SqliteStore(join(dir, database));
  stores.push(store);
  const { appId, appSecret } = DEFAULT_SANDBOX_CREDENTIALS.lark;
  return new Engine({ store, connectors, connections: { lark: { connector: 'lark-corehr', baseUrl, appId, appSecret } }, log: pino({ level: 'silent' }) });
}

type Cells = Record<string, unknown>;

function table(id: string): Record<string, Cells> {
  const state = sandbox.context.state<{ apps: Record<string, { tables: Record<string, { records: Record<string, Cells> }> }> }>('lark-bitable', () => {
    throw new Error('the bitable fake has no state yet');
  });
  return state.apps[APP]!.tables[id]!.records;
}

function lumpSums(): Record<string, { user_id: string; total_amount: string }> {
  return sandbox.context.state<{ lumpSums: Record<string, { user_id: string; total_amount: string }> }>('lark-payroll', () => {
    throw new Error('the payroll fake has no state yet');
  }).lumpSums;
}

async function run(engine: Engine, flow: FlowDefinition, input: unknown) {
  const finished = await engine.runNow(engine.compile(flow), input);
  expect(finished.error, JSON.stringify(finished.error)).toBeUndefined();
  expect(finished.status).toBe('succeeded');
  return finished.output as Record<string, any>;
}

describe('bonus-allocation and bonus-to-payroll against the sandbox', () => {
  it('suggests amounts adding up to each pool, pays approved rows once, and writes rejections back to their rows', async () => {
    const engine = engineOn('staffwire.db');
    await run(engine, talentFlow, {});
    const talent = Object.values(table('tblTalentReview'));
    const sizes = new Map<string, number>();
    for (const row of talent) if (row.Status === 'Active') sizes.set(String(row['Department ID']), (sizes.get(String(row['Department ID'])) ?? 0) + 1);
    const [big, small] = [...sizes.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    const pools = { [big!]: '100000.01', [small!]: '333.33' };

    const allocation = await run(engine, allocationFlow, { period: '2025', currency: 'CNY', pools });
    expect(allocation.failures).toEqual([]);
    expect(allocation.departments).toEqual(
      expect.arrayContaining([
        { department: big, employees: sizes.get(big!), pool: '100000.01', allocated: '100000.01' },
        { department: small, employees: sizes.get(small!), pool: '333.33', allocated: '333.33' },
      ]),
    );
    const bonusRows = () => Object.entries(table('tblBonus'));
    for (const [department, pool] of Object.entries(pools)) {
      const rows = bonusRows().filter(([, cells]) => cells['Department ID'] === department);
      expect(rows).toHaveLength(sizes.get(department)!);
      expect(rows.map(([, cells]) => minor(String(cells.Amount), 2)).reduce((a, b) => a + b, 0n)).toBe(minor(pool, 2));
      expect(rows.every(([, cells]) => cells.Status === 'Suggested' && cells.Currency === 'CNY' && cells.Period === '2025')).toBe(true);
    }

    // Allocating the same period again leaves the departments' rows alone.
    const again = await run(engine, allocationFlow, { period: '2025', currency: 'CNY', pools });
    expect(again.departments.map((d: { skipped?: string }) => d.skipped)).toEqual([expect.stringContaining('already has rows'), expect.stringContaining('already has rows')]);
    expect(bonusRows()).toHaveLength(sizes.get(big!)! + sizes.get(small!)!);

    // Managers approve the big department, with one unknown employee and one amount typed with a comma.
    const approved = bonusRows().filter(([, cells]) => cells['Department ID'] === big);
    for (const [, cells] of approved) cells.Status = 'Approved';
    const [ghostId, ghost] = approved[0]!;
    ghost['Open ID'] = 'ou_not_an_employee';
    const [commaId, comma] = approved[1]!;
    const commaAmount = String(comma.Amount);
    comma.Amount = '1,000.00';
    const input = { period: '2025', item_id: 'bonus_2025', issuance_time: '2026-01-31' };

    const paid = await run(engine, payrollFlow, input);
    expect(paid.sync).toMatchObject({ read: approved.length, created: approved.length - 2, failed: 2 });
    expect(paid.paid).toBe(approved.length - 2);
    expect(Object.keys(lumpSums())).toHaveLength(approved.length - 2);
    expect(table('tblBonus')[ghostId]).toMatchObject({ Status: 'Rejected', 'Payroll error': 'vendor.21270223: Employee does not exist' });
    expect(table('tblBonus')[commaId]).toMatchObject({ Status: 'Rejected', 'Payroll error': expect.stringMatching(/^sync\.invalid_record: .*total_amount/) });
    for (const [id, cells] of approved.slice(2)) {
      expect(cells).toMatchObject({ Status: 'Paid', 'Payment unique ID': `2025:${id}:${cells['Open ID']}` });
      expect(lumpSums()[`2025:${id}:${cells['Open ID']}`]).toMatchObject({ user_id: cells['Open ID'], total_amount: cells.Amount });
    }

    // The write-back is lost (every paid row back to Approved) and the comma fixed: only the fixed row is paid.
    for (const [, cells] of approved.slice(2)) cells.Status = 'Approved';
    comma.Amount = commaAmount;
    comma.Status = 'Approved';
    const rerun = await run(engine, payrollFlow, input);
    expect(rerun.sync).toMatchObject({ read: approved.length - 1, created: 1, unchanged: approved.length - 2, failed: 0 });
    expect(Object.keys(lumpSums())).toHaveLength(approved.length - 1);
    expect(table('tblBonus')[commaId]).toMatchObject({ Status: 'Paid' });
    expect(table('tblBonus')[commaId]!['Payroll error']).toBeUndefined();

    // A process with a fresh store knows none of it, and Lark's unique_id still pays no one twice.
    for (const [, cells] of approved.slice(1)) cells.Status = 'Approved';
    const elsewhere = await run(engineOn('other.db'), payrollFlow, input);
    expect(elsewhere.sync).toMatchObject({ read: approved.length - 1, created: approved.length - 1, failed: 0 });
    expect(Object.keys(lumpSums())).toHaveLength(approved.length - 1);

    // A paid row whose amount is changed afterwards is not paid again: it comes back rejected, saying why.
    const [changedId, changed] = approved[2]!;
    changed.Amount = '1.00';
    changed.Status = 'Approved';
    await run(engine, payrollFlow, input);
    expect(lumpSums()[`2025:${changedId}:${changed['Open ID']}`]?.total_amount).not.toBe('1.00');
    expect(table('tblBonus')[changedId]).toMatchObject({ Status: 'Rejected', 'Payroll error': expect.stringContaining('payroll.lump_sum_created') });
  });
});
