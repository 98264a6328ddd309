import { describe, expect, it } from 'vitest';
import { failure, TEST_IDEMPOTENCY_KEY, useNockOnly } from '../../test/support/action-context.js';
import {
  describeLarkActionContract,
  LarkConnectorHarness,
  larkSuccess as ok,
  type ExpectedLarkRequest,
  type LarkActionCase,
} from '../../test/support/lark-action-contract.js';
import connector from './index.js';

const lark = new LarkConnectorHarness(connector, { baseUrl: 'https://corehr.lark.test' });
const PRE_HIRES = '/open-apis/corehr/v2/pre_hires';

interface CoreHrCase extends LarkActionCase {
  /** For search actions: how page requests look when `all` walks every page. */
  pages?: { path: string; filters: Record<string, unknown>; item: (n: number) => Record<string, unknown> };
}

function searchCase(action: string, path: string, filters: Record<string, unknown>, item: (n: number) => Record<string, unknown>): CoreHrCase {
  return {
    action,
    input: { ...filters, user_id_type: 'people_corehr_id', department_id_type: 'people_corehr_department_id', page_size: 50, page_token: 'page-1' },
    request: {
      method: 'POST',
      path,
      query: { user_id_type: 'people_corehr_id', department_id_type: 'people_corehr_department_id', page_size: '50', page_token: 'page-1' },
      body: filters,
    },
    data: { items: [item(1), item(2)], has_more: true, page_token: 'page-2' },
    output: { items: [item(1), item(2)], has_more: true, page_token: 'page-2' },
    pages: { path, filters, item },
  };
}

const preHire = (id: string, status = 'preboarding') => ({
  pre_hire_id: id,
  person_info: { preferred_name: 'Ada Lovelace', email_address: 'ada@example.com' },
  onboarding_info: { onboarding_status: status, onboarding_date: '2025-03-03' },
});

/** The look-up by which a refused complete or withdraw learns whether an earlier attempt went through. */
const statusLookup = (id: string): ExpectedLarkRequest => ({
  method: 'POST',
  path: `${PRE_HIRES}/query`,
  query: { page_size: '10' },
  body: { pre_hire_ids: [id], fields: ['onboarding_info.onboarding_status'] },
});

const preHireStatusLookup = (id: string, status: string) => (token: string) => {
  lark.expectRequest(statusLookup(id), token).reply(200, ok({ items: [{ pre_hire_id: id, onboarding_info: { onboarding_status: status } }], has_more: false }));
};

const createInput = {
  basic_info: { name: { full_name: 'Ada Lovelace' }, email: 'ada@example.com', phone_number: '13800000000', international_area_code: '86_china' },
  offer_info: {
    onboarding_date: '2025-03-03',
    department_id: 'dep-eng',
    direct_leader_id: 'emp-lead',
    job_id: 'job-1',
    employee_type_id: 'et-regular',
    work_email: 'ada@corp.example.com',
  },
  ats_application_id: 'app-42',
};

const cases: CoreHrCase[] = [
  {
    action: 'pre_hire.create',
    input: createInput,
    request: { method: 'POST', path: PRE_HIRES, body: { ...createInput, out_biz_id: TEST_IDEMPOTENCY_KEY } },
    data: { pre_hire_id: 'ph-1' },
    output: { pre_hire_id: 'ph-1', out_biz_id: TEST_IDEMPOTENCY_KEY },
  },
  {
    action: 'pre_hire.get',
    input: { pre_hire_id: 'ph-1', fields: ['person_info.preferred_name', 'onboarding_info'], user_id_type: 'people_corehr_id' },
    request: {
      method: 'POST',
      path: `${PRE_HIRES}/query`,
      query: { user_id_type: 'people_corehr_id', page_size: '10' },
      body: { pre_hire_ids: ['ph-1'], fields: ['person_info.preferred_name', 'onboarding_info'] },
    },
    data: { items: [preHire('ph-1')], has_more: false },
    output: { pre_hire: preHire('ph-1') },
  },
  {
    action: 'pre_hire.query',
    input: { pre_hire_ids: ['ph-1', 'ph-2'], department_id_type: 'department_id' },
    request: { method: 'POST', path: `${PRE_HIRES}/query`, query: { department_id_type: 'department_id', page_size: '10' }, body: { pre_hire_ids: ['ph-1', 'ph-2'] } },
    data: { items: [preHire('ph-1'), preHire('ph-2')], has_more: false },
    output: { items: [preHire('ph-1'), preHire('ph-2')] },
  },
  searchCase('pre_hire.search', `${PRE_HIRES}/search`, { onboarding_status: 'preboarding', department_ids: ['dep-eng'], fields: ['onboarding_info'] }, (n) =>
    preHire(`ph-${n}`),
  ),
  {
    action: 'pre_hire.complete',
    input: { pre_hire_id: 'ph-1' },
    request: { method: 'POST', path: `${PRE_HIRES}/ph-1/complete` },
    data: { success: true },
    output: { success: true },
    afterRefusal: preHireStatusLookup('ph-1', 'preboarding'),
  },
  {
    action: 'pre_hire.withdraw',
    input: { pre_hire_id: 'ph-1', withdraw_reason: 'Candidate declined' },
    request: { method: 'POST', path: `${PRE_HIRES}/withdraw_onboarding`, body: { pre_hire_id: 'ph-1', withdraw_reason: 'Candidate declined' } },
    data: { success: true },
    output: { success: true },
    afterRefusal: preHireStatusLookup('ph-1', 'preboarding'),
  },
  {
    action: 'pre_hire.delete',
    input: { pre_hire_id: 'ph-1' },
    request: { method: 'DELETE', path: `${PRE_HIRES}/ph-1` },
    data: {},
    output: { success: true },
  },
  searchCase(
    'employee.search',
    '/open-apis/corehr/v2/employees/search',
    { employment_status: 'hired', department_id_list: ['dep-eng'], fields: ['person_info.preferred_name', 'time_zone'] },
    (n) => ({ employment_id: `emp-${n}`, time_zone: 'Asia/Shanghai' }),
  ),
  {
    action: 'employee.batch_get',
    input: { employment_ids: ['emp-1', 'emp-2'], fields: ['time_zone'], user_id_type: 'people_corehr_id' },
    request: {
      method: 'POST',
      path: '/open-apis/corehr/v2/employees/batch_get',
      query: { user_id_type: 'people_corehr_id' },
      body: { employment_ids: ['emp-1', 'emp-2'], fields: ['time_zone'] },
    },
    data: { items: [{ employment_id: 'emp-1', time_zone: 'Europe/London' }] },
    output: { items: [{ employment_id: 'emp-1', time_zone: 'Europe/London' }] },
  },
  {
    action: 'department.batch_get',
    input: { department_id_list: ['dep-eng'], department_id_type: 'people_corehr_department_id' },
    request: {
      method: 'POST',
      path: '/open-apis/corehr/v2/departments/batch_get',
      query: { department_id_type: 'people_corehr_department_id' },
      body: { department_id_list: ['dep-eng'] },
    },
    data: { items: [{ id: 'dep-eng', department_name: [{ lang: 'en-US', value: 'Engineering' }], active: true, is_root: false }] },
    output: { items: [{ id: 'dep-eng', department_name: [{ lang: 'en-US', value: 'Engineering' }], active: true, is_root: false }] },
  },
  searchCase('department.search', '/open-apis/corehr/v2/departments/search', { parent_department_id: 'dep-root', get_all_children: true }, (n) => ({
    id: `dep-${n}`,
    parent_department_id: 'dep-root',
  })),
  searchCase(
    'offboarding.search',
    '/open-apis/corehr/v1/offboardings/search',
    { statuses: ['Approved'], offboarding_date_start: '2025-01-01' },
    (n) => ({ offboarding_id: `off-${n}`, status: 'Approved', offboarding_info: { employment_id: `emp-${n}`, offboarding_date: '2025-02-28' } }),
  ),
  {
    action: 'location.batch_get',
    input: { location_ids: ['loc-sf', 'loc-akl'] },
    request: { method: 'POST', path: '/open-apis/corehr/v2/locations/batch_get', body: { location_ids: ['loc-sf', 'loc-akl'] } },
    data: { items: [{ location_id: 'loc-sf', time_zone_id: 'tz-la', hiberarchy_common: { name: [{ lang: 'en-US', value: 'San Francisco' }], active: true } }] },
    output: { items: [{ location_id: 'loc-sf', time_zone_id: 'tz-la', hiberarchy_common: { name: [{ lang: 'en-US', value: 'San Francisco' }], active: true } }] },
  },
  {
    action: 'time_zone.search',
    input: { time_zone_id_list: ['tz-la'], status_list: [1], page_size: 50 },
    request: { method: 'POST', path: '/open-apis/corehr/v2/basic_info/time_zones/search', query: { page_size: '50' }, body: { time_zone_id_list: ['tz-la'], status_list: [1] } },
    data: { items: [{ time_zone_id: 'tz-la', time_zone_code: 'America/Los_Angeles', utc_offset: '-480', status: 1 }], has_more: false },
    output: { items: [{ time_zone_id: 'tz-la', time_zone_code: 'America/Los_Angeles', utc_offset: '-480', status: 1 }], has_more: false },
    pages: {
      path: '/open-apis/corehr/v2/basic_info/time_zones/search',
      filters: { time_zone_id_list: ['tz-la', 'tz-sh', 'tz-akl', 'tz-ny', 'tz-ldn'] },
      item: (n) => ({ time_zone_id: `tz-${n}`, time_zone_code: 'UTC', status: 1 }),
    },
  },
  searchCase('job_change.search', '/open-apis/corehr/v2/job_changes/search', { statuses: ['Approved', 'Transformed'], employment_ids: ['emp-1'] }, (n) => ({
    job_change_id: `jc-${n}`,
    employment_id: 'emp-1',
    status: 'Approved',
  })),
];

describe('lark-corehr connector', () => {
  useNockOnly();

  describeLarkActionContract(lark, cases, { refusal: { httpStatus: 400, code: 1160001, msg: 'param is invalid' } });

  it('takes its connection from the shared Lark connection schema', () => {
    expect(connector.manifest.connection).toEqual({ required: true, schema: { $ref: 'https://staffwire.dev/schemas/connections/lark.json' } });
  });

  // Declared beside the contract's describe of the same action, so the test reads as one of its cases.
  describe.each(cases.filter((c) => c.pages))('$action', (testCase) => {
    const { path, filters, item } = testCase.pages!;

    it('walks every page with all: true', async () => {
      const { context } = lark.appWithToken('t-first');
      const page = (pageToken: string | undefined, items: number[], next: string | undefined) =>
        lark.expectRequest({ method: 'POST', path, query: { page_size: '2', ...(pageToken ? { page_token: pageToken } : {}) }, body: filters }, 't-first').reply(
          200,
          ok({ items: items.map(item), has_more: next !== undefined, ...(next ? { page_token: next } : {}) }),
        );
      page(undefined, [1, 2], 'p2');
      page('p2', [3, 4], 'p3');
      page('p3', [5], undefined);
      const output = await lark.run(testCase.action, { ...filters, page_size: 2, all: true }, context);
      expect(output).toEqual({ items: [1, 2, 3, 4, 5].map(item), has_more: false });
    });
  });

  describe('search pages', () => {
    it('asks for 100 items a page by default and reports the last page without a page_token', async () => {
      const { context } = lark.appWithToken('t-first');
      lark.expectRequest({ method: 'POST', path: '/open-apis/corehr/v2/employees/search', query: { page_size: '100' }, body: {} }, 't-first').reply(
        200,
        ok({ items: [{ employment_id: 'emp-1' }], has_more: false, page_token: '' }),
      );
      expect(await lark.run('employee.search', {}, context)).toEqual({ items: [{ employment_id: 'emp-1' }], has_more: false });
    });

    it('continues from page_token when all: true is given one', async () => {
      const { context } = lark.appWithToken('t-first');
      const path = '/open-apis/corehr/v2/job_changes/search';
      lark.expectRequest({ method: 'POST', path, query: { page_size: '100', page_token: 'p7' }, body: {} }, 't-first').reply(
        200,
        ok({ items: [{ job_change_id: 'jc-7' }], has_more: true, page_token: 'p8' }),
      );
      lark.expectRequest({ method: 'POST', path, query: { page_size: '100', page_token: 'p8' }, body: {} }, 't-first').reply(
        200,
        ok({ items: [{ job_change_id: 'jc-8' }], has_more: false }),
      );
      expect(await lark.run('job_change.search', { page_token: 'p7', all: true }, context)).toEqual({
        items: [{ job_change_id: 'jc-7' }, { job_change_id: 'jc-8' }],
        has_more: false,
      });
    });
  });

  describe('pre-hires', () => {
    it('sends the same out_biz_id when a create step is retried, so Lark keeps one pre-hire', async () => {
      const { context } = lark.appWithToken('t-first');
      const request: ExpectedLarkRequest = { method: 'POST', path: PRE_HIRES, body: { ...createInput, out_biz_id: TEST_IDEMPOTENCY_KEY } };
      lark.expectRequest(request, 't-first').reply(200, ok({ pre_hire_id: 'ph-1' }));
      lark.expectRequest(request, 't-first').reply(200, ok({ pre_hire_id: 'ph-1' }));
      expect(await lark.run('pre_hire.create', createInput, context)).toEqual({ pre_hire_id: 'ph-1', out_biz_id: TEST_IDEMPOTENCY_KEY });
      expect(await lark.run('pre_hire.create', createInput, { ...context, attempt: 2 })).toEqual({ pre_hire_id: 'ph-1', out_biz_id: TEST_IDEMPOTENCY_KEY });
    });

    it('sends the out_biz_id a flow derived from the hire instead, so a second run for the same hire gets the same pre-hire', async () => {
      const { context } = lark.appWithToken('t-first');
      const request: ExpectedLarkRequest = { method: 'POST', path: PRE_HIRES, body: { ...createInput, out_biz_id: 'hire-application-app-42' } };
      lark.expectRequest(request, 't-first').times(2).reply(200, ok({ pre_hire_id: 'ph-1' }));
      const input = { ...createInput, out_biz_id: 'hire-application-app-42' };
      expect(await lark.run('pre_hire.create', input, context)).toEqual({ pre_hire_id: 'ph-1', out_biz_id: 'hire-application-app-42' });
      expect(await lark.run('pre_hire.create', input, { ...context, idempotencyKey: 'another-run' })).toEqual({ pre_hire_id: 'ph-1', out_biz_id: 'hire-application-app-42' });
    });

    it('fails as a server error when Lark accepts a create without a pre_hire_id', async () => {
      const { context } = lark.appWithToken('t-first');
      lark.expectRequest({ method: 'POST', path: PRE_HIRES, body: { ...createInput, out_biz_id: TEST_IDEMPOTENCY_KEY } }, 't-first').reply(200, ok({}));
      const err = await failure(lark.run('pre_hire.create', createInput, context));
      expect([err.code, err.category]).toEqual(['lark_corehr.malformed_answer', 'server']);
    });

    it('reads every page of a query', async () => {
      const { context } = lark.appWithToken('t-first');
      const query = (pageToken: string | undefined) =>
        lark.expectRequest(
          { method: 'POST', path: `${PRE_HIRES}/query`, query: { page_size: '10', ...(pageToken ? { page_token: pageToken } : {}) }, body: { pre_hire_ids: ['ph-1', 'ph-2'] } },
          't-first',
        );
      query(undefined).reply(200, ok({ items: [preHire('ph-1')], has_more: true, page_token: 'q2' }));
      query('q2').reply(200, ok({ items: [preHire('ph-2')], has_more: false }));
      expect(await lark.run('pre_hire.query', { pre_hire_ids: ['ph-1', 'ph-2'] }, context)).toEqual({ items: [preHire('ph-1'), preHire('ph-2')] });
    });

    it('fails get with a not-found error when Lark returns no pre-hire', async () => {
      const { context } = lark.appWithToken('t-first');
      lark.expectRequest({ method: 'POST', path: `${PRE_HIRES}/query`, query: { page_size: '10' }, body: { pre_hire_ids: ['ph-missing'] } }, 't-first').reply(
        200,
        ok({ items: [], has_more: false }),
      );
      const err = await failure(lark.run('pre_hire.get', { pre_hire_id: 'ph-missing' }, context));
      expect([err.code, err.category]).toEqual(['lark_corehr.pre_hire_not_found', 'client']);
    });

    it.each([
      ['pre_hire.complete', { pre_hire_id: 'ph-1' }, { method: 'POST', path: `${PRE_HIRES}/ph-1/complete` }, 'completed'],
      [
        'pre_hire.withdraw',
        { pre_hire_id: 'ph-1', withdraw_reason: 'Candidate declined' },
        { method: 'POST', path: `${PRE_HIRES}/withdraw_onboarding`, body: { pre_hire_id: 'ph-1', withdraw_reason: 'Candidate declined' } },
        'withdrawn',
      ],
    ] as const)('%s succeeds when Lark refuses because an earlier attempt already went through', async (action, input, request, status) => {
      const { context } = lark.appWithToken('t-first');
      lark.expectRequest(request, 't-first').reply(400, { code: 1160001, msg: 'param is invalid' });
      preHireStatusLookup('ph-1', status)('t-first');
      expect(await lark.run(action, input, { ...context, attempt: 2 })).toEqual({ success: true });
    });

    it('reports the refusal when the look-up after it fails too', async () => {
      const { context } = lark.appWithToken('t-first');
      lark.expectRequest({ method: 'POST', path: `${PRE_HIRES}/ph-1/complete` }, 't-first').reply(400, { code: 1160001, msg: 'param is invalid' });
      lark.expectRequest(statusLookup('ph-1'), 't-first').reply(400, { code: 1160002, msg: 'no permission' });
      const err = await failure(lark.run('pre_hire.complete', { pre_hire_id: 'ph-1' }, context));
      expect(err).toMatchObject({ vendorCode: 1160001 });
    });

    it('puts the pre-hire id into the path escaped', async () => {
      const { context } = lark.appWithToken('t-first');
      lark.expectRequest({ method: 'DELETE', path: `${PRE_HIRES}/ph%2F1` }, 't-first').reply(200, ok({}));
      expect(await lark.run('pre_hire.delete', { pre_hire_id: 'ph/1' }, context)).toEqual({ success: true });
    });
  });
});
