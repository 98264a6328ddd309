import { describe, expect, it } from 'vitest';
import type { DeliveryRecord, RunRecord } from '../../src/store/records.js';
import { MASKED } from '../../src/server/personal-data.js';
import { expectApiError, helloFlow, useServerHarness, waitingFlow } from './server-harness.js';

/** What the console shows beyond the plain listings: the overview, sub-runs, replaying a delivery. */
const h = useServerHarness('api-console-views');

interface Overview {
  since: string;
  runs: { flowId: string; status: string; count: number }[];
  runsTruncated: boolean;
  attention: { reason: string; run: RunRecord }[];
  upcomingSchedules: { key: string }[];
  refusedDeliveries: DeliveryRecord[];
}

const overview = async (query = '', as: 'viewer' | 'operator' = 'viewer'): Promise<Overview> => {
  const res = await h.call('GET', `/api/v1/overview${query}`, { as });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

const hour = 60 * 60 * 1000;

describe('GET /api/v1/overview', () => {
  it('counts runs since the moment given by flow and status, lists failed and long-overdue runs, the next 7 days of schedules and refused deliveries of 24 h', async () => {
    h.flow(helloFlow);
    h.flow(waitingFlow);
    await h.boot();
    const { app } = h;
    const now = Date.now();
    const hello = app.engine.compile(helloFlow);
    for (const employeeId of ['e-1', 'e-2']) await app.engine.executeRun((await app.engine.startRun(hello, { email: 'a@example.com', employeeId })).id);
    const failed = await app.engine.startRun(hello, { email: 'ada@example.com', employeeId: 'e-3' });
    await app.store.updateRun(failed.id, { status: 'failed', error: { code: 'vendor.500', message: 'down', category: 'server' } });
    const overdue = await app.engine.startRun(app.engine.compile(waitingFlow), {});
    await app.store.updateRun(overdue.id, { status: 'waiting', waitingUntil: new Date(now - hour).toISOString() });
    const stuck = await app.engine.startRun(app.engine.compile(waitingFlow), {});
    await app.store.updateRun(stuck.id, { status: 'running', owner: 'a-process-that-died', leaseUntil: new Date(now - hour).toISOString() });
    const soon = { flowId: 'hello', input: { email: 'b@example.com' }, createdBy: 'test', at: new Date(now).toISOString() };
    await app.store.putSchedule({ ...soon, key: 'in-2-days', fireAt: new Date(now + 48 * hour).toISOString() });
    await app.store.putSchedule({ ...soon, key: 'in-8-days', fireAt: new Date(now + 8 * 24 * hour).toISOString() });
    await app.store.recordDelivery({ source: 'svc', receivedAt: new Date(now - 2 * hour).toISOString(), outcome: 'refused', reason: { code: 'webhook.bad_signature', message: 'the signature does not match' } });
    await app.store.recordDelivery({ source: 'svc', receivedAt: new Date(now - 30 * hour).toISOString(), outcome: 'refused', reason: { code: 'webhook.stale', message: 'too old' } });

    const seen = await overview(`?since=${encodeURIComponent(new Date(now - hour / 2).toISOString())}`);
    expect(seen.runs).toEqual([
      { flowId: 'hello', status: 'failed', count: 1 },
      { flowId: 'hello', status: 'succeeded', count: 2 },
      { flowId: 'waiting', status: 'running', count: 1 },
      { flowId: 'waiting', status: 'waiting', count: 1 },
    ]);
    expect(seen.runsTruncated).toBe(false);
    expect(seen.attention.map((a) => [a.reason, a.run.id])).toEqual(
      expect.arrayContaining([
        ['failed', failed.id],
        ['overdue', overdue.id],
        ['stuck', stuck.id],
      ]),
    );
    expect(seen.attention.find((a) => a.run.id === failed.id)!.run.input).toEqual({ email: MASKED, employeeId: 'e-3' });
    expect(seen.upcomingSchedules.map((s) => s.key)).toEqual(['in-2-days']);
    expect(seen.refusedDeliveries.map((d) => d.reason?.code)).toEqual(['webhook.bad_signature']);
  });

  it('counts the last 24 h when no moment is given', async () => {
    await h.boot();
    const seen = await overview();
    expect(Date.parse(seen.since)).toBeGreaterThan(Date.now() - 24 * hour - 60_000);
    expect(seen).toMatchObject({ runs: [], attention: [], upcomingSchedules: [], refusedDeliveries: [] });
  });
});

describe('GET /api/v1/runs/:id', () => {
  it('lists the sub-flow runs a run started', async () => {
    h.flow(helloFlow);
    const parent = { id: 'parent', version: '1', steps: [{ id: 'sub', kind: 'run', flow: 'hello', input: { email: 'c@example.com', employeeId: 'e-9' } }] };
    h.flow(parent);
    await h.boot();
    const run = await h.app.engine.startRun(h.app.engine.compile(parent as never), {});
    expect((await h.app.engine.executeRun(run.id)).status).toBe('succeeded');
    const detail = (await h.call('GET', `/api/v1/runs/${run.id}`, { as: 'viewer' })).json() as { subRuns: RunRecord[] };
    expect(detail.subRuns.map((r) => [r.flowId, r.parentRunId, r.status])).toEqual([['hello', run.id, 'succeeded']]);
    expect(detail.subRuns[0]!.input).toEqual({ email: MASKED, employeeId: 'e-9' });
  });
});

describe('POST /api/v1/deliveries/:id/replay', () => {
  const hookFlow = { id: 'greet', version: '1', triggers: [{ kind: 'hook', secret: { env: 'API_VIEWS_HOOK_SECRET' } }], steps: [{ id: 'done', kind: 'return', output: { ok: true } }] };
  const event = { id: 'msg_1', type: 'hook', occurredAt: new Date().toISOString(), payload: { name: 'Ada' } };

  it('dispatches an accepted delivery again, starting what it did not start, and never a run twice (admin only)', async () => {
    process.env.API_VIEWS_HOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    try {
      h.flow(hookFlow);
      await h.boot();
      const delivery = await h.app.store.recordDelivery({ source: 'hook:greet', receivedAt: new Date().toISOString(), outcome: 'accepted', event, triggers: false, listenable: false });
      expectApiError(await h.call('POST', `/api/v1/deliveries/${delivery.id}/replay`, { as: 'operator' }), 403, 'auth.forbidden');
      const replayed = await h.call('POST', `/api/v1/deliveries/${delivery.id}/replay`, { as: 'admin' });
      expect(replayed.statusCode, replayed.body).toBe(200);
      const { dispatch } = replayed.json() as DeliveryRecord;
      expect(dispatch).toEqual([{ flowId: 'greet', runId: expect.stringMatching(/^run_evt_/), started: true }]);
      const again = (await h.call('POST', `/api/v1/deliveries/${delivery.id}/replay`, { as: 'admin' })).json() as DeliveryRecord;
      expect(again.dispatch).toEqual(dispatch);
      expect(await h.app.store.listRuns({ flowId: 'greet' })).toHaveLength(1);
    } finally {
      delete process.env.API_VIEWS_HOOK_SECRET;
    }
  });

  it('refuses a delivery that holds no event, and one that does not exist', async () => {
    await h.boot();
    const refused = await h.app.store.recordDelivery({ source: 'svc', receivedAt: new Date().toISOString(), outcome: 'refused', reason: { code: 'webhook.bad_signature', message: 'no' } });
    expectApiError(await h.call('POST', `/api/v1/deliveries/${refused.id}/replay`, { as: 'admin' }), 409, 'delivery.not_replayable');
    expectApiError(await h.call('POST', '/api/v1/deliveries/999/replay', { as: 'admin' }), 404, 'delivery.not_found');
  });
});
