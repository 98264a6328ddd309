import * as lark from '@larksuiteoapi/node-sdk';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import type { SeededCompany, SeededEmployee } from '../../src/sandbox/seed-company.js';
import { actionContext, runAction } from '../../test/support/action-context.js';
import { larkCall, larkSandboxConnection, larkTenantToken } from '../../test/support/lark-sandbox.js';
import { sandboxStarter, seededEmployee } from '../../test/support/sandbox-session.js';
import { waitFor } from '../../test/support/wait-for.js';
import { verifyLarkWebhook } from '../lark-shared/lark-webhook.js';
import connector from './index.js';
import { COREHR_INVALID_PARAM, COREHR_REQUESTS_PER_SECOND, coreHrState } from './sandbox.js';
import { FIELD_VALIDATION_FAILED } from '../lark-shared/lark-sandbox.js';

function employee(key: string, overrides: Partial<SeededEmployee> = {}): SeededEmployee {
  return seededEmployee(key, { departmentId: 'D-eng', managerEmploymentId: 'E-cto', workLocationId: 'wl-sh', ...overrides });
}

const company: SeededCompany = {
  name: 'Acme',
  workLocations: [
    { id: 'wl-sh', name: 'Shanghai', timeZone: 'Asia/Shanghai' },
    { id: 'wl-dc', name: 'Washington', timeZone: 'America/New_York' },
  ],
  departments: [
    { id: 'D-root', name: 'Acme', parentId: undefined, leaderEmploymentId: 'E-ceo' },
    { id: 'D-eng', name: 'Engineering', parentId: 'D-root', leaderEmploymentId: 'E-cto' },
    { id: 'D-platform', name: 'Platform', parentId: 'D-eng', leaderEmploymentId: undefined },
    { id: 'D-sales', name: 'Sales', parentId: 'D-root', leaderEmploymentId: undefined },
  ],
  employees: [
    employee('ceo', { departmentId: 'D-root', managerEmploymentId: undefined, workLocationId: 'wl-dc' }),
    employee('cto', { managerEmploymentId: 'E-ceo' }),
    employee('ada'),
    employee('alan', { departmentId: 'D-platform' }),
    employee('grace', { status: 'terminated' }),
  ],
  offers: [],
};

const start = sandboxStarter(company, Date.UTC(2025, 2, 3, 1));

const preHireBody = (outBizId: string, overrides: Record<string, unknown> = {}) => ({
  basic_info: { name: { full_name: 'Linus Pauling' }, email: 'linus@example.com', phone_number: '13800000000' },
  offer_info: { onboarding_date: '2025-03-10', department_id: 'od-D-eng', direct_leader_id: 'E-cto', work_email: 'linus@acme.test', work_location_id: 'wl-dc' },
  ats_application_id: 'ap-linus',
  out_biz_id: outBizId,
  ...overrides,
});

async function createPreHire(s: Sandbox, token: string, outBizId: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const created = await larkCall(s, token, 'POST', '/open-apis/corehr/v2/pre_hires', preHireBody(outBizId, overrides));
  expect(created.status).toBe(200);
  return created.body.data?.pre_hire_id as string;
}

/** The pre-hire's onboarding status, as search shows it when asked for each status in turn. */
async function statusOf(s: Sandbox, token: string, preHireId: string): Promise<string | undefined> {
  for (const status of ['preboarding', 'day_one', 'completed', 'withdrawn', 'deleted']) {
    const found = await larkCall(s, token, 'POST', '/open-apis/corehr/v2/pre_hires/search?page_size=100', { pre_hire_ids: [preHireId], onboarding_status: status });
    if (found.body.data?.items.length) return status;
  }
  return undefined;
}

describe('lark-corehr sandbox', () => {
  it("refuses a call without a live tenant token with Lark's 99991663", async () => {
    const s = await start();
    const response = await s.app.inject({ method: 'POST', url: '/open-apis/corehr/v2/employees/search?page_size=10', payload: {} });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 99991663 });
    const expired = await larkTenantToken(s);
    s.tick(7200 * 1000);
    expect(await larkCall(s, expired, 'POST', '/open-apis/corehr/v2/employees/search?page_size=10', {})).toMatchObject({ status: 400, body: { code: 99991663 } });
  });

  describe('pre-hires', () => {
    it('creates one pre-hire per out_biz_id: the same key answers the same pre_hire_id', async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      const first = await createPreHire(s, token, 'run-1/create');
      expect(first).toMatch(/^\d{19}$/);
      expect(await createPreHire(s, token, 'run-1/create')).toBe(first);
      expect(await createPreHire(s, token, 'run-2/create')).not.toBe(first);
      expect(coreHrState(s.context).preHires).toHaveLength(2);
    });

    it('refuses a create without basic_info or offer_info', async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      const refused = await larkCall(s, token, 'POST', '/open-apis/corehr/v2/pre_hires', { basic_info: {} });
      expect(refused).toMatchObject({ status: 400, body: { code: COREHR_INVALID_PARAM } });
    });

    it('queries pre-hires by id in Lark shape, at most 10 ids and 10 a page', async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      const id = await createPreHire(s, token, 'k1');
      const queried = await larkCall(s, token, 'POST', '/open-apis/corehr/v2/pre_hires/query?page_size=10&department_id_type=department_id', {
        pre_hire_ids: [id, '404'],
      });
      expect(queried.body).toMatchObject({ code: 0, data: { has_more: false } });
      expect(queried.body.data?.items).toEqual([
        {
          pre_hire_id: id,
          person_info: { preferred_name: 'Linus Pauling', legal_name: 'Linus Pauling', phone_number: '13800000000', email_address: 'linus@example.com' },
          employment_info: { department_id: 'D-eng', direct_leader_id: 'E-cto', work_email: 'linus@acme.test', work_location_id: 'wl-dc' },
          onboarding_info: { onboarding_status: 'preboarding', onboarding_date: '2025-03-10', ats_application_id: 'ap-linus' },
        },
      ]);
      const elevenIds = Array.from({ length: 11 }, (_, i) => String(i));
      expect(await larkCall(s, token, 'POST', '/open-apis/corehr/v2/pre_hires/query?page_size=10', { pre_hire_ids: elevenIds })).toMatchObject({
        status: 400,
        body: { code: FIELD_VALIDATION_FAILED },
      });
      expect(await larkCall(s, token, 'POST', '/open-apis/corehr/v2/pre_hires/query?page_size=11', { pre_hire_ids: [id] })).toMatchObject({
        status: 400,
        body: { code: FIELD_VALIDATION_FAILED },
      });
    });

    it('searches by status, department and onboarding date, 100 a page at most, page after page', async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      const ids = [];
      for (const key of ['a', 'b', 'c']) ids.push(await createPreHire(s, token, key));
      await createPreHire(s, token, 'sales', { offer_info: { onboarding_date: '2025-04-01', department_id: 'D-sales' } });
      const search = (query: string, body: object) => larkCall(s, token, 'POST', `/open-apis/corehr/v2/pre_hires/search?${query}`, body);

      const first = await search('page_size=2', { department_ids: ['D-eng'], onboarding_status: 'preboarding' });
      expect(first.body.data).toMatchObject({ has_more: true });
      expect(first.body.data?.items.map((p: any) => p.pre_hire_id)).toEqual(ids.slice(0, 2));
      const second = await search(`page_size=2&page_token=${first.body.data?.page_token}`, { department_ids: ['D-eng'], onboarding_status: 'preboarding' });
      expect(second.body.data).toMatchObject({ has_more: false, items: [{ pre_hire_id: ids[2] }] });

      const april = await search('page_size=100', { onboarding_date_start: '2025-04-01', onboarding_date_end: '2025-04-30' });
      expect(april.body.data?.items.map((p: any) => p.employment_info.department_id)).toEqual(['od-D-sales']);
      expect(await search('page_size=101', {})).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
      expect(await search('page_size=10&user_id_type=email', {})).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
    });

    it('completes a pre-hire into an employee, once', async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      const id = await createPreHire(s, token, 'k1');
      expect(await larkCall(s, token, 'POST', `/open-apis/corehr/v2/pre_hires/${id}/complete`)).toMatchObject({ status: 200, body: { code: 0, data: { success: true } } });
      expect(await statusOf(s, token, id)).toBe('completed');
      const hired = await larkCall(s, token, 'POST', '/open-apis/corehr/v2/employees/search?page_size=100&user_id_type=people_corehr_id', {
        department_id_list: ['D-eng'],
        fields: ['prehire_id', 'ats_application_id', 'direct_manager_id', 'time_zone', 'effective_date', 'employment_status', 'person_info.preferred_name'],
      });
      const linus = hired.body.data?.items.find((e: any) => e.prehire_id === id);
      expect(linus).toMatchObject({
        ats_application_id: 'ap-linus',
        direct_manager_id: 'E-cto',
        time_zone: 'America/New_York',
        effective_date: '2025-03-10',
        employment_status: { enum_name: 'hired' },
        person_info: { preferred_name: 'Linus Pauling' },
      });
      expect(linus.employment_id).toMatch(/^\d{19}$/);
      expect(await larkCall(s, token, 'POST', `/open-apis/corehr/v2/pre_hires/${id}/complete`)).toMatchObject({ status: 400, body: { code: COREHR_INVALID_PARAM } });
      expect(await larkCall(s, token, 'DELETE', `/open-apis/corehr/v2/pre_hires/${id}`)).toMatchObject({ status: 400, body: { code: COREHR_INVALID_PARAM } });
    });

    it('withdraws an onboarding with a reason, and then refuses to complete it', async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      const id = await createPreHire(s, token, 'k1');
      const withdraw = (body: object) => larkCall(s, token, 'POST', '/open-apis/corehr/v2/pre_hires/withdraw_onboarding', body);
      expect(await withdraw({ pre_hire_id: id })).toMatchObject({ status: 400, body: { code: COREHR_INVALID_PARAM } });
      expect(await withdraw({ pre_hire_id: id, withdraw_reason: 'Declined' })).toMatchObject({ status: 200, body: { data: { success: true } } });
      expect(await statusOf(s, token, id)).toBe('withdrawn');
      expect(await withdraw({ pre_hire_id: id, withdraw_reason: 'Declined' })).toMatchObject({ status: 400, body: { code: COREHR_INVALID_PARAM } });
      expect(await larkCall(s, token, 'POST', `/open-apis/corehr/v2/pre_hires/${id}/complete`)).toMatchObject({ status: 400, body: { code: COREHR_INVALID_PARAM } });
    });

    it('deletes a pre-hire: query no longer finds it, a search for deleted ones does', async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      const id = await createPreHire(s, token, 'k1');
      expect(await larkCall(s, token, 'DELETE', `/open-apis/corehr/v2/pre_hires/${id}`)).toMatchObject({ status: 200, body: { code: 0 } });
      const queried = await larkCall(s, token, 'POST', '/open-apis/corehr/v2/pre_hires/query?page_size=10', { pre_hire_ids: [id] });
      expect(queried.body.data?.items).toEqual([]);
      const searched = await larkCall(s, token, 'POST', '/open-apis/corehr/v2/pre_hires/search?page_size=100', { pre_hire_ids: [id] });
      expect(searched.body.data?.items).toEqual([]);
      expect(await statusOf(s, token, id)).toBe('deleted');
      expect(await larkCall(s, token, 'DELETE', `/open-apis/corehr/v2/pre_hires/${id}`)).toMatchObject({ status: 400, body: { code: COREHR_INVALID_PARAM } });
    });
  });

  describe('employees and departments', () => {
    it('searches seeded employees with ids in the requested id type, 100 a page at most', async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      const search = (query: string, body: object) => larkCall(s, token, 'POST', `/open-apis/corehr/v2/employees/search?${query}`, body);
      const fields = ['employee_number', 'department_id', 'direct_manager_id', 'work_location_id', 'time_zone', 'person_info.preferred_name', 'person_info.email_address'];
      const hired = await search('page_size=100', { employment_status: 'hired', department_id_list: ['od-D-eng'], fields });
      expect(hired.body.data?.items.map((e: any) => e.employment_id)).toEqual(['ou_cto', 'ou_ada']);
      expect(hired.body.data?.items[1]).toEqual({
        employment_id: 'ou_ada',
        employee_number: 'A-ada',
        department_id: 'od-D-eng',
        direct_manager_id: 'ou_cto',
        work_location_id: 'wl-sh',
        time_zone: 'Asia/Shanghai',
        person_info: { preferred_name: 'Person ada', email_address: 'ada@acme.test' },
      });
      // As at Lark: no fields asked for, only the employment id.
      expect((await search('page_size=100', { employment_status: 'hired', department_id_list: ['od-D-eng'] })).body.data?.items).toEqual([{ employment_id: 'ou_cto' }, { employment_id: 'ou_ada' }]);
      expect(await search('page_size=100', { fields: Array.from({ length: 101 }, (_, i) => `f${i}`) })).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
      const byUserId = await search('page_size=100&user_id_type=user_id&department_id_type=department_id', { direct_manager_id_list: ['u-cto'], fields: ['department_id'] });
      expect(byUserId.body.data?.items.map((e: any) => [e.employment_id, e.department_id])).toEqual([
        ['u-ada', 'D-eng'],
        ['u-alan', 'D-platform'],
        ['u-grace', 'D-eng'],
      ]);
      const terminated = await search('page_size=100&user_id_type=people_corehr_id', { employment_status: 'terminated' });
      expect(terminated.body.data?.items.map((e: any) => e.employment_id)).toEqual(['E-grace']);

      const first = await search('page_size=3', {});
      expect(first.body.data).toMatchObject({ has_more: true });
      const rest = await search(`page_size=3&page_token=${first.body.data?.page_token}`, {});
      expect([...first.body.data?.items, ...rest.body.data?.items].map((e: any) => e.employment_id)).toEqual(['ou_ceo', 'ou_cto', 'ou_ada', 'ou_alan', 'ou_grace']);
      expect(rest.body.data).toMatchObject({ has_more: false });
      expect(await search('page_size=101', {})).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
    });

    it('gets employees by employment id, person id or work email, at most 100 of each', async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      const batch = (query: string, body: object) => larkCall(s, token, 'POST', `/open-apis/corehr/v2/employees/batch_get${query}`, body);
      const got = await batch('?user_id_type=people_corehr_id', { employment_ids: ['E-ada', 'E-nobody'], work_emails: ['alan@acme.test'] });
      expect(got.body.data?.items.map((e: any) => e.employment_id)).toEqual(['E-ada', 'E-alan']);
      const tooMany = Array.from({ length: 101 }, (_, i) => `E-${i}`);
      expect(await batch('', { employment_ids: tooMany })).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
      expect(await batch('', { work_emails: tooMany })).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
    });

    it('gets and searches seeded departments', async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      const got = await larkCall(s, token, 'POST', '/open-apis/corehr/v2/departments/batch_get?user_id_type=user_id', { department_id_list: ['od-D-eng', 'D-root'] });
      expect(got.body.data?.items).toEqual([
        {
          id: 'od-D-root',
          department_name: [{ lang: 'en-US', value: 'Acme' }],
          manager: 'u-ceo',
          code: 'D-root',
          is_root: true,
          is_confidential: false,
          active: true,
          effective_date: '2020-01-01',
        },
        expect.objectContaining({ id: 'od-D-eng', parent_department_id: 'od-D-root', manager: 'u-cto', is_root: false }),
      ]);
      expect(await larkCall(s, token, 'POST', '/open-apis/corehr/v2/departments/batch_get', { department_id_list: Array.from({ length: 101 }, String) })).toMatchObject({
        status: 400,
        body: { code: FIELD_VALIDATION_FAILED },
      });

      const search = (query: string, body: object) => larkCall(s, token, 'POST', `/open-apis/corehr/v2/departments/search?department_id_type=department_id&${query}`, body);
      const children = await search('page_size=100', { parent_department_id: 'D-root' });
      expect(children.body.data?.items.map((d: any) => d.id)).toEqual(['D-eng', 'D-sales']);
      const below = await search('page_size=100', { parent_department_id: 'D-root', get_all_children: true });
      expect(below.body.data?.items.map((d: any) => d.id)).toEqual(['D-eng', 'D-platform', 'D-sales']);
      const led = await search('page_size=100&user_id_type=people_corehr_id', { manager_list: ['E-cto'] });
      expect(led.body.data?.items.map((d: any) => d.id)).toEqual(['D-eng']);
      const first = await search('page_size=3', {});
      expect(first.body.data).toMatchObject({ has_more: true });
      expect(await search(`page_size=3&page_token=${first.body.data?.page_token}`, {})).toMatchObject({ body: { data: { has_more: false, items: [{ id: 'D-sales' }] } } });
      expect(await search('page_size=101', {})).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
    });
  });

  describe('job changes', () => {
    it('start empty and filter what the state holds, 100 a page at most', async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      const jobChanges = (query: string, body: object) => larkCall(s, token, 'POST', `/open-apis/corehr/v2/job_changes/search?${query}`, body);
      expect((await jobChanges('page_size=100', {})).body.data).toEqual({ items: [], has_more: false });
      const state = coreHrState(s.context);
      state.jobChanges.push(
        { job_change_id: 'jc-1', employment_id: 'E-ada', status: 'Approved', effective_date: '2025-04-01' },
        { job_change_id: 'jc-2', employment_id: 'E-alan', status: 'Cancelled', effective_date: '2025-04-01' },
      );
      expect((await jobChanges('page_size=100', { statuses: ['Approved', 'Transformed'] })).body.data?.items).toEqual([state.jobChanges[0]]);
      expect((await jobChanges('page_size=100', { job_change_ids: ['jc-2'], employment_ids: ['E-alan'] })).body.data?.items).toEqual([state.jobChanges[1]]);
      expect(await jobChanges('page_size=101', {})).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
    });
  });

  it(`answers the ${COREHR_REQUESTS_PER_SECOND + 1}th request to one API within a second with 429 and Lark's rate-limit headers`, async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    const search = () => larkCall(s, token, 'POST', '/open-apis/corehr/v2/employees/search?page_size=1', {});
    for (let i = 0; i < COREHR_REQUESTS_PER_SECOND; i++) expect((await search()).status).toBe(200);
    const limited = await search();
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 99991400, msg: 'request trigger frequency limit' });
    expect(limited.headers).toMatchObject({ 'x-ogw-ratelimit-limit': String(COREHR_REQUESTS_PER_SECOND), 'x-ogw-ratelimit-reset': '1' });
    // Each API has its own budget.
    expect((await larkCall(s, token, 'POST', '/open-apis/corehr/v2/departments/search?page_size=1', {})).status).toBe(200);
    s.tick(1000);
    expect((await search()).status).toBe(200);
  });

  describe('as a server', () => {
    it('serves the connector: create (idempotent), query, complete, then the employee is found', async () => {
      const s = await start();
      const context = actionContext(larkSandboxConnection('lark-corehr', await s.listen()));
      // Answers are checked against the sandbox's Lark shapes below, not typed here.
      const run = (action: string, input: unknown, ctx = context) => runAction(connector, action, input, ctx) as Promise<any>;
      const input = { basic_info: { name: { full_name: 'Rosalind Franklin' } }, offer_info: { onboarding_date: '2025-03-17', department_id: 'od-D-platform' } };
      const { pre_hire_id } = await run('pre_hire.create', input);
      expect(await run('pre_hire.create', input, { ...context, attempt: 2 })).toMatchObject({ pre_hire_id });
      expect(await run('pre_hire.get', { pre_hire_id })).toMatchObject({ pre_hire: { onboarding_info: { onboarding_status: 'preboarding' } } });
      expect(await run('pre_hire.complete', { pre_hire_id })).toEqual({ success: true });
      expect(await run('pre_hire.complete', { pre_hire_id }, { ...context, attempt: 2 })).toEqual({ success: true });
      const found = await run('employee.search', { department_id_list: ['D-platform'], fields: ['person_info.preferred_name'], all: true, page_size: 1 });
      expect(found.items.map((e: any) => e.person_info.preferred_name)).toEqual(['Person alan', 'Rosalind Franklin']);
    });

    it('answers the official Lark SDK as Lark would', async () => {
      const url = await (await start()).listen();
      const { appId, appSecret } = DEFAULT_SANDBOX_CREDENTIALS.lark;
      const client = new lark.Client({ appId, appSecret, domain: url, loggerLevel: lark.LoggerLevel.error });
      const created = await client.corehr.v2.preHire.create({
        data: { basic_info: { name: { full_name: 'Dorothy Hodgkin' } }, offer_info: { onboarding_date: '2025-03-24' }, out_biz_id: 'sdk-1' },
      });
      expect(created.code).toBe(0);
      const preHireId = created.data?.pre_hire_id ?? '';
      const queried = await client.corehr.v2.preHire.query({ data: { pre_hire_ids: [preHireId] }, params: { page_size: 10 } });
      expect(queried.data?.items?.[0]?.onboarding_info?.onboarding_status).toBe('preboarding');
      const employees = await client.corehr.v2.employee.search({ data: { employment_status: 'hired' }, params: { page_size: 100, user_id_type: 'people_corehr_id' } });
      expect(employees.data?.items?.map((e) => e.employment_id)).toEqual(['E-ceo', 'E-cto', 'E-ada', 'E-alan']);
    });
  });
});

describe('lark-corehr sandbox: state and seed', () => {
  it('answers its state from the first request: the seeded employees, and no pre-hires, offboardings or job changes', async () => {
    const s = await start();
    const response = await s.app.inject({ method: 'GET', url: '/_sandbox/state?connector=lark-corehr' });
    expect(response.statusCode).toBe(200);
    const state = response.json().connectors['lark-corehr'];
    expect(state).toMatchObject({ preHires: [], offboardings: [], jobChanges: [], lastId: 0 });
    expect(state.employees.map((e: SeededEmployee) => e.employmentId)).toEqual(['E-ceo', 'E-cto', 'E-ada', 'E-alan', 'E-grace']);
  });

  it('lists its employees, departments and work locations in the seed, a completed pre-hire among the employees', async () => {
    const s = await start();
    const seed = async (section: string) => (await s.app.inject({ method: 'GET', url: `/_sandbox/seed?section=${section}` })).json<{ connector: string; total: number; items: Record<string, unknown>[] }>();
    expect((await seed('employees')).items[0]).toEqual({
      employment_id: 'E-ceo',
      employee_number: 'A-ceo',
      open_id: 'ou_ceo',
      user_id: 'u-ceo',
      union_id: 'on_ceo',
      name: 'Person ceo',
      email: 'ceo@acme.test',
      department_id: 'D-root',
      department: 'Acme',
      work_location_id: 'wl-dc',
      work_location: 'Washington',
      time_zone: 'America/New_York',
      hire_date: '2021-04-01',
      status: 'hired',
    });
    expect((await seed('departments')).items[1]).toEqual({
      department_id: 'D-eng',
      open_department_id: 'od-D-eng',
      name: 'Engineering',
      parent_department_id: 'D-root',
      leader_employment_id: 'E-cto',
      leader_name: 'Person cto',
    });
    expect((await seed('work_locations')).items).toEqual([
      { work_location_id: 'wl-sh', name: 'Shanghai', time_zone: 'Asia/Shanghai' },
      { work_location_id: 'wl-dc', name: 'Washington', time_zone: 'America/New_York' },
    ]);

    const token = await larkTenantToken(s);
    const id = await createPreHire(s, token, 'seeded-later');
    await larkCall(s, token, 'POST', `/open-apis/corehr/v2/pre_hires/${id}/complete`);
    const employees = await seed('employees');
    expect(employees.total).toBe(6);
    expect(employees.items[5]).toMatchObject({ name: 'Linus Pauling', pre_hire_id: id, department: 'Engineering', time_zone: 'America/New_York' });
  });
});

/** What a webhook endpoint on this machine received: each push verified and decrypted as Staffwire's intake does. */
async function eventCatcher(): Promise<{ url: string; events: { type: string; payload: Record<string, any> }[]; close(): Promise<void> }> {
  const events: { type: string; payload: Record<string, any> }[] = [];
  const { encryptKey, verificationToken } = DEFAULT_SANDBOX_CREDENTIALS.lark;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      // The sandbox signs with its own clock's timestamp, so the check takes the time from the delivery.
      const sentAt = Number(request.headers['x-lark-request-timestamp']) * 1000;
      const result = verifyLarkWebhook({ headers: request.headers, rawBody: Buffer.concat(chunks) }, { encryptKey, verificationToken, now: () => sentAt });
      if (result.kind === 'event') events.push({ type: result.event.type, payload: result.event.payload as Record<string, any> });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/lark`,
    events,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Someone in each zone where the 24:00 rule bites differently: UTC−8, UTC+8, UTC+13 in January. */
function leaver(key: string, workLocationId: string, overrides: Partial<SeededEmployee> = {}): SeededEmployee {
  return seededEmployee(key, { departmentId: 'D-ops', managerEmploymentId: 'E-boss', workLocationId, ...overrides });
}

const leavingCompany: SeededCompany = {
  name: 'Leavers Ltd',
  workLocations: [
    { id: 'wl-sf', name: 'San Francisco', timeZone: 'America/Los_Angeles' },
    { id: 'wl-sh', name: 'Shanghai', timeZone: 'Asia/Shanghai' },
    { id: 'wl-akl', name: 'Auckland', timeZone: 'Pacific/Auckland' },
  ],
  departments: [
    { id: 'D-root', name: 'Leavers Ltd', parentId: undefined, leaderEmploymentId: 'E-boss' },
    { id: 'D-ops', name: 'Operations', parentId: 'D-root', leaderEmploymentId: undefined },
  ],
  employees: [
    leaver('boss', 'wl-sh', { departmentId: 'D-root', managerEmploymentId: undefined }),
    leaver('sam', 'wl-sf'),
    leaver('li', 'wl-sh'),
    leaver('aroha', 'wl-akl'),
    leaver('wen', 'wl-sh'),
    leaver('rita', 'wl-sf'),
    leaver('stay', 'wl-akl'),
    leaver('nia', 'wl-sf'),
  ],
  offers: [],
  offboardings: [
    { offboardingId: 'off-sam', employmentId: 'E-sam', status: 'Approved', leavingInDays: 1, reasonId: 'reason_for_offboarding_option1', retainAccount: false },
    { offboardingId: 'off-li', employmentId: 'E-li', status: 'Approved', leavingInDays: 2, reasonId: 'reason_for_offboarding_option1', retainAccount: false },
    { offboardingId: 'off-aroha', employmentId: 'E-aroha', status: 'NoNeedApproval', leavingInDays: 3, reasonId: 'reason_for_offboarding_option4', retainAccount: false },
    { offboardingId: 'off-wen', employmentId: 'E-wen', status: 'Withdrawn', leavingInDays: 2, reasonId: 'reason_for_offboarding_option1', retainAccount: false },
    { offboardingId: 'off-rita', employmentId: 'E-rita', status: 'Rejected', leavingInDays: 2, reasonId: 'reason_for_offboarding_option1', retainAccount: false },
    { offboardingId: 'off-far', employmentId: 'E-stay', status: 'Approving', leavingInDays: 30, reasonId: 'reason_for_offboarding_option8', retainAccount: true },
  ],
};

/** 2027-01-04 20:00 UTC: already the 5th in Shanghai (04:00) and Auckland (09:00), still the 4th in San Francisco (12:00). */
const startLeavers = sandboxStarter(leavingCompany, Date.UTC(2027, 0, 4, 20));

describe('lark-corehr sandbox: offboardings', () => {
  async function begin() {
    const s = await startLeavers();
    const token = await larkTenantToken(s);
    const call = (path: string, body: object) => larkCall(s, token, 'POST', path, body);
    const search = (body: object, query = 'page_size=100&user_id_type=people_corehr_id') => call(`/open-apis/corehr/v1/offboardings/search?${query}`, body);
    const control = (id: string, move: string) => s.app.inject({ method: 'POST', url: `/_sandbox/lark-corehr/offboardings/${id}/${move}` });
    return { s, token, call, search, control };
  }

  async function catching(s: Sandbox) {
    const catcher = await eventCatcher();
    const set = await s.app.inject({ method: 'POST', url: '/_sandbox/emission', payload: { target: catcher.url } });
    expect(set.statusCode).toBe(200);
    return catcher;
  }

  const submit = { offboarding_mode: 2, employment_id: 'E-nia', offboarding_date: '2027-02-26', offboarding_reason_unique_identifier: 'reason_for_offboarding_option8' };

  it('seeds offboardings dated from the sandbox clock in each leaver\'s own time zone', async () => {
    const { search } = await begin();
    const items = (await search({})).body.data?.items as any[];
    const dateOf = (id: string) => items.find((o) => o.offboarding_id === id).offboarding_info.offboarding_date;
    expect(dateOf('off-sam')).toBe('2027-01-05');
    expect(dateOf('off-li')).toBe('2027-01-07');
    expect(dateOf('off-aroha')).toBe('2027-01-08');
    expect(items.map((o) => [o.offboarding_id, o.status])).toEqual([
      ['off-sam', 'Approved'],
      ['off-li', 'Approved'],
      ['off-aroha', 'NoNeedApproval'],
      ['off-wen', 'Withdrawn'],
      ['off-rita', 'Rejected'],
      ['off-far', 'Approving'],
    ]);
  });

  it('filters as the nightly reconciliation asks: approved or direct, leaving in the next days, by employment, by expected date', async () => {
    const { search } = await begin();
    const ids = async (body: object, query?: string) => ((await search(body, query)).body.data?.items as any[]).map((o) => o.offboarding_id);
    expect(await ids({ statuses: ['Approved', 'NoNeedApproval'], offboarding_date_start: '2027-01-05', offboarding_date_end: '2027-01-07' })).toEqual(['off-sam', 'off-li']);
    expect(await ids({ statuses: ['Withdrawn', 'Rejected'] })).toEqual(['off-wen', 'off-rita']);
    expect(await ids({ expected_offboarding_date_start: '2027-01-08', expected_offboarding_date_end: '2027-12-31' })).toEqual(['off-aroha', 'off-far']);
    expect(await ids({ employment_ids: ['E-li', 'E-wen'] })).toEqual(['off-li', 'off-wen']);
    // Ids follow user_id_type, open_id by default: a Lark Contact id names the same leaver.
    expect(await ids({ employment_ids: ['ou_sam'] }, 'page_size=100')).toEqual(['off-sam']);
    const page = await search({ statuses: ['Approved'] }, 'page_size=1&user_id_type=open_id');
    expect(page.body.data).toMatchObject({ has_more: true, total: 2, items: [{ offboarding_id: 'off-sam', offboarding_info: { employment_id: 'ou_sam', add_block_list: 'false' } }] });
    expect(await search({}, 'page_size=101')).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
  });

  it('holds offboardings/search to 100 requests a minute', async () => {
    const { s, search } = await begin();
    for (let i = 0; i < 100; i++) {
      if (i % 40 === 39) s.tick(1000);
      expect((await search({})).status).toBe(200);
    }
    expect(await search({})).toMatchObject({ status: 429, body: { code: 99991400 } });
    s.tick(60_000);
    expect((await search({})).status).toBe(200);
  });

  it('starts an approval-mode submission at 1 approving and a direct one at 6, pushing status_updated_v2 and updated_v2 signed and encrypted', async () => {
    const { s, call, search } = await begin();
    const catcher = await catching(s);
    try {
      const approval = await call('/open-apis/corehr/v2/offboardings/submit_v2', submit);
      expect(approval.body).toMatchObject({ code: 0, data: { employment_id: 'E-nia', offboarding_date: '2027-02-26', retain_account: false } });
      const direct = await call('/open-apis/corehr/v2/offboardings/submit_v2', { ...submit, employment_id: 'E-boss', offboarding_mode: 1 });
      const [approvalId, directId] = [approval.body.data?.offboarding_id, direct.body.data?.offboarding_id];
      await waitFor(() => catcher.events.length === 4, 'four pushes');
      const statusEvents = catcher.events.filter((e) => e.type === 'corehr.offboarding.status_updated_v2');
      expect(statusEvents.map((e) => e.payload)).toEqual([
        { employment_id: 'E-nia', target_user_id: { open_id: 'ou_nia', union_id: 'on_nia', user_id: 'u-nia' }, offboarding_id: approvalId, process_id: expect.stringMatching(/^\d{19}$/), status: 1 },
        { employment_id: 'E-boss', target_user_id: { open_id: 'ou_boss', union_id: 'on_boss', user_id: 'u-boss' }, offboarding_id: directId, status: 6 },
      ]);
      expect(catcher.events.filter((e) => e.type === 'corehr.offboarding.updated_v2').map((e) => e.payload.offboarding_info_id)).toEqual([approvalId, directId]);
      const found = await search({ employment_ids: ['E-nia', 'E-boss'] });
      expect((found.body.data?.items as any[]).map((o) => o.status)).toEqual(['Approving', 'NoNeedApproval']);
      const log = await s.app.inject({ method: 'GET', url: '/_sandbox/emission' });
      expect((log.json().events as any[]).map((e) => e.outcome)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    } finally {
      await catcher.close();
    }
  });

  it('refuses a submission without the reason id, for a person with an offboarding standing, or named by open_id without saying so', async () => {
    const { call } = await begin();
    const { offboarding_reason_unique_identifier: _, ...withoutReason } = submit;
    const noReason = await call('/open-apis/corehr/v2/offboardings/submit_v2', { ...withoutReason, reason: 'resigned' });
    expect(noReason).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
    expect(noReason.body.msg).toContain('offboarding_reason_unique_identifier is required');
    const twice = await call('/open-apis/corehr/v2/offboardings/submit_v2', { ...submit, employment_id: 'E-sam' });
    expect(twice).toMatchObject({ status: 400, body: { code: COREHR_INVALID_PARAM } });
    expect(twice.body.msg).toContain('already has offboarding off-sam (Approved)');
    const openId = await call('/open-apis/corehr/v2/offboardings/submit_v2', { ...submit, employment_id: 'ou_nia' });
    expect(openId.body.msg).toContain('as people_corehr_id');
    expect((await call('/open-apis/corehr/v2/offboardings/submit_v2?user_id_type=open_id', { ...submit, employment_id: 'ou_nia' })).body).toMatchObject({ code: 0, data: { employment_id: 'ou_nia' } });
    expect(await call('/open-apis/corehr/v2/offboardings/submit_v2', { ...submit, employment_id: 'E-li', offboarding_date: '2027-02-30' })).toMatchObject({ status: 400, body: { code: COREHR_INVALID_PARAM } });
  });

  it('moves an offboarding as an approver would, and then as time does, pushing status 2 and then 3', async () => {
    const { s, control, search } = await begin();
    const catcher = await catching(s);
    try {
      expect((await control('off-far', 'approve')).json()).toEqual({ offboarding_id: 'off-far', status: 'Approved', status_code: 2 });
      expect((await control('off-far', 'approve')).statusCode).toBe(409);
      expect((await control('off-far', 'effective')).json()).toMatchObject({ status: 'Offboarded', status_code: 3 });
      expect((await control('off-nobody', 'approve')).statusCode).toBe(404);
      expect((await control('off-sam', 'dance')).statusCode).toBe(404);
      await waitFor(() => catcher.events.length === 2, 'two pushes');
      expect(catcher.events.map((e) => [e.type, e.payload.offboarding_id, e.payload.status])).toEqual([
        ['corehr.offboarding.status_updated_v2', 'off-far', 2],
        ['corehr.offboarding.status_updated_v2', 'off-far', 3],
      ]);
      expect((await search({ statuses: ['Offboarded'] })).body.data?.items).toMatchObject([{ offboarding_id: 'off-far' }]);
      const employees = await larkCall(s, await larkTenantToken(s), 'POST', '/open-apis/corehr/v2/employees/batch_get?user_id_type=people_corehr_id', { employment_ids: ['E-stay'] });
      expect(employees.body.data?.items).toMatchObject([{ employment_status: { enum_name: 'terminated' } }]);
    } finally {
      await catcher.close();
    }
  });

  it('edits the leaving date from a JSON-encoded value, pushing updated_v2 with updated_fields and the status unchanged', async () => {
    const { s, call, search } = await begin();
    const catcher = await catching(s);
    try {
      const edit = (update_data: object[]) => call('/open-apis/corehr/v2/offboardings/edit', { offboarding_id: 'off-li', update_data });
      const moved = await edit([{ field_name: 'offboarding_date', value: JSON.stringify('2027-01-09') }]);
      expect(moved.body).toEqual({ code: 0, msg: 'success', data: { data: [{ field_name: 'offboarding_date', value: '"2027-01-09"' }] } });
      expect((await search({ employment_ids: ['E-li'] })).body.data?.items).toMatchObject([{ status: 'Approved', offboarding_info: { offboarding_date: '2027-01-09' } }]);
      await waitFor(() => catcher.events.length === 1, 'one push');
      expect(catcher.events[0]).toEqual({
        type: 'corehr.offboarding.updated_v2',
        payload: {
          tenant_id: DEFAULT_SANDBOX_CREDENTIALS.lark.tenantKey,
          offboarding_info_id: 'off-li',
          process_id: expect.stringMatching(/^\d{19}$/),
          employment_id: 'E-li',
          operator: '',
          status: 2,
          checklist_status: 1,
          updated_time: String(s.now()),
          updated_fields: ['offboarding_date'],
          target_user_id: { open_id: 'ou_li', union_id: 'on_li', user_id: 'u-li' },
        },
      });
      const bare = await edit([{ field_name: 'offboarding_date', value: '2027-01-10' }]);
      expect(bare).toMatchObject({ status: 400, body: { code: COREHR_INVALID_PARAM } });
      expect(bare.body.msg).toContain('JSON-encoded');
      expect((await edit([{ field_name: 'status', value: '"Withdrawn"' }])).body.msg).toContain('status is not editable');
      expect((await edit([{ field_name: 'retain_account', value: 'true' }])).body.code).toBe(0);
      expect((await call('/open-apis/corehr/v2/offboardings/edit', { offboarding_id: 'off-wen', update_data: [{ field_name: 'offboarding_date', value: '"2027-01-09"' }] })).body.msg).toContain('Withdrawn');
    } finally {
      await catcher.close();
    }
  });

  it('revokes an offboarding, pushing status 5 and updated_v2, and lets only its initiator revoke one they submitted', async () => {
    const { s, call, search } = await begin();
    const catcher = await catching(s);
    try {
      expect((await call('/open-apis/corehr/v2/offboardings/revoke', { offboarding_id: 'off-sam' })).body).toEqual({ code: 0, msg: 'success', data: {} });
      expect((await search({ employment_ids: ['E-sam'] })).body.data?.items).toMatchObject([{ status: 'Withdrawn' }]);
      await waitFor(() => catcher.events.length === 2, 'two pushes');
      expect(catcher.events.map((e) => [e.type, e.payload.status, e.payload.updated_fields])).toEqual([
        ['corehr.offboarding.status_updated_v2', 5, undefined],
        ['corehr.offboarding.updated_v2', 5, ['status']],
      ]);
      expect((await call('/open-apis/corehr/v2/offboardings/revoke', { offboarding_id: 'off-sam' })).body.code).toBe(COREHR_INVALID_PARAM);
      const mine = await call('/open-apis/corehr/v2/offboardings/submit_v2', { ...submit, initiator_id: 'E-boss' });
      const id = mine.body.data?.offboarding_id as string;
      expect((await call('/open-apis/corehr/v2/offboardings/revoke', { offboarding_id: id, operator_id: 'E-li' })).body.msg).toContain('only the initiator');
      expect((await call('/open-apis/corehr/v2/offboardings/revoke', { offboarding_id: id, operator_id: 'E-boss' })).body.code).toBe(0);
    } finally {
      await catcher.close();
    }
  });

  it('records what it would push when no target is set, and pushes nothing', async () => {
    const { s, control } = await begin();
    await control('off-far', 'approve');
    const log = (await s.app.inject({ method: 'GET', url: '/_sandbox/emission' })).json();
    expect(log).toMatchObject({ target: null, events: [{ connector: 'lark-corehr', type: 'corehr.offboarding.status_updated_v2', outcome: 'not_sent', payload: { status: 2 } }] });
    const refused = await s.app.inject({ method: 'POST', url: '/_sandbox/emission', payload: { target: 'http://example.com/hook' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toContain('not a loopback address');
  });

  it("gives every employee a time zone and work location, and maps locations to CoreHR time zones and their IANA codes", async () => {
    const { s, call } = await begin();
    const employees = await call('/open-apis/corehr/v2/employees/batch_get?user_id_type=people_corehr_id', { employment_ids: ['E-sam', 'E-aroha'] });
    expect((employees.body.data?.items as any[]).map((e) => [e.employment_id, e.work_location_id, e.time_zone])).toEqual([
      ['E-sam', 'wl-sf', 'America/Los_Angeles'],
      ['E-aroha', 'wl-akl', 'Pacific/Auckland'],
    ]);
    const locations = await call('/open-apis/corehr/v2/locations/batch_get', { location_ids: ['wl-sf', 'wl-akl', 'wl-nowhere'] });
    const zoneIds = (locations.body.data?.items as any[]).map((l) => l.time_zone_id);
    expect((locations.body.data?.items as any[]).map((l) => l.location_id)).toEqual(['wl-sf', 'wl-akl']);
    const zones = await call('/open-apis/corehr/v2/basic_info/time_zones/search?page_size=100', { time_zone_id_list: zoneIds });
    expect((zones.body.data?.items as any[]).map((z) => [z.time_zone_id === zoneIds[0] ? 'sf' : 'akl', z.time_zone_code, z.utc_offset, z.status])).toEqual([
      ['sf', 'America/Los_Angeles', '-480', 1],
      ['akl', 'Pacific/Auckland', '780', 1],
    ]);
    expect(await call('/open-apis/corehr/v2/basic_info/time_zones/search', {})).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
    expect(await call('/open-apis/corehr/v2/locations/batch_get', {})).toMatchObject({ status: 400, body: { code: FIELD_VALIDATION_FAILED } });
    s.setTime(Date.UTC(2027, 6, 1));
    const summer = await larkCall(s, await larkTenantToken(s), 'POST', '/open-apis/corehr/v2/basic_info/time_zones/search?page_size=100', {});
    expect((summer.body.data?.items as any[]).map((z) => [z.time_zone_code, z.utc_offset])).toEqual([
      ['America/Los_Angeles', '-420'],
      ['Asia/Shanghai', '480'],
      ['Pacific/Auckland', '720'],
    ]);
  });

  it('serves location.batch_get, time_zone.search and offboarding.search to the connector', async () => {
    const s = await startLeavers();
    const context = actionContext(larkSandboxConnection('lark-corehr', await s.listen()));
    const run = (action: string, input: unknown) => runAction(connector, action, input, context) as Promise<any>;
    const { items: [location] } = await run('location.batch_get', { location_ids: ['wl-akl'] });
    const { items: [zone] } = await run('time_zone.search', { time_zone_id_list: [location.time_zone_id], all: true });
    expect(zone.time_zone_code).toBe('Pacific/Auckland');
    const due = await run('offboarding.search', { statuses: ['Approved', 'NoNeedApproval'], offboarding_date_start: '2027-01-05', offboarding_date_end: '2027-01-11', user_id_type: 'open_id', all: true, page_size: 2 });
    expect(due.items.map((o: any) => o.offboarding_info.employment_id)).toEqual(['ou_sam', 'ou_li', 'ou_aroha']);
  });
});
