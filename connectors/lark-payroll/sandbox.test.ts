import { describe, expect, it } from 'vitest';
import type { SeededCompany, SeededEmployee } from '../../src/sandbox/seed-company.js';
import { actionContext, runAction } from '../../test/support/action-context.js';
import { larkSandboxConnection, withLarkToken, type LarkAnswer, type LarkSandboxSession } from '../../test/support/lark-sandbox.js';
import { sandboxStarter } from '../../test/support/sandbox-session.js';
import connector from './index.js';

function employee(n: number): SeededEmployee {
  return {
    employmentId: `E${n}`,
    userId: `u${n}`,
    openId: `ou_${n}`,
    unionId: `on_${n}`,
    name: `Person ${n}`,
    email: `p${n}@acme.test`,
    mobile: `+1555000${n}`,
    employeeNo: `A${n}`,
    departmentId: 'D1',
    managerEmploymentId: undefined,
    workLocationId: 'L1',
    hireDate: '2020-01-01',
    status: 'hired',
  };
}

const company: SeededCompany = {
  name: 'Acme',
  workLocations: [{ id: 'L1', name: 'HQ', timeZone: 'Asia/Shanghai' }],
  departments: [{ id: 'D1', name: 'R&D', parentId: undefined, leaderEmploymentId: undefined }],
  employees: [employee(1), employee(2)],
  offers: [],
};

const DATASOURCES = '/open-apis/payroll/v1/datasources';
const SAVE = '/open-apis/payroll/v1/datasource_records/save';
const LUMP_SUMS = '/open-apis/compensation/v1/lump_sum_payment/batch_create';

const startSandbox = sandboxStarter(company, Date.parse('2024-10-28T09:00:00Z'));

async function payrollSandbox(): Promise<LarkSandboxSession> {
  return withLarkToken(await startSandbox());
}

function bonusRecord(employmentId: string, amount: string, extra: { field_code: string; value: string }[] = []) {
  return {
    active_status: 1,
    field_values: [
      { field_code: 'employment_id', value: employmentId },
      { field_code: 'payroll_period', value: '2024-10' },
      { field_code: 'bonus_amount', value: amount },
      ...extra,
    ],
  };
}

const bonus = {
  unique_id: 'bonus-E1-2024',
  user_id: 'ou_1',
  total_amount: '3000.00',
  currency_id: 'CNY',
  item_id: 'item-annual-bonus',
  binding_period: 0,
  issuance_frequency: 2,
  details: [
    { issuance_amount: '1000.00', issuance_status: 'to_be_issued', issuance_way: 'with_salary', issuance_time: '2024-12-01', belong_time: '2024-11-20' },
    { issuance_amount: '2000.00', issuance_status: 'to_be_issued', issuance_way: 'with_salary', issuance_time: '2025-01-01', belong_time: '2024-11-20' },
  ],
};

describe('lark-payroll sandbox', () => {
  it('refuses calls without a live tenant token with 99991663', async () => {
    const { app } = await payrollSandbox();
    for (const [method, url] of [['GET', `${DATASOURCES}?page_size=10`], ['POST', SAVE], ['POST', `${LUMP_SUMS}?user_id_type=open_id`]] as const) {
      const response = await app.inject({ method, url, payload: method === 'POST' ? {} : undefined });
      expect([response.statusCode, (response.json() as LarkAnswer['body']).code]).toEqual([400, 99991663]);
    }
  });

  describe('datasources', () => {
    it('lists the seeded datasources page by page', async () => {
      const { call } = await payrollSandbox();
      const first = await call('GET', `${DATASOURCES}?page_size=2`);
      const data = first.body.data as { datasources: { code: string; active_status: number }[]; has_more: boolean; page_token: string };
      expect(data.datasources.map((d) => d.code)).toEqual(['sw_bonus__c', 'sw_overtime__c']);
      expect(data.has_more).toBe(true);
      const rest = await call('GET', `${DATASOURCES}?page_size=2&page_token=${data.page_token}`);
      expect(rest.body.data).toMatchObject({ datasources: [{ code: 'sw_legacy_allowance__c', active_status: 2 }], has_more: false });
    });

    it('requires page_size and refuses one above 100', async () => {
      const { call } = await payrollSandbox();
      expect((await call('GET', DATASOURCES)).body.code).toBe(99992402);
      expect((await call('GET', `${DATASOURCES}?page_size=101`)).body.code).toBe(99992402);
      expect((await call('GET', `${DATASOURCES}?page_size=100`)).body.code).toBe(0);
    });
  });

  describe('datasource_records/save', () => {
    it('upserts by employment_id + payroll_period and counts only records that changed', async () => {
      const { call, context } = await payrollSandbox();
      const save = (records: object[]) => call('POST', SAVE, { source_code: 'sw_bonus__c', records }).then((r) => r.body);
      expect(await save([bonusRecord('E1', '100.00'), bonusRecord('E2', '200.00')])).toMatchObject({ code: 0, data: { affect_counts: '2' } });
      expect(await save([bonusRecord('E1', '100.00')])).toMatchObject({ data: { affect_counts: '0' } });
      const partial = { active_status: 1, field_values: [{ field_code: 'employment_id', value: 'E1' }, { field_code: 'payroll_period', value: '2024-10' }, { field_code: 'bonus_note', value: 'Q3' }] };
      expect(await save([partial])).toMatchObject({ data: { affect_counts: '1' } });
      const state = context.state<{ records: Record<string, Record<string, { values: Record<string, string> }>> }>('lark-payroll', () => ({ records: {} }));
      expect(state.records.sw_bonus__c!['E1/2024-10']!.values).toEqual({ employment_id: 'E1', payroll_period: '2024-10', bonus_amount: '100.00', bonus_note: 'Q3' });
    });

    it.each([
      ['an unknown datasource', { source_code: 'nope__c', records: [bonusRecord('E1', '1')] }, 200, 2500004],
      ['an inactive datasource', { source_code: 'sw_legacy_allowance__c', records: [bonusRecord('E1', '1')] }, 200, 2500008],
      ['an unknown field', { source_code: 'sw_bonus__c', records: [bonusRecord('E1', '1', [{ field_code: 'nope', value: 'x' }])] }, 200, 2500005],
      ['an inactive field', { source_code: 'sw_bonus__c', records: [bonusRecord('E1', '1', [{ field_code: 'legacy_code', value: 'x' }])] }, 200, 2500009],
      ['a money value that is not a number', { source_code: 'sw_bonus__c', records: [bonusRecord('E1', 'lots')] }, 200, 2500010],
      ['a payroll period that is not YYYY-MM', { source_code: 'sw_bonus__c', records: [{ active_status: 1, field_values: [{ field_code: 'employment_id', value: 'E1' }, { field_code: 'payroll_period', value: '2024-10-01' }] }] }, 200, 2500010],
      ['a text longer than 500', { source_code: 'sw_bonus__c', records: [bonusRecord('E1', '1', [{ field_code: 'bonus_note', value: 'x'.repeat(501) }])] }, 200, 2500011],
      ['a record without payroll_period', { source_code: 'sw_bonus__c', records: [{ active_status: 1, field_values: [{ field_code: 'employment_id', value: 'E1' }] }] }, 200, 2500013],
      ['an employment id nobody has', { source_code: 'sw_bonus__c', records: [bonusRecord('E9', '1')] }, 200, 2500015],
      ['a payroll period before 1970-01', { source_code: 'sw_bonus__c', records: [{ active_status: 1, field_values: [{ field_code: 'employment_id', value: 'E1' }, { field_code: 'payroll_period', value: '1969-12' }] }] }, 200, 2500016],
      ['the same record twice', { source_code: 'sw_bonus__c', records: [bonusRecord('E1', '1'), bonusRecord('E1', '2')] }, 200, 2500017],
      ['the same field twice', { source_code: 'sw_bonus__c', records: [bonusRecord('E1', '1', [{ field_code: 'bonus_amount', value: '2' }])] }, 200, 2500018],
      ['more than 50 records', { source_code: 'sw_bonus__c', records: Array.from({ length: 51 }, () => bonusRecord('E1', '1')) }, 400, 2500002],
      ['an active_status other than 1 or 2', { source_code: 'sw_bonus__c', records: [{ ...bonusRecord('E1', '1'), active_status: 3 }] }, 400, 2500002],
    ])('fails the whole save for %s', async (_case, body, status, code) => {
      const { call } = await payrollSandbox();
      const answer = await call('POST', SAVE, { ...body, records: [bonusRecord('E2', '5'), ...body.records] });
      expect([answer.status, answer.body.code]).toEqual([status, code]);
      // The valid record in front was not saved either: saving it now changes it.
      expect((await call('POST', SAVE, { source_code: 'sw_bonus__c', records: [bonusRecord('E2', '5')] })).body.data).toEqual({ affect_counts: '1' });
    });

    it('refuses a save without records', async () => {
      const { call } = await payrollSandbox();
      const answer = await call('POST', SAVE, { source_code: 'sw_bonus__c', records: [] });
      expect([answer.status, answer.body.code]).toEqual([400, 2500002]);
    });

    it('refuses a save while another one writes the same datasource, and lets other datasources be written', async () => {
      const { call } = await payrollSandbox();
      const overtime = { active_status: 1, field_values: [{ field_code: 'employment_id', value: 'E1' }, { field_code: 'payroll_period', value: '2024-10' }, { field_code: 'overtime_hours', value: '12.5' }] };
      const answers = await Promise.all([
        call('POST', SAVE, { source_code: 'sw_bonus__c', records: [bonusRecord('E1', '1')] }),
        call('POST', SAVE, { source_code: 'sw_bonus__c', records: [bonusRecord('E2', '2')] }),
        call('POST', SAVE, { source_code: 'sw_overtime__c', records: [overtime] }),
      ]);
      expect(answers.map((a) => a.body.code)).toEqual([0, 2500021, 0]);
      expect(answers[1]!.body.msg).toBe('The data source is writing data, acquiring lock failed');
    });

    it('is never refused for concurrency when written through the connector', async () => {
      const s = await payrollSandbox();
      const context = actionContext(larkSandboxConnection('lark-payroll', await s.listen()));
      const save = (input: unknown) => runAction(connector, 'datasource_records.save', input, context);
      const results = await Promise.all(['10', '20', '30', '40'].map((amount, i) => save({ source_code: 'sw_bonus__c', records: [bonusRecord(i % 2 ? 'E1' : 'E2', amount)] })));
      expect(results).toEqual([{ affect_counts: 1 }, { affect_counts: 1 }, { affect_counts: 1 }, { affect_counts: 1 }]);
    });
  });

  describe('lump_sum_payment/batch_create', () => {
    it('answers per record: created, a unique_id seen before, and refusals with their codes', async () => {
      const { call } = await payrollSandbox();
      const url = `${LUMP_SUMS}?user_id_type=open_id`;
      const created = await call('POST', url, { records: [bonus] });
      const [first] = (created.body.data as { operate_results: { id: string; unique_id: string; code: number }[] }).operate_results;
      expect(first).toMatchObject({ unique_id: 'bonus-E1-2024', code: 0 });
      const second = await call('POST', url, {
        records: [
          bonus,
          { ...bonus, unique_id: 'u-ghost', user_id: 'ou_9' },
          { ...bonus, unique_id: 'u-sum', total_amount: '3500.00' },
          { ...bonus, unique_id: 'u-freq', issuance_frequency: 3 },
          { ...bonus, unique_id: 'u-amount', total_amount: 'a lot' },
          { ...bonus, unique_id: 'u-late', details: [bonus.details[0], { ...bonus.details[1], belong_time: '2025-02-01' }] },
          { ...bonus, unique_id: 'u-ok', user_id: 'ou_2' },
          { ...bonus, unique_id: 'u-ok', user_id: 'ou_2' },
        ],
      });
      expect(second.body.code).toBe(0);
      const results = (second.body.data as { operate_results: { id?: string; unique_id: string; code: number }[] }).operate_results;
      expect(results.map((r) => [r.unique_id, r.code])).toEqual([
        ['bonus-E1-2024', 21270202],
        ['u-ghost', 21270223],
        ['u-sum', 21270206],
        ['u-freq', 21270207],
        ['u-amount', 21270203],
        ['u-late', 21270229],
        ['u-ok', 0],
        ['u-ok', 21270202],
      ]);
      expect(results[0]!.id).toBe(first!.id);
      expect(results[7]!.id).toBe(results[6]!.id);
    });

    it('matches employees by the user_id_type given', async () => {
      const { call } = await payrollSandbox();
      const answer = await call('POST', `${LUMP_SUMS}?user_id_type=people_corehr_id`, { records: [{ ...bonus, user_id: 'E2' }] });
      expect(answer.body.data).toMatchObject({ operate_results: [{ code: 0 }] });
    });

    it('fails the whole call for a missing user_id_type or unique_id, or more than 500 records', async () => {
      const { call } = await payrollSandbox();
      const noType = await call('POST', LUMP_SUMS, { records: [bonus] });
      expect([noType.status, noType.body.code]).toEqual([400, 2290001]);
      const { unique_id: _omitted, ...withoutId } = bonus;
      expect((await call('POST', `${LUMP_SUMS}?user_id_type=open_id`, { records: [withoutId] })).body.code).toBe(2290001);
      const many = Array.from({ length: 501 }, (_, i) => ({ ...bonus, unique_id: `b${i}` }));
      expect((await call('POST', `${LUMP_SUMS}?user_id_type=open_id`, { records: many })).body.code).toBe(2290001);
      expect((await call('POST', `${LUMP_SUMS}?user_id_type=open_id`, { records: many.slice(0, 500) })).body.code).toBe(0);
    });
  });

  it.each([
    ['GET', `${DATASOURCES}?page_size=10`, undefined],
    ['POST', SAVE, { source_code: 'nope__c', records: [] }],
    ['POST', `${LUMP_SUMS}?user_id_type=open_id`, { records: [] }],
  ] as const)('limits %s %s to 10 requests a second with 429 and Lark rate-limit headers', async (method, url, body) => {
    const { call, tick } = await payrollSandbox();
    for (let i = 0; i < 10; i++) expect((await call(method, url, body)).status).not.toBe(429);
    const limited = await call(method, url, body);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 99991400 });
    expect(limited.headers).toMatchObject({ 'x-ogw-ratelimit-limit': '10', 'x-ogw-ratelimit-reset': '1' });
    tick(1000);
    expect((await call(method, url, body)).status).not.toBe(429);
  });
});

describe('lark-payroll sandbox: state and seed', () => {
  it('answers its state from the first request: the seeded datasources, no records or lump sums', async () => {
    const { app } = await payrollSandbox();
    const response = await app.inject({ method: 'GET', url: '/_sandbox/state?connector=lark-payroll' });
    expect(response.statusCode).toBe(200);
    const state = response.json().connectors['lark-payroll'];
    expect(state).toMatchObject({ records: {}, writing: {}, lumpSums: {}, lastId: 0 });
    expect(state.datasources.map((d: { code: string }) => d.code)).toEqual(['sw_bonus__c', 'sw_overtime__c', 'sw_legacy_allowance__c']);
  });

  it('lists its datasources in the seed with their codes, whether they take records, and their fields', async () => {
    const { app } = await payrollSandbox();
    const seed = (await app.inject({ method: 'GET', url: '/_sandbox/seed?section=payroll_datasources' })).json<{ connector: string; note: string; items: Record<string, unknown>[] }>();
    expect(seed.connector).toBe('lark-payroll');
    expect(seed.items[0]).toEqual({
      code: 'sw_bonus__c',
      name: 'Bonus',
      active: true,
      active_status: 1,
      fields: ['employment_id', 'payroll_period', 'bonus_amount', 'bonus_note', 'legacy_code (inactive)'],
    });
    expect(seed.items[2]).toMatchObject({ code: 'sw_legacy_allowance__c', active: false });
    expect(seed.note).toContain('payroll_period (YYYY-MM)');
  });
});
