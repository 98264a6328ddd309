import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../../src/server/auth/roles.js';
import { isPersonalDataKey, MASKED, maskListenKeys, maskPersonalData } from '../../src/server/personal-data.js';
import { useServerHarness } from './server-harness.js';

const h = useServerHarness('api-masking');

/** A person's data, each value distinct so a leak anywhere in a body is found by searching for it. */
const PERSON = { email: 'ada.lovelace@example.com', name: 'Ada Lovelace', mobile: '+86 13800138000', salary: 987654 };
const PERSONAL_VALUES = ['ada.lovelace@example.com', 'Ada Lovelace', '13800138000', '987654'];

const profileFlow = {
  id: 'profile',
  version: '1',
  input: {
    type: 'object',
    required: ['employeeId', 'email'],
    properties: { employeeId: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, mobile: { type: 'string' }, salary: { type: 'number' }, department_name: { type: 'string' } },
  },
  steps: [
    { id: 'contact', kind: 'set', values: { email: '${ $input.email }', mobile: '${ $input.mobile }', department_name: '${ $input.department_name }' } },
    { id: 'lookup', kind: 'call', action: 'http.request', connection: 'svc', with: { method: 'POST', url: '/profile', body: { id: '${ $input.employeeId }' } } },
    { id: 'plan', kind: 'schedule', key: 'deactivate:${ $input.employeeId }', flow: 'profile', at: '2099-01-01T00:00:00Z', input: { employeeId: '${ $input.employeeId }', email: '${ $input.email }' } },
    { id: 'signed', kind: 'listen', connection: 'esign', event: 'envelope-completed', key: '${ $input.email }', match: 'payload.signerEmail', timeout: '14d' },
    { id: 'done', kind: 'return', output: { name: '${ $input.name }', salary: '${ $input.salary }', department_name: '${ $input.department_name }' } },
  ],
};

beforeEach(() => {
  process.env.API_MASKING_ESIGN_TOKEN = 'docusign-token';
});
afterEach(() => {
  delete process.env.API_MASKING_ESIGN_TOKEN;
});

async function bootWithRun(): Promise<string> {
  h.flow(profileFlow);
  await h.boot({
    connections: {
      svc: { connector: 'http', baseUrl: h.vendorUrl },
      esign: { connector: 'docusign', baseUri: h.vendorUrl, accountId: 'acct-1', accessToken: { env: 'API_MASKING_ESIGN_TOKEN' } },
    },
  });
  h.vendor.onCall((_call, respond) => respond(200, { name: PERSON.name, phone: PERSON.mobile, title: 'Engineer' }));
  const started = await h.call('POST', '/api/v1/flows/profile/runs', { as: 'operator', body: { input: { employeeId: 'e-1', department_name: 'Analytics', ...PERSON } } });
  const runId = (started.json() as { id: string }).id;
  expect((await h.app.engine.executeRun(runId)).status).toBe('waiting');
  await h.app.store.recordDelivery({
    source: 'esign',
    receivedAt: new Date().toISOString(),
    outcome: 'refused',
    reason: { code: 'webhook.bad_signature', message: 'forged' },
    event: { id: 'ev-1', type: 'envelope-completed', occurredAt: new Date().toISOString(), payload: { envelopeId: 'env-1', signerEmail: PERSON.email, signer: { name: PERSON.name } } },
  });
  return runId;
}

async function bodiesAs(role: Role, runId: string): Promise<Record<string, string>> {
  const urls = {
    run: `/api/v1/runs/${runId}`,
    runs: '/api/v1/runs',
    schedule: '/api/v1/schedules/deactivate%3Ae-1',
    schedules: '/api/v1/schedules',
    deliveries: '/api/v1/deliveries',
  };
  const bodies: Record<string, string> = {};
  for (const [what, url] of Object.entries(urls)) {
    const res = await h.call('GET', url, { as: role });
    expect(res.statusCode, `${what}: ${res.body}`).toBe(200);
    bodies[what] = res.body;
  }
  const [delivery] = (JSON.parse(bodies.deliveries!) as { items: { id: number }[] }).items;
  bodies.delivery = (await h.call('GET', `/api/v1/deliveries/${delivery!.id}`, { as: role })).body;
  return bodies;
}

describe('personal data for viewers', () => {
  it('is masked in run inputs, outputs, steps, waits, journal, schedule inputs and delivery payloads', async () => {
    const runId = await bootWithRun();
    const bodies = await bodiesAs('viewer', runId);
    for (const [what, body] of Object.entries(bodies)) {
      for (const value of PERSONAL_VALUES) expect(body, `${what} shows ${value}`).not.toContain(value);
    }
    const run = JSON.parse(bodies.run!) as {
      input: Record<string, unknown>;
      steps: { stepId: string; input?: Record<string, unknown>; output?: Record<string, unknown> }[];
      waitingFor: Record<string, unknown>[];
      journal: { type: string; data?: { waitingFor?: Record<string, unknown>[] } }[];
    };
    // What identifies the run, and names of things rather than people, stay readable.
    expect(run.input).toEqual({ employeeId: 'e-1', department_name: 'Analytics', email: MASKED, name: MASKED, mobile: MASKED, salary: MASKED });
    const step = (id: string) => run.steps.find((s) => s.stepId === id)?.output;
    expect(step('contact')).toEqual({ email: MASKED, mobile: MASKED, department_name: 'Analytics' });
    expect(step('lookup')).toMatchObject({ body: { name: MASKED, phone: MASKED, title: 'Engineer' } });
    // What a step acted on is masked by the same rule: the schedule's input carries the e-mail.
    const inputOf = (id: string) => run.steps.find((s) => s.stepId === id)?.input;
    expect(inputOf('lookup')).toEqual({ method: 'POST', url: '/profile', body: { id: 'e-1' } });
    expect(inputOf('plan')).toEqual({ key: 'deactivate:e-1', at: '2099-01-01T00:00:00.000Z', input: { employeeId: 'e-1', email: MASKED } });
    expect(run.waitingFor).toEqual([expect.objectContaining({ kind: 'event', path: 'payload.signerEmail', value: MASKED })]);
    expect(run.journal.find((e) => e.type === 'run.parked')?.data?.waitingFor).toEqual([expect.objectContaining({ value: MASKED })]);
    expect(JSON.parse(bodies.schedule!)).toMatchObject({ key: 'deactivate:e-1', input: { employeeId: 'e-1', email: MASKED } });
    expect(JSON.parse(bodies.delivery!)).toMatchObject({ event: { payload: { envelopeId: 'env-1', signerEmail: MASKED, signer: { name: MASKED } } } });
  });

  it('is shown whole to operators and admins', async () => {
    const runId = await bootWithRun();
    for (const role of ['operator', 'admin'] as const) {
      const bodies = await bodiesAs(role, runId);
      for (const [what, body] of Object.entries(bodies)) expect(body, `${role} ${what}`).not.toContain(MASKED);
      expect(bodies.run).toContain(PERSON.email);
      expect(bodies.run).toContain(PERSON.name);
      expect(bodies.run).toContain(PERSON.mobile);
      expect(bodies.run).toContain(String(PERSON.salary));
      expect(bodies.schedule).toContain(PERSON.email);
      expect(bodies.delivery).toContain(PERSON.name);
    }
  });

  it('is masked in a finished run’s output, in the listing and in answers to what a viewer may not do', async () => {
    const runId = await bootWithRun();
    await h.app.store.recordDelivery({
      source: 'esign',
      receivedAt: new Date().toISOString(),
      outcome: 'accepted',
      event: { id: 'ev-2', type: 'envelope-completed', occurredAt: new Date().toISOString(), payload: { envelopeId: 'env-1', signerEmail: PERSON.email } },
    });
    await h.app.store.wakeRuns([runId], new Date().toISOString());
    expect((await h.app.engine.executeRun(runId)).status).toBe('succeeded');
    const run = (await h.call('GET', `/api/v1/runs/${runId}`, { as: 'viewer' })).json() as { output: unknown };
    expect(run.output).toEqual({ name: MASKED, salary: MASKED, department_name: 'Analytics' });
    const listed = (await h.call('GET', '/api/v1/runs', { as: 'viewer' })).json() as { items: { output: unknown }[] };
    expect(listed.items[0]!.output).toEqual({ name: MASKED, salary: MASKED, department_name: 'Analytics' });
    const refused = await h.call('POST', `/api/v1/runs/${runId}/cancel`, { as: 'viewer' });
    expect(refused.statusCode).toBe(403);
    for (const value of PERSONAL_VALUES) expect(refused.body).not.toContain(value);
  });
});

describe('what counts as personal', () => {
  it.each([
    ['name', true],
    ['first_name', true],
    ['candidateName', true],
    ['email', true],
    ['work_email', true],
    ['mobile', true],
    ['phone_number', true],
    ['id_number', true],
    ['passport', true],
    ['base_salary', true],
    ['bonus_amount', true],
    ['home_address', true],
    ['date_of_birth', true],
    ['department_name', false],
    ['file_name', false],
    ['employeeId', false],
    ['status', false],
    ['title', false],
  ])('%s → %s', (key, personal) => {
    expect(isPersonalDataKey(key)).toBe(personal);
  });

  it('masks at any depth and leaves empty values, arrays of things and non-personal keys alone', () => {
    expect(maskPersonalData({ a: [{ b: { email: 'x@y.z', email_list: ['p@q.r'] } }], name: '', mobile: null, team_name: 'Core' })).toEqual({
      a: [{ b: { email: MASKED, email_list: MASKED } }],
      name: '',
      mobile: null,
      team_name: 'Core',
    });
  });

  it('masks the key a listen step waits for by the path it is matched at, and when that path is not known', () => {
    const listen = (path: string, value: string) => ({ path, state: { listening: { value, since: 'x' } } });
    const steps = [listen('by-email', 'ada@example.com'), listen('by-envelope', 'env-1'), listen('unknown', 'something'), { path: 'other', state: { cursor: 3 } }];
    const waits = [
      { step: 'by-email', path: 'payload.signer.email', value: 'ada@example.com' },
      { step: 'by-envelope', path: 'payload.envelopeId', value: 'env-1' },
    ];
    expect(maskListenKeys(steps, waits).map((s) => s.state)).toEqual([
      { listening: { value: MASKED, since: 'x' } },
      { listening: { value: 'env-1', since: 'x' } },
      { listening: { value: MASKED, since: 'x' } },
      { cursor: 3 },
    ]);
  });
});
