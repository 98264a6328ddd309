import { describe, expect, it } from 'vitest';
import type { ScheduleRecord } from '../../src/store/records.js';
import { TestClock } from '../engine/helpers.js';
import { allPages, expectApiError, listPage, useServerHarness } from './server-harness.js';

const h = useServerHarness('api-schedules');

/** 2030-01-01T00:00Z plus `hours`. */
const at = (hours: number) => new Date(Date.parse('2030-01-01T00:00:00.000Z') + hours * 3_600_000).toISOString();

const deactivate = {
  id: 'deactivate',
  version: '1',
  input: { type: 'object', properties: { employeeId: { type: 'string' } } },
  steps: [{ id: 'done', kind: 'return', output: '${ $input.employeeId }' }],
};

async function boot(): Promise<TestClock> {
  const clock = new TestClock();
  h.flow(deactivate);
  await h.boot({}, { clock });
  return clock;
}

function schedule(key: string, hours: number, flowId = 'deactivate') {
  return h.app.store.putSchedule({ key, flowId, input: { employeeId: key }, fireAt: at(hours), timeZone: 'Asia/Shanghai', createdBy: 'test', at: at(0) });
}

async function keys(query: string): Promise<string[]> {
  return (await listPage<ScheduleRecord>(h, `/api/v1/schedules${query}`)).items.map((s) => s.key);
}

const path = (key: string, action = '') => `/api/v1/schedules/${encodeURIComponent(key)}${action}`;

describe('GET /api/v1/schedules', () => {
  it('lists pending schedules earliest first, filtered by flow, key prefix, fire time and status', async () => {
    await boot();
    await schedule('deactivate:e-3', 30);
    await schedule('deactivate:e-1', 10);
    await schedule('remind:e-1', 5, 'remind');
    await schedule('deactivate:e-2', 20);
    await h.app.store.cancelSchedule('deactivate:e-2', at(0));

    expect(await keys('')).toEqual(['remind:e-1', 'deactivate:e-1', 'deactivate:e-3']);
    expect(await keys('?flow=deactivate')).toEqual(['deactivate:e-1', 'deactivate:e-3']);
    expect(await keys('?keyPrefix=deactivate%3A')).toEqual(['deactivate:e-1', 'deactivate:e-3']);
    expect(await keys(`?from=${encodeURIComponent(at(10))}`)).toEqual(['deactivate:e-1', 'deactivate:e-3']);
    expect(await keys(`?to=${encodeURIComponent(at(10))}`)).toEqual(['remind:e-1']);
    expect(await keys('?status=cancelled')).toEqual(['deactivate:e-2']);
    expect(await keys('?status=pending,cancelled&flow=deactivate')).toEqual(['deactivate:e-1', 'deactivate:e-2', 'deactivate:e-3']);
    expectApiError(await h.call('GET', '/api/v1/schedules?status=later', { as: 'viewer' }), 400, 'request.invalid');
  });

  it('pages in fire order without overlap or gaps, schedules at one moment included', async () => {
    await boot();
    const all: string[] = [];
    for (let i = 0; i < 5; i++) {
      const key = `deactivate:e-${i}`;
      await schedule(key, i < 3 ? 1 : 2);
      all.push(key);
    }
    const { items, pages } = await allPages<ScheduleRecord>(h, '/api/v1/schedules?limit=2');
    expect(pages).toBe(3);
    expect(items.map((s) => s.key)).toEqual(all);
    const runsCursor = Buffer.from(JSON.stringify({ l: 'runs', createdAt: 'x', id: 'y' })).toString('base64url');
    expectApiError(await h.call('GET', `/api/v1/schedules?cursor=${runsCursor}`, { as: 'viewer' }), 400, 'request.invalid_cursor');
  });

  it('shows what a flow’s schedule step scheduled, and who scheduled it', async () => {
    await boot();
    h.flow({
      id: 'offboarding',
      version: '1',
      input: { type: 'object', required: ['employeeId'], properties: { employeeId: { type: 'string' } } },
      steps: [{ id: 'plan', kind: 'schedule', key: 'deactivate:${ $input.employeeId }', flow: 'deactivate', at: at(48), input: { employeeId: '${ $input.employeeId }' }, timeZone: 'Europe/Berlin' }],
    });
    const started = await h.call('POST', '/api/v1/flows/offboarding/runs', { as: 'operator', body: { input: { employeeId: 'e-9' } } });
    const runId = (started.json() as { id: string }).id;
    expect((await h.app.engine.executeRun(runId)).status).toBe('succeeded');
    const res = await h.call('GET', path('deactivate:e-9'), { as: 'operator' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ key: 'deactivate:e-9', flowId: 'deactivate', fireAt: at(48), timeZone: 'Europe/Berlin', status: 'pending', input: { employeeId: 'e-9' }, createdBy: `run:${runId}/plan` });
  });
});

describe('GET /api/v1/schedules/:key', () => {
  it('gives one schedule by its URL-encoded key, and 404 for a key with nothing under it', async () => {
    await boot();
    await schedule('deactivate:e/1 x', 3);
    expect((await h.call('GET', path('deactivate:e/1 x'), { as: 'viewer' })).json()).toMatchObject({ key: 'deactivate:e/1 x', fireAt: at(3), status: 'pending', generation: 1 });
    expectApiError(await h.call('GET', path('deactivate:nobody'), { as: 'viewer' }), 404, 'schedule.not_found');
  });
});

describe('POST /api/v1/schedules/:key/cancel', () => {
  it('cancels a pending schedule; cancelling it again is a 409, an unknown key a 404', async () => {
    await boot();
    await schedule('deactivate:e-1', 3);
    const res = await h.call('POST', path('deactivate:e-1', '/cancel'), { as: 'operator' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ key: 'deactivate:e-1', status: 'cancelled' });
    expect((await h.app.store.getSchedule('deactivate:e-1'))?.status).toBe('cancelled');
    expect(expectApiError(await h.call('POST', path('deactivate:e-1', '/cancel'), { as: 'operator' }), 409, 'schedule.not_pending').message).toContain('cancelled');
    expectApiError(await h.call('POST', path('deactivate:nobody', '/cancel'), { as: 'operator' }), 404, 'schedule.not_found');
  });

  it('refuses to cancel a schedule that fired', async () => {
    const clock = await boot();
    await schedule('deactivate:e-1', 1);
    clock.advance(2 * 3_600_000);
    // One pass of the scheduler fires what is due.
    await h.app.scheduler.start();
    await h.app.scheduler.stop();
    expect((await h.app.store.getSchedule('deactivate:e-1'))?.status).toBe('fired');
    const body = expectApiError(await h.call('POST', path('deactivate:e-1', '/cancel'), { as: 'operator' }), 409, 'schedule.not_pending');
    expect(body.message).toContain('fired');
  });
});

describe('POST /api/v1/schedules/:key/move', () => {
  const move = (key: string, body: unknown) => h.call('POST', path(key, '/move'), { as: 'operator', body });

  it('moves a pending schedule to a moment given with its zone, stored in UTC', async () => {
    await boot();
    await schedule('deactivate:e-1', 3);
    const res = await move('deactivate:e-1', { at: '2030-01-02T18:00:00+08:00' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ key: 'deactivate:e-1', status: 'pending', fireAt: '2030-01-02T10:00:00.000Z' });
    expect((await h.app.store.getSchedule('deactivate:e-1'))?.fireAt).toBe('2030-01-02T10:00:00.000Z');
  });

  it('refuses a moment already past, a moment without its zone, and a body without one, changing nothing', async () => {
    await boot();
    await schedule('deactivate:e-1', 3);
    expect(expectApiError(await move('deactivate:e-1', { at: '2029-12-31T23:00:00Z' }), 422, 'schedule.moment_passed').message).toContain('passed');
    const noZone = await move('deactivate:e-1', { at: '2030-01-02T18:00:00' });
    expect(expectApiError(noZone, 400, 'request.invalid').message).toBe('body.at must be an ISO 8601 moment with its zone (Z or ±hh:mm), e.g. 2030-03-01T18:00:00+08:00');
    expectApiError(await move('deactivate:e-1', { at: 'next tuesday' }), 400, 'request.invalid');
    expectApiError(await move('deactivate:e-1', {}), 400, 'request.invalid');
    expect((await h.app.store.getSchedule('deactivate:e-1'))?.fireAt).toBe(at(3));
  });

  it('refuses to move a schedule that is not pending (409) or not there (404)', async () => {
    await boot();
    await schedule('deactivate:e-1', 3);
    await h.app.store.cancelSchedule('deactivate:e-1', at(0));
    expectApiError(await move('deactivate:e-1', { at: '2030-01-05T00:00:00Z' }), 409, 'schedule.not_pending');
    expectApiError(await move('deactivate:nobody', { at: '2030-01-05T00:00:00Z' }), 404, 'schedule.not_found');
  });
});
