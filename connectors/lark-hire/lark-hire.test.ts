import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { failure, useNockOnly } from '../../test/support/action-context.js';
import { describeLarkActionContract, LarkConnectorHarness, larkSuccess, type LarkActionCase } from '../../test/support/lark-action-contract.js';
import connector from './index.js';

const lark = new LarkConnectorHarness(connector, { baseUrl: 'https://open.feishu.test' });

const OFFER = {
  id: '7096',
  application_id: '7073',
  offer_status: 7,
  basic_info: { onboard_date: '2025-03-03', department_id: 'od-eng', leader_user_id: 'ou_leader', employee_type: { id: '1', zh_name: '正式', en_name: 'Regular' } },
  salary_plan: { currency: 'USD', basic_salary: '120000' },
  job_info: { job_id: 'job-1', job_name: 'Backend engineer' },
};
const APPLICATION = { id: '7073', job_id: 'job-1', talent_id: 'talent-1', stage: { id: 'st-6', zh_name: '待入职', en_name: 'To be onboarded', type: 6 }, active_status: 1 };
const TALENT = { id: 'talent-1', is_onboarded: false, basic_info: { name: 'Ada Lovelace', mobile: '5550100', mobile_code: '1', mobile_country_code: 'US', email: 'ada@example.com' } };
const EMPLOYEE = { id: '7095', application_id: '7073', onboard_status: 1, department: 'od-eng', leader: 'ou_leader' };

/** Lark's defaults for these are the People Admin types, so the connector always names the Feishu ones. */
const FEISHU_ID_TYPES = {
  user_id_type: 'open_id',
  department_id_type: 'open_department_id',
  job_level_id_type: 'job_level_id',
  job_family_id_type: 'job_family_id',
  employee_type_id_type: 'employee_type_enum_id',
};

/** The read-back by which a refused transfer learns whether an earlier attempt went through. */
const employeeReadBack = (token: string, idTypes: Record<string, string> = FEISHU_ID_TYPES) =>
  lark.expectRequest({ method: 'GET', path: '/open-apis/hire/v1/employees/get_by_application', query: { application_id: '7073', ...idTypes } }, token);

const cases: LarkActionCase[] = [
  {
    action: 'offer.get',
    input: { offer_id: '7096', department_id_type: 'department_id' },
    request: { method: 'GET', path: '/open-apis/hire/v1/offers/7096', query: { user_id_type: 'open_id', department_id_type: 'department_id' } },
    data: { offer: OFFER },
    output: { offer: OFFER },
  },
  {
    action: 'application.get',
    input: { application_id: '7073', user_id_type: 'user_id' },
    request: { method: 'GET', path: '/open-apis/hire/v1/applications/7073', query: { user_id_type: 'user_id' } },
    data: { application: APPLICATION },
    output: { application: APPLICATION },
  },
  {
    action: 'talent.get',
    input: { talent_id: 'talent-1' },
    request: { method: 'GET', path: '/open-apis/hire/v1/talents/talent-1', query: { user_id_type: 'open_id' } },
    data: { talent: TALENT },
    output: { talent: TALENT },
  },
  {
    action: 'application.transfer_onboard',
    input: { application_id: '7073', actual_onboard_time: 1740960000000, leader: 'ou_leader', department: 'od-eng' },
    request: {
      method: 'POST',
      path: '/open-apis/hire/v1/applications/7073/transfer_onboard',
      query: FEISHU_ID_TYPES,
      body: { actual_onboard_time: 1740960000000, leader: 'ou_leader', department: 'od-eng' },
    },
    data: { employee: EMPLOYEE },
    output: { employee: EMPLOYEE, alreadyTransferred: false },
    afterRefusal: (token) => employeeReadBack(token).reply(400, { code: 1002002, msg: 'param error: no employee for this application' }),
  },
];

describe('lark-hire connector', () => {
  useNockOnly();

  describeLarkActionContract(lark, cases, { refusal: { httpStatus: 400, code: 1002002, msg: 'param error' } });

  it('marks application.transfer_onboard as a side effect and offer.get as none', () => {
    expect(connector.manifest.actions['application.transfer_onboard']?.sideEffect).toBe(true);
    expect(connector.manifest.actions['offer.get']?.sideEffect).toBe(false);
  });

  describe('application.transfer_onboard after a crash', () => {
    const input = { application_id: '7073' };
    const transfer = (token: string) =>
      lark.expectRequest({ method: 'POST', path: '/open-apis/hire/v1/applications/7073/transfer_onboard', query: FEISHU_ID_TYPES, body: {} }, token);

    it('treats a refusal as success when the application already has its employee record', async () => {
      const { context } = lark.appWithToken('t-A');
      transfer('t-A').reply(400, { code: 1002002, msg: 'the application is not in the to-be-onboarded stage' });
      employeeReadBack('t-A').reply(200, larkSuccess({ employee: EMPLOYEE }));
      expect(await lark.run('application.transfer_onboard', input, context)).toEqual({ employee: EMPLOYEE, alreadyTransferred: true });
    });

    it("keeps Lark's refusal when the employee record belongs to no such application", async () => {
      const { context } = lark.appWithToken('t-A');
      transfer('t-A').reply(400, { code: 1002002, msg: 'the application is not in the to-be-onboarded stage' });
      employeeReadBack('t-A').reply(200, larkSuccess({ employee: { ...EMPLOYEE, application_id: 'another' } }));
      const err = await failure(lark.run('application.transfer_onboard', input, context));
      expect(err).toMatchObject({ vendorCode: 1002002, category: 'client' });
    });

    it('does not read back after a transient failure: the engine retries the transfer itself', async () => {
      const { context } = lark.appWithToken('t-A');
      transfer('t-A').times(3).reply(500, { code: 1002001, msg: 'system error' });
      const err = await failure(lark.run('application.transfer_onboard', input, context));
      expect(err).toMatchObject({ vendorCode: 1002001, category: 'server' });
    });
  });

  it('sends the id types the input names instead of the Feishu defaults, to the transfer and its read-back alike', async () => {
    const { context } = lark.appWithToken('t-A');
    const idTypes = { ...FEISHU_ID_TYPES, user_id_type: 'user_id', department_id_type: 'department_id' };
    lark
      .expectRequest({ method: 'POST', path: '/open-apis/hire/v1/applications/7073/transfer_onboard', query: idTypes, body: { leader: 'u-leader' } }, 't-A')
      .reply(400, { code: 1002002, msg: 'param error' });
    employeeReadBack('t-A', idTypes).reply(200, larkSuccess({ employee: EMPLOYEE }));
    const input = { application_id: '7073', leader: 'u-leader', user_id_type: 'user_id', department_id_type: 'department_id' };
    expect(await lark.run('application.transfer_onboard', input, context)).toEqual({ employee: EMPLOYEE, alreadyTransferred: true });
  });

  it('reports a talent answer without the talent as a vendor fault', async () => {
    const { context } = lark.appWithToken('t-A');
    nock(lark.baseUrl).get('/open-apis/hire/v1/talents/talent-1').query(true).reply(200, larkSuccess({}));
    const err = await failure(lark.run('talent.get', { talent_id: 'talent-1' }, context));
    expect(err).toMatchObject({ code: 'lark.answer_malformed', category: 'server' });
  });

  it('reports an answer without the promised object as a vendor fault', async () => {
    const { context } = lark.appWithToken('t-A');
    nock(lark.baseUrl).get('/open-apis/hire/v1/offers/7096').query(true).reply(200, larkSuccess({}));
    const err = await failure(lark.run('offer.get', { offer_id: '7096' }, context));
    expect(err).toMatchObject({ code: 'lark.answer_malformed', category: 'server' });
  });

  it('declares the offer status event with its payload', () => {
    const event = connector.manifest.events?.['hire.offer.status_changed_v1'];
    expect(event?.payload).toMatchObject({ required: ['offer_id', 'offer_status'] });
    expect(event?.description).toContain('7 accepted by the candidate');
  });
});
