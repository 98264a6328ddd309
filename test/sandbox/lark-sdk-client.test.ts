import * as lark from '@larksuiteoapi/node-sdk';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';

/**
 * The official Lark Node SDK, an independent client, pointed at the running sandbox: what it
 * sends must be what the fakes accept, and what they answer must be what it expects.
 */
const company = seedCompany({ employees: 120, seed: 'sdk' });
const { appId, appSecret } = DEFAULT_SANDBOX_CREDENTIALS.lark;
const bitableTable = { app_token: 'bascnStaffwireSandbox', table_id: 'tblEmployees' };

let sandbox: Sandbox;
let client: lark.Client;

beforeAll(async () => {
  sandbox = await createSandbox({ company });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = sandbox.app.server.address() as AddressInfo;
  client = new lark.Client({ appId, appSecret, domain: `http://127.0.0.1:${port}`, disableTokenCache: false, loggerLevel: lark.LoggerLevel.error });
});

afterAll(async () => {
  await sandbox.app.close();
});

function issuedTokens(): number {
  return sandbox.context.state('lark-tokens', () => ({ tokens: new Map<string, number>() })).tokens.size;
}

describe('the official Lark Node SDK against the sandbox', () => {
  it('gets a tenant token from the sandbox and caches it, as against Lark', async () => {
    const offer = company.offers[0]!;
    await client.hire.offer.get({ path: { offer_id: offer.offerId } });
    await client.hire.offer.get({ path: { offer_id: offer.offerId } });
    expect(issuedTokens()).toBe(1);
  });

  it('hire.offer.get: the seeded offer, accepted, with its salary plan and job', async () => {
    const offer = company.offers[0]!;
    const response = await client.hire.offer.get({ path: { offer_id: offer.offerId }, params: { user_id_type: 'open_id' } });
    expect(response.code).toBe(0);
    const leader = company.employees.find((e) => e.employmentId === offer.leaderEmploymentId)!;
    expect(response.data?.offer).toMatchObject({
      id: offer.offerId,
      application_id: offer.applicationId,
      offer_status: 7,
      basic_info: { onboard_date: offer.onboardDate, leader_user_id: leader.openId },
      salary_plan: { currency: offer.salary.currency, basic_salary: String(offer.salary.basic) },
      job_info: { job_id: offer.jobId, job_name: offer.jobName },
    });
  });

  it('contact.user.get: a seeded employee by open_id', async () => {
    const employee = company.employees[7]!;
    const response = await client.contact.user.get({ path: { user_id: employee.openId }, params: { user_id_type: 'open_id' } });
    expect(response.code).toBe(0);
    expect(response.data?.user).toMatchObject({
      open_id: employee.openId,
      union_id: employee.unionId,
      user_id: employee.userId,
      name: employee.name,
      email: employee.email,
      mobile: employee.mobile,
      employee_no: employee.employeeNo,
      status: { is_frozen: false },
    });
  });

  it('im.message.create: a text message, de-duplicated by uuid', async () => {
    const receiver = company.employees[3]!;
    const uuid = randomUUID();
    const send = () =>
      client.im.message.create({
        params: { receive_id_type: 'open_id' },
        data: { receive_id: receiver.openId, msg_type: 'text', content: JSON.stringify({ text: 'Welcome aboard' }), uuid },
      });
    const first = await send();
    expect(first.code).toBe(0);
    expect(first.data).toMatchObject({ message_id: expect.stringMatching(/^om_/), msg_type: 'text' });
    const again = await send();
    expect(again.data?.message_id).toBe(first.data?.message_id);
  });

  it('corehr.v2.preHire.create then query: the pre-hire comes back, once per out_biz_id', async () => {
    const offer = company.offers[0]!;
    const create = () =>
      client.corehr.v2.preHire.create({
        data: {
          basic_info: { name: { full_name: offer.candidateName }, phone_number: offer.candidateMobile, email: offer.candidateEmail },
          offer_info: {
            onboarding_date: offer.onboardDate,
            department_id: offer.departmentId,
            direct_leader_id: offer.leaderEmploymentId,
            job_id: offer.jobId,
            employee_type_id: '1',
          },
          ats_application_id: offer.applicationId,
          out_biz_id: `offer-${offer.offerId}`,
        },
      });
    const created = await create();
    expect(created.code).toBe(0);
    const preHireId = created.data!.pre_hire_id!;
    expect(preHireId).toEqual(expect.any(String));
    expect((await create()).data?.pre_hire_id).toBe(preHireId);

    const queried = await client.corehr.v2.preHire.query({ data: { pre_hire_ids: [preHireId] }, params: { page_size: 10 } });
    expect(queried.code).toBe(0);
    expect(queried.data?.items).toHaveLength(1);
    expect(queried.data?.items?.[0]).toMatchObject({
      pre_hire_id: preHireId,
      person_info: { phone_number: offer.candidateMobile },
      onboarding_info: { onboarding_status: 'preboarding', onboarding_date: offer.onboardDate },
    });
  });

  it('bitable.appTableRecord.batchCreate then search: the records written are found by filter', async () => {
    const people = company.employees.slice(0, 3);
    const created = await client.bitable.appTableRecord.batchCreate({
      path: bitableTable,
      params: { client_token: randomUUID() },
      data: { records: people.map((e) => ({ fields: { 'Employment ID': e.employmentId, Name: e.name, Email: e.email, Status: e.status } })) },
    });
    expect(created.code).toBe(0);
    expect(created.data?.records).toHaveLength(3);
    expect(created.data?.records?.[0]).toMatchObject({ record_id: expect.any(String), fields: { Name: people[0]!.name } });

    const found = await client.bitable.appTableRecord.search({
      path: bitableTable,
      params: { page_size: 2 },
      data: { filter: { conjunction: 'and', conditions: [{ field_name: 'Employment ID', operator: 'is', value: [people[1]!.employmentId] }] } },
    });
    expect(found.code).toBe(0);
    expect(found.data).toMatchObject({ has_more: false, total: 1 });
    expect(found.data?.items?.[0]).toMatchObject({ record_id: created.data?.records?.[1]?.record_id, fields: { Email: people[1]!.email } });
  });
});
