import { describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../src/sandbox/sandbox-server.js';
import type { SeededCompany } from '../../src/sandbox/seed-company.js';
import { actionContext, runAction } from '../../test/support/action-context.js';
import { larkCall, larkSandboxConnection, larkTenantToken } from '../../test/support/lark-sandbox.js';
import { sandboxStarter, seededEmployee } from '../../test/support/sandbox-session.js';
import { verifyLarkWebhook } from '../lark-shared/lark-webhook.js';
import connector from './index.js';
import { HIRE_LIMIT_PER_MINUTE, HIRE_LIMIT_PER_SECOND, talentMobile } from './sandbox.js';

const grace = seededEmployee('grace', { name: 'Grace Hopper', mobile: '+15550101', employeeNo: 'A001', departmentId: 'D-eng', workLocationId: 'wl-ny', hireDate: '2020-01-06' });

const company: SeededCompany = {
  name: 'Acme',
  workLocations: [{ id: 'wl-ny', name: 'New York', timeZone: 'America/New_York' }],
  departments: [{ id: 'D-eng', name: 'Engineering', parentId: undefined, leaderEmploymentId: 'E-grace' }],
  employees: [grace],
  offers: [
    {
      offerId: 'of-accepted',
      applicationId: 'ap-accepted',
      candidateName: 'Ada Lovelace',
      candidateEmail: 'ada@example.com',
      candidateMobile: '+15550100',
      departmentId: 'D-eng',
      leaderEmploymentId: 'E-grace',
      jobId: 'job-backend',
      jobName: 'Backend engineer',
      onboardDate: '2025-03-03',
      offerStatus: 7,
      salary: { currency: 'USD', basic: 120000 },
    },
    {
      offerId: 'of-sent',
      applicationId: 'ap-sent',
      candidateName: 'Alan Turing',
      candidateEmail: 'alan@example.com',
      candidateMobile: '+15550102',
      departmentId: 'D-eng',
      leaderEmploymentId: 'E-grace',
      jobId: 'job-backend',
      jobName: 'Backend engineer',
      onboardDate: '2025-04-01',
      offerStatus: 6,
      salary: { currency: 'USD', basic: 110000 },
    },
  ],
};

const start = sandboxStarter(company, Date.UTC(2025, 2, 1, 9));

/** The Feishu id types lark-hire sends with transfer_onboard; without them Lark reads People Admin ids. */
const FEISHU_TYPES = 'user_id_type=open_id&department_id_type=open_department_id&job_level_id_type=job_level_id&job_family_id_type=job_family_id&employee_type_id_type=employee_type_enum_id';

describe('lark-hire sandbox', () => {
  it("refuses a call without a live tenant token with Lark's 99991663", async () => {
    const s = await start();
    const response = await s.app.inject({ method: 'GET', url: '/open-apis/hire/v1/offers/of-accepted' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 99991663 });
  });

  it('serves seeded offers in Lark shape, ids in the requested id types', async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    const byOpenId = await larkCall(s, token, 'GET', '/open-apis/hire/v1/offers/of-accepted');
    expect(byOpenId.status).toBe(200);
    expect(byOpenId.body.data?.offer).toMatchObject({
      id: 'of-accepted',
      application_id: 'ap-accepted',
      offer_status: 7,
      basic_info: { onboard_date: '2025-03-03', department_id: 'od-D-eng', leader_user_id: 'ou_grace' },
      salary_plan: { currency: 'USD', basic_salary: '120000' },
      job_info: { job_id: 'job-backend', job_name: 'Backend engineer' },
    });
    const byUserId = await larkCall(s, token, 'GET', '/open-apis/hire/v1/offers/of-accepted?user_id_type=user_id&department_id_type=department_id');
    expect(byUserId.body.data?.offer.basic_info).toMatchObject({ department_id: 'D-eng', leader_user_id: 'u-grace' });
  });

  it("answers unknown offers and applications with hire's parameter error, unknown id types with field validation", async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    expect(await larkCall(s, token, 'GET', '/open-apis/hire/v1/offers/nope')).toMatchObject({ status: 400, body: { code: 1002002 } });
    expect(await larkCall(s, token, 'GET', '/open-apis/hire/v1/applications/nope')).toMatchObject({ status: 400, body: { code: 1002002 } });
    expect(await larkCall(s, token, 'GET', '/open-apis/hire/v1/offers/of-accepted?user_id_type=email')).toMatchObject({ status: 400, body: { code: 99992402 } });
  });

  it('puts the application of an accepted offer in the pre-hire stage, others in the offer stage', async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/applications/ap-accepted')).body.data?.application).toMatchObject({ id: 'ap-accepted', job_id: 'job-backend', stage: { type: 6 } });
    expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/applications/ap-sent')).body.data?.application).toMatchObject({ stage: { type: 5 } });
  });

  it('transfers a pre-hire application once: the second transfer is refused, and the employee record can be read back', async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    const first = await larkCall(s, token, 'POST', `/open-apis/hire/v1/applications/ap-accepted/transfer_onboard?${FEISHU_TYPES}`, { actual_onboard_time: 1740960000000 });
    expect(first.status).toBe(200);
    const employee = first.body.data?.employee;
    expect(employee).toMatchObject({ application_id: 'ap-accepted', onboard_status: 1, onboard_time: 1740960000000, department: 'od-D-eng', leader: 'ou_grace' });
    expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/applications/ap-accepted')).body.data?.application.stage).toMatchObject({ type: 7 });

    const second = await larkCall(s, token, 'POST', '/open-apis/hire/v1/applications/ap-accepted/transfer_onboard', {});
    expect(second).toMatchObject({ status: 400, body: { code: 1002002 } });
    expect(second.body.msg).toContain('not in the to-be-onboarded stage');

    const readBack = await larkCall(s, token, 'GET', '/open-apis/hire/v1/employees/get_by_application?application_id=ap-accepted');
    expect(readBack.body.data?.employee).toEqual(employee);
  });

  it('serves the talent of every offer: offer → application → talent, with the candidate\'s name, e-mail and split mobile', async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    for (const offer of company.offers) {
      const applicationId = (await larkCall(s, token, 'GET', `/open-apis/hire/v1/offers/${offer.offerId}`)).body.data?.offer.application_id;
      const talentId = (await larkCall(s, token, 'GET', `/open-apis/hire/v1/applications/${applicationId}`)).body.data?.application.talent_id;
      const talent = await larkCall(s, token, 'GET', `/open-apis/hire/v1/talents/${talentId}`);
      expect(talent.status).toBe(200);
      expect(talent.body.data?.talent).toEqual({
        id: talentId,
        is_onboarded: false,
        is_in_agency_period: false,
        basic_info: { name: offer.candidateName, email: offer.candidateEmail, ...talentMobile(offer.candidateMobile) },
      });
    }
    expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/talents/sandbox-talent-of-accepted')).body.data?.talent.basic_info).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      mobile: '5550100',
      mobile_code: '1',
      mobile_country_code: 'US',
    });
    expect(await larkCall(s, token, 'GET', '/open-apis/hire/v1/talents/nope')).toMatchObject({ status: 400, body: { code: 1002002 } });
    expect(await larkCall(s, token, 'GET', '/open-apis/hire/v1/talents/sandbox-talent-nope')).toMatchObject({ status: 400, body: { code: 1002002 } });
  });

  it('marks the talent onboarded once its application is transferred', async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    await larkCall(s, token, 'POST', `/open-apis/hire/v1/applications/ap-accepted/transfer_onboard?${FEISHU_TYPES}`, {});
    expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/talents/sandbox-talent-of-accepted')).body.data?.talent.is_onboarded).toBe(true);
    expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/talents/sandbox-talent-of-sent')).body.data?.talent.is_onboarded).toBe(false);
  });

  it.each([
    ['+8613912345678', { mobile: '13912345678', mobile_code: '86', mobile_country_code: 'CN' }],
    ['+6591234567', { mobile: '91234567', mobile_code: '65', mobile_country_code: 'SG' }],
    ['+447712345678', { mobile: '7712345678', mobile_code: '44', mobile_country_code: 'GB' }],
    ['+6421234567', { mobile: '21234567', mobile_code: '64', mobile_country_code: 'NZ' }],
    ['+12125550123', { mobile: '2125550123', mobile_code: '1', mobile_country_code: 'US' }],
    ['+33612345678', { mobile: '33612345678' }],
    ['5550100', { mobile: '5550100' }],
  ])('splits the mobile %s as Lark\'s talent basic_info does', (e164, parts) => {
    expect(talentMobile(e164)).toEqual(parts);
  });

  it('reads the ids of a transfer without id types as People Admin ids and refuses them, as Lark does', async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    const body = { leader: 'ou_grace', department: 'od-D-eng' };
    const bare = await larkCall(s, token, 'POST', '/open-apis/hire/v1/applications/ap-accepted/transfer_onboard', body);
    expect(bare).toMatchObject({ status: 400, body: { code: 1002002 } });
    expect(bare.body.msg).toBe('param error: leader ou_grace does not exist: user_id_type was not given, so it is read as people_admin_id');
    expect(bare.body.data).toBeUndefined();
    const userTypeOnly = await larkCall(s, token, 'POST', '/open-apis/hire/v1/applications/ap-accepted/transfer_onboard?user_id_type=open_id', body);
    expect(userTypeOnly.body.msg).toBe('param error: department od-D-eng does not exist: department_id_type was not given, so it is read as people_admin_department_id');
    const levelAsPeopleAdmin = await larkCall(s, token, 'POST', `/open-apis/hire/v1/applications/ap-accepted/transfer_onboard?${FEISHU_TYPES.replace('job_level_id_type=job_level_id', 'job_level_id_type=people_admin_job_level_id')}`, { level: 'L5' });
    expect(levelAsPeopleAdmin.body.msg).toBe('param error: level L5 does not exist: it is read as people_admin_job_level_id');
    // Refused calls change nothing: the application still waits in the pre-hire stage.
    expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/applications/ap-accepted')).body.data?.application.stage).toMatchObject({ type: 6 });

    const typed = await larkCall(s, token, 'POST', `/open-apis/hire/v1/applications/ap-accepted/transfer_onboard?${FEISHU_TYPES}`, body);
    expect(typed.status).toBe(200);
    expect(typed.body.data?.employee).toMatchObject({ leader: 'ou_grace', department: 'od-D-eng' });
  });

  it('refuses transfer ids that name no one in the types given, and id types Lark does not know', async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    const url = `/open-apis/hire/v1/applications/ap-accepted/transfer_onboard?${FEISHU_TYPES}`;
    expect((await larkCall(s, token, 'POST', url, { leader: 'u-grace' })).body).toMatchObject({ code: 1002002, msg: 'param error: leader u-grace is no user (user_id_type open_id)' });
    expect((await larkCall(s, token, 'POST', url, { department: 'D-eng' })).body).toMatchObject({ code: 1002002 });
    expect((await larkCall(s, token, 'POST', url.replace('department_id_type=open_department_id', 'department_id_type=department_id'), { department: 'D-eng' })).status).toBe(200);
    const unknownType = await larkCall(s, token, 'POST', '/open-apis/hire/v1/applications/ap-sent/transfer_onboard?user_id_type=email', {});
    expect(unknownType).toMatchObject({ status: 400, body: { code: 99992402 } });
  });

  it('answers a transfer without id types or ids with the People Admin fields left out: the fake has no People Admin ids', async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    const employee = (await larkCall(s, token, 'POST', '/open-apis/hire/v1/applications/ap-accepted/transfer_onboard', {})).body.data?.employee;
    expect(employee).toMatchObject({ application_id: 'ap-accepted', onboard_status: 1 });
    expect(employee).not.toHaveProperty('leader');
    expect(employee).not.toHaveProperty('department');
  });

  it('lets a flow go offer.get → application.get → talent.get and transfer with the ids offer.get gave, through the connector', async () => {
    const s = await start();
    const context = actionContext(larkSandboxConnection('lark-hire', await s.listen()));
    const { offer } = (await runAction(connector, 'offer.get', { offer_id: 'of-accepted' }, context)) as { offer: { application_id: string; basic_info: { leader_user_id: string; department_id: string } } };
    const { application } = (await runAction(connector, 'application.get', { application_id: offer.application_id }, context)) as { application: { talent_id: string } };
    const { talent } = (await runAction(connector, 'talent.get', { talent_id: application.talent_id }, context)) as { talent: unknown };
    expect(talent).toMatchObject({ id: 'sandbox-talent-of-accepted', basic_info: { name: 'Ada Lovelace', email: 'ada@example.com', mobile: '5550100' } });
    const input = { application_id: offer.application_id, leader: offer.basic_info.leader_user_id, department: offer.basic_info.department_id };
    const transferred = (await runAction(connector, 'application.transfer_onboard', input, context)) as { employee: unknown; alreadyTransferred: boolean };
    expect(transferred).toMatchObject({ employee: { leader: 'ou_grace', department: 'od-D-eng' }, alreadyTransferred: false });
  });

  it('refuses to transfer an application outside the pre-hire stage, and has no employee record for it', async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    expect(await larkCall(s, token, 'POST', '/open-apis/hire/v1/applications/ap-sent/transfer_onboard', {})).toMatchObject({ status: 400, body: { code: 1002002 } });
    expect(await larkCall(s, token, 'GET', '/open-apis/hire/v1/employees/get_by_application?application_id=ap-sent')).toMatchObject({ status: 400, body: { code: 1002002 } });
    expect(await larkCall(s, token, 'GET', '/open-apis/hire/v1/employees/get_by_application')).toMatchObject({ status: 400, body: { code: 99992402 } });
    expect(await larkCall(s, token, 'POST', '/open-apis/hire/v1/applications/ap-accepted/transfer_onboard', { actual_onboard_time: 'soon' })).toMatchObject({ status: 400, body: { code: 99992402 } });
  });

  describe.each([
    ['offer.get', 'GET', '/open-apis/hire/v1/offers/of-accepted'],
    ['application.get', 'GET', '/open-apis/hire/v1/applications/ap-accepted'],
    ['application.transfer_onboard', 'POST', '/open-apis/hire/v1/applications/ap-sent/transfer_onboard'],
    ['employee.get_by_application', 'GET', '/open-apis/hire/v1/employees/get_by_application?application_id=ap-sent'],
  ] as const)('%s rate limit', (_api, method, url) => {
    it(`answers the ${HIRE_LIMIT_PER_SECOND + 1}th call in a second with 429, 99991400 and x-ogw-ratelimit headers, and lets calls through the next second`, async () => {
      const s = await start();
      const token = await larkTenantToken(s);
      for (let i = 0; i < HIRE_LIMIT_PER_SECOND; i++) expect((await larkCall(s, token, method, url, method === 'POST' ? {} : undefined)).status).not.toBe(429);
      const limited = await larkCall(s, token, method, url, method === 'POST' ? {} : undefined);
      expect(limited).toMatchObject({ status: 429, body: { code: 99991400 } });
      expect(limited.headers).toMatchObject({ 'x-ogw-ratelimit-limit': String(HIRE_LIMIT_PER_SECOND), 'x-ogw-ratelimit-reset': '1' });
      s.tick(1000);
      expect((await larkCall(s, token, method, url, method === 'POST' ? {} : undefined)).status).not.toBe(429);
    });
  });

  it(`holds offer.get to ${HIRE_LIMIT_PER_MINUTE} calls a minute`, async () => {
    const s = await start();
    const token = await larkTenantToken(s);
    const seconds = HIRE_LIMIT_PER_MINUTE / HIRE_LIMIT_PER_SECOND;
    for (let second = 0; second < seconds; second++) {
      for (let i = 0; i < HIRE_LIMIT_PER_SECOND; i++) expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/offers/of-accepted')).status).toBe(200);
      s.tick(1000);
    }
    const limited = await larkCall(s, token, 'GET', '/open-apis/hire/v1/offers/of-accepted');
    expect(limited).toMatchObject({ status: 429, body: { code: 99991400 } });
    expect(limited.headers).toMatchObject({ 'x-ogw-ratelimit-limit': String(HIRE_LIMIT_PER_MINUTE), 'x-ogw-ratelimit-reset': '60' });
    s.tick(60_000);
    expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/offers/of-accepted')).status).toBe(200);
  });

  it('emits hire.offer.status_changed_v1 encrypted and signed as Lark does, and applies the change', async () => {
    const s = await start();
    const delivery = s.modules.get('lark-hire')!.delivery!(s.context, { type: 'hire.offer.status_changed_v1', payload: { offer_id: 'of-sent', offer_status: 7 }, id: 'evt-1' });
    const { verificationToken, encryptKey } = DEFAULT_SANDBOX_CREDENTIALS.lark;
    const result = verifyLarkWebhook({ headers: delivery.headers, rawBody: Buffer.from(delivery.body) }, { verificationToken, encryptKey, now: s.now });
    expect(result).toMatchObject({ kind: 'event', event: { id: 'evt-1', type: 'hire.offer.status_changed_v1', payload: { offer_id: 'of-sent', offer_status: 7 } } });

    const token = await larkTenantToken(s);
    expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/offers/of-sent')).body.data?.offer.offer_status).toBe(7);
    expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/applications/ap-sent')).body.data?.application.stage).toMatchObject({ type: 6 });
  });

  it('refuses to emit events it does not know or payloads that do not fit', async () => {
    const s = await start();
    const hire = s.modules.get('lark-hire')!;
    expect(() => hire.delivery!(s.context, { type: 'hire.application.stage_changed_v1', payload: {} })).toThrow('lark-hire emits hire.offer.status_changed_v1');
    expect(() => hire.delivery!(s.context, { type: 'hire.offer.status_changed_v1', payload: { offer_id: 'of-sent', offer_status: 'accepted' } })).toThrow('needs payload');
  });

  it('lets the connector re-attempt transfer_onboard after a lost answer and get the same employee', async () => {
    const s = await start();
    const context = actionContext(larkSandboxConnection('lark-hire', await s.listen()));
    const transfer = (attempt: number) =>
      runAction(connector, 'application.transfer_onboard', { application_id: 'ap-accepted' }, { ...context, attempt }) as Promise<{ employee: unknown; alreadyTransferred: boolean }>;
    const first = await transfer(1);
    expect(first.alreadyTransferred).toBe(false);
    const again = await transfer(2);
    expect(again).toEqual({ employee: first.employee, alreadyTransferred: true });
  });
});

describe('lark-hire sandbox: state and seed', () => {
  it('answers its state from the first request: the seeded offers and applications, no employees yet', async () => {
    const s = await start();
    const response = await s.app.inject({ method: 'GET', url: '/_sandbox/state?connector=lark-hire' });
    expect(response.statusCode).toBe(200);
    const created = String(Date.UTC(2025, 2, 1, 9));
    expect(response.json().connectors['lark-hire']).toEqual({
      offerStatus: { 'of-accepted': 7, 'of-sent': 6 },
      applications: {
        'ap-accepted': { id: 'ap-accepted', offerId: 'of-accepted', stage: 'preHire', createTime: created, modifyTime: created },
        'ap-sent': { id: 'ap-sent', offerId: 'of-sent', stage: 'offer', createTime: created, modifyTime: created },
      },
      employees: {},
    });
  });

  it('lists its offers in the seed with application and talent ids, status and stage as they are now', async () => {
    const s = await start();
    const offers = async () => (await s.app.inject({ method: 'GET', url: '/_sandbox/seed?section=offers' })).json<{ connector: string; items: Record<string, unknown>[] }>();
    const before = await offers();
    expect(before.connector).toBe('lark-hire');
    expect(before.items).toEqual([
      expect.objectContaining({ offer_id: 'of-accepted', offer_status: 7, status: 'accepted', application_id: 'ap-accepted', application_stage: 'To be onboarded', talent_id: 'sandbox-talent-of-accepted', candidate_name: 'Ada Lovelace' }),
      expect.objectContaining({ offer_id: 'of-sent', offer_status: 6, status: 'sent', application_id: 'ap-sent', application_stage: 'Offer' }),
    ]);
    const token = await larkTenantToken(s);
    expect((await larkCall(s, token, 'GET', '/open-apis/hire/v1/applications/ap-accepted')).body.data?.application.talent_id).toBe('sandbox-talent-of-accepted');
    await larkCall(s, token, 'POST', '/open-apis/hire/v1/applications/ap-accepted/transfer_onboard', {});
    expect((await offers()).items[0]).toMatchObject({ application_stage: 'Onboarded' });
  });
});
