import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxModule } from '../../src/sandbox/sandbox-context.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';
import { seedSections, type SeedPage, type SeedSummary } from '../../src/sandbox/seed-listing.js';
import { larkCall, larkTenantToken } from '../support/lark-sandbox.js';

const company = seedCompany({ employees: 120, seed: 'seed-listing' });
const started: Sandbox[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((sandbox) => sandbox.app.close()));
});

async function sandboxOf(size = company): Promise<Sandbox> {
  const sandbox = await createSandbox({ company: size });
  started.push(sandbox);
  return sandbox;
}

async function seed<T = SeedSummary>(sandbox: Sandbox, query = ''): Promise<{ status: number; body: T }> {
  const response = await sandbox.app.inject({ method: 'GET', url: `/_sandbox/seed${query}` });
  return { status: response.statusCode, body: response.json<T>() };
}

describe('GET /_sandbox/seed', () => {
  it("summarises the company and the first 5 items of every fake's sections, each naming its connector and where the rest are", async () => {
    const { status, body } = await seed(await sandboxOf());
    expect(status).toBe(200);
    expect(body.company).toEqual({ name: company.name, workLocations: 8, departments: 12, employees: 120, offers: 3 });
    expect(Object.fromEntries(Object.entries(body.sections).map(([name, page]) => [name, page.connector]))).toEqual({
      docusign_accounts: 'docusign',
      bitable_tables: 'lark-bitable',
      users: 'lark-contact',
      employees: 'lark-corehr',
      departments: 'lark-corehr',
      work_locations: 'lark-corehr',
      offers: 'lark-hire',
      payroll_datasources: 'lark-payroll',
      performance_semesters: 'lark-performance',
      performance_ratings: 'lark-performance',
    });
    const employees = body.sections.employees!;
    expect(employees).toMatchObject({ total: 120, offset: 0, next: '/_sandbox/seed?section=employees&offset=5' });
    expect(employees.items).toHaveLength(5);
    expect(body.sections.offers).toMatchObject({ total: 3, items: expect.any(Array) });
    expect(body.sections.offers!.next).toBeUndefined();
  });

  it('gives each employee every id a flow needs, with department, work location and time zone', async () => {
    const { body } = await seed(await sandboxOf());
    const first = company.employees[1]!;
    const location = company.workLocations.find((l) => l.id === first.workLocationId)!;
    expect(body.sections.employees!.items[1]).toMatchObject({
      employment_id: first.employmentId,
      open_id: first.openId,
      user_id: first.userId,
      employee_number: first.employeeNo,
      name: first.name,
      department_id: first.departmentId,
      department: company.departments.find((d) => d.id === first.departmentId)!.name,
      work_location_id: first.workLocationId,
      work_location: location.name,
      time_zone: location.timeZone,
    });
    expect(body.sections.departments!.items[0]).toMatchObject({ department_id: company.departments[0]!.id, name: company.name });
    expect(body.sections.departments!.items[0]).not.toHaveProperty('parent_department_id');
    expect(body.sections.departments!.items[1]).toMatchObject({ parent_department_id: company.departments[0]!.id, leader_employment_id: company.departments[1]!.leaderEmploymentId });
  });

  it('pages one section with limit and offset, linking the next page until the last', async () => {
    const sandbox = await sandboxOf();
    const page = await seed<SeedPage & { section: string }>(sandbox, '?section=employees&limit=50&offset=50');
    expect(page.body).toMatchObject({ section: 'employees', connector: 'lark-corehr', total: 120, offset: 50, next: '/_sandbox/seed?section=employees&offset=100&limit=50' });
    expect(page.body.items.map((e) => e.employment_id)).toEqual(company.employees.slice(50, 100).map((e) => e.employmentId));
    const last = await seed<SeedPage>(sandbox, '?section=employees&limit=50&offset=100');
    expect(last.body.items).toHaveLength(20);
    expect(last.body.next).toBeUndefined();
    const byDefault = await seed<SeedPage>(sandbox, '?section=employees');
    expect(byDefault.body.items).toHaveLength(50);
  });

  it('keeps the items with a field containing q, in any case, and pages the matches', async () => {
    const sandbox = await sandboxOf();
    const department = company.departments[1]!;
    const members = company.employees.filter((e) => e.departmentId === department.id);
    const found = await seed<SeedPage>(sandbox, `?section=employees&limit=2&q=${department.id}`);
    expect(found.body.total).toBe(members.length);
    expect(found.body.items.map((e) => e.employment_id)).toEqual(members.slice(0, 2).map((e) => e.employmentId));
    expect(found.body.next).toBe(`/_sandbox/seed?section=employees&offset=2&limit=2&q=${department.id}`);
    const byName = await seed<SeedPage>(sandbox, `?section=employees&q=${encodeURIComponent(company.employees[7]!.name.toUpperCase())}`);
    expect(byName.body.items.map((e) => e.employment_id)).toContain(company.employees[7]!.employmentId);
  });

  it('shows what the fakes hold now: a table created through the API is listed', async () => {
    const sandbox = await sandboxOf();
    const token = await larkTenantToken(sandbox);
    const created = await larkCall(sandbox, token, 'POST', '/open-apis/bitable/v1/apps/bascnStaffwireSandbox/tables', { table: { name: 'Onboarding' } });
    const { body } = await seed<SeedPage>(sandbox, '?section=bitable_tables');
    expect(body.items.map((t) => t.name)).toEqual(['Employees', 'Performance reviews', 'Talent review', 'Bonus allocation', 'Talent history', 'Onboarding']);
    expect(body.items[5]).toMatchObject({ app_token: 'bascnStaffwireSandbox', table_id: created.body.data!.table_id });
  });

  it('stays a page long at 100,000 employees', async () => {
    const sandbox = await sandboxOf(seedCompany({ employees: 100_000 }));
    const summary = await sandbox.app.inject({ method: 'GET', url: '/_sandbox/seed' });
    expect(summary.json<SeedSummary>().sections.employees!.total).toBe(100_000);
    expect(summary.body.length).toBeLessThan(40_000);
    const page = await seed<SeedPage>(sandbox, '?section=employees&limit=50&offset=99950');
    expect(page.body.items).toHaveLength(50);
    expect(page.body.items[49]).toMatchObject({ employee_number: 'E100000' });
  });

  it.each([
    ['?section=nope', 404, /^no seed section named "nope"; sections: docusign_accounts, bitable_tables, users, employees, departments, work_locations, offers, payroll_datasources, performance_semesters, performance_ratings$/],
    ['?section=employees&limit=many', 400, /^limit must be a whole number from 0 to 1000, got "many"$/],
    ['?section=employees&limit=1001', 400, /^limit must be a whole number from 0 to 1000, got "1001"$/],
    ['?section=employees&offset=-1', 400, /^offset must be a whole number/],
    ['?offset=5', 400, /^offset pages one section: give section too/],
    ['?page=2', 400, /has unknown field "page" \(allowed: section, limit, offset, q\)/],
  ])('answers %s with %i naming the problem', async (query, status, message) => {
    const answer = await seed<{ error: string }>(await sandboxOf(), query);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatch(message);
  });
});

describe('seed sections', () => {
  it('refuse two fakes naming a section alike', async () => {
    const sandbox = await sandboxOf();
    const section = { name: 'offers', title: 'Offers again', columns: [], size: 0, item: () => ({}) };
    const modules = new Map<string, SandboxModule>([...sandbox.modules, ['other-hire', { register() {}, seed: () => [section] }]]);
    expect(() => seedSections(sandbox.context, modules)).toThrow('seed section "offers" is named by both lark-hire and other-hire');
  });
});
