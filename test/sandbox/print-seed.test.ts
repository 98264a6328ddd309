import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sandboxCommand, seedSummaryText } from '../../src/cli/commands/sandbox.js';
import { createSandbox } from '../../src/sandbox/sandbox-server.js';
import { DEFAULT_COMPANY_SEED, seedCompany } from '../../src/sandbox/seed-company.js';
import { seedSummary, type SeedSummary } from '../../src/sandbox/seed-listing.js';

let printed: string[];

beforeEach(() => {
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Options as the command line gives them; the port is one no sandbox could listen on, to show none is needed. */
const options = (extra: Record<string, unknown>) => ({ port: 'no port', host: 'no host', seed: '40', tokenTtl: '0', printSeed: true, ...extra });

describe('staffwire sandbox --print-seed', () => {
  it('prints the company, then every section with a table of its first items and where the rest are, without listening', async () => {
    expect(await sandboxCommand(options({}))).toBe(0);
    const text = printed.join('\n');
    const company = seedCompany({ employees: 40, seed: DEFAULT_COMPANY_SEED });
    expect(text).toContain(`${company.name}: 40 employees, 4 departments, 3 offers, 8 work locations (generated, seed "${DEFAULT_COMPANY_SEED}")`);
    expect(text).not.toContain('listening');
    expect(text).toMatch(/^employees \(lark-corehr\): 40 — CoreHR employees/m);
    expect(text).toMatch(/^ {2}employment_id +employee_number +open_id +user_id +name +department +work_location +time_zone +status$/m);
    const first = company.employees[0]!;
    expect(text).toMatch(new RegExp(`^  ${first.employmentId} +${first.employeeNo} +${first.openId} +${first.userId} +${first.name} `, 'm'));
    expect(text).toContain('  … 35 more: GET /_sandbox/seed?section=employees&offset=5');
    expect(text).toMatch(/^offers \(lark-hire\): 3 — /m);
    expect(text).toMatch(new RegExp(`^  ${company.offers[0]!.offerId} +7 +accepted +${company.offers[0]!.applicationId} `, 'm'));
    for (const section of ['users (lark-contact)', 'departments (lark-corehr)', 'work_locations (lark-corehr)', 'bitable_tables (lark-bitable)', 'payroll_datasources (lark-payroll)', 'docusign_accounts (docusign)']) {
      expect(text).toContain(`\n${section}: `);
    }
    expect(text).toContain('The fake holds no templates');
  });

  it('prints the same summary as GET /_sandbox/seed with --json', async () => {
    expect(await sandboxCommand(options({ json: true }))).toBe(0);
    const sandbox = await createSandbox({ company: seedCompany({ employees: 40, seed: DEFAULT_COMPANY_SEED }) });
    try {
      const served = (await sandbox.app.inject({ method: 'GET', url: '/_sandbox/seed' })).json<SeedSummary>();
      expect(JSON.parse(printed.join('\n'))).toEqual(served);
    } finally {
      await sandbox.app.close();
    }
  });

  it('still refuses a seed it cannot use', async () => {
    await expect(sandboxCommand(options({ seed: '0' }))).rejects.toThrow('--seed expects a whole number from 1 to 1000000, got "0"');
  });
});

describe('seedSummaryText', () => {
  it('aligns columns by the width a terminal gives the text, Chinese names taking two columns a character', async () => {
    const sandbox = await createSandbox({ company: seedCompany({ employees: 40, seed: DEFAULT_COMPANY_SEED }) });
    try {
      const summary = seedSummary(sandbox.context, sandbox.modules);
      summary.sections = { employees: summary.sections.employees! };
      summary.sections.employees!.items = [
        { ...summary.sections.employees!.items[0], name: '王伟', department: 'A' },
        { ...summary.sections.employees!.items[1], name: 'Ada Li', department: 'B' },
      ];
      const rows = seedSummaryText(summary, 'test').split('\n').filter((line) => / [AB] /.test(line));
      const departmentColumn = (line: string) => [...line.slice(0, line.search(/ [AB] /))].reduce((width, char) => width + (/\p{Script=Han}/u.test(char) ? 2 : 1), 0);
      expect(rows).toHaveLength(2);
      expect(departmentColumn(rows[0]!)).toBe(departmentColumn(rows[1]!));
    } finally {
      await sandbox.app.close();
    }
  });
});
