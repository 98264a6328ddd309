import { describe, expect, it } from 'vitest';
import type { RunRecord, StoredJournalEntry } from '../../src/store/records.js';
import { TestClock } from '../engine/helpers.js';
import { expectApiError, helloFlow, listPage, twoCallsFlow, useServerHarness, waitingFlow } from './server-harness.js';

const h = useServerHarness('api-runs');

type RunDetail = RunRecord & { steps: { path: string; status: string; attempts: number }[]; journal: StoredJournalEntry[] };
type Page = { items: RunRecord[]; next: string | null };

async function start(flowId: string, input: unknown = {}): Promise<string> {
  const res = await h.call('POST', `/api/v1/flows/${flowId}/runs`, { as: 'operator', body: { input } });
  expect(res.statusCode, res.body).toBe(202);
  return (res.json() as { id: string }).id;
}

async function detail(id: string): Promise<RunDetail> {
  const res = await h.call('GET', `/api/v1/runs/${encodeURIComponent(id)}`, { as: 'operator' });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const list = (query: string): Promise<Page> => listPage<RunRecord>(h, `/api/v1/runs${query}`, 'operator');

describe('POST /api/v1/flows/:id/runs', () => {
  it('starts a run on valid input: 202, the run id, a Location naming it, and the caller as its creator', async () => {
    h.flow(helloFlow);
    await h.boot();
    const res = await h.call('POST', '/api/v1/flows/hello/runs', { as: 'operator', body: { input: { email: 'ada@example.com', employeeId: 'e-1' } } });
    expect(res.statusCode).toBe(202);
    const body = res.json() as { id: string };
    expect(body).toEqual({ id: expect.stringMatching(/\S/), status: 'queued', flowId: 'hello', flowVersion: '1', businessKey: 'e-1' });
    expect(res.headers.location).toBe(`/api/v1/runs/${encodeURIComponent(body.id)}`);
    const stored = await h.app.store.getRun(body.id);
    expect(stored).toMatchObject({ flowId: 'hello', input: { email: 'ada@example.com', employeeId: 'e-1' }, createdBy: 'api:operator-token' });
    const followed = await h.call('GET', res.headers.location as string, { as: 'admin' });
    expect(followed.json()).toMatchObject({ id: body.id, status: 'queued' });
  });

  it('refuses input the flow’s schema rejects with 422 naming the field, and creates no run', async () => {
    h.flow(helloFlow);
    await h.boot();
    const wrongType = expectApiError(await h.call('POST', '/api/v1/flows/hello/runs', { as: 'operator', body: { input: { email: 42, employeeId: 'e-1' } } }), 422, 'flow.invalid_input');
    expect(wrongType.details.problems).toEqual([{ pointer: '/email', message: expect.stringContaining('string') }]);
    expect(wrongType.message).toContain('/email');
    const missing = expectApiError(await h.call('POST', '/api/v1/flows/hello/runs', { as: 'operator', body: {} }), 422, 'flow.invalid_input');
    expect(missing.message).toContain('email');
    const unknown = expectApiError(await h.call('POST', '/api/v1/flows/hello/runs', { as: 'operator', body: { input: { email: 'a@b.c', employeeId: 'e-1', salary: 1 } } }), 422, 'flow.invalid_input');
    expect(unknown.message).toContain('salary');
    expect(await h.app.store.listRuns()).toEqual([]);
  });

  it('refuses an unknown body property (400), an unknown flow (404) and a flow whose file has problems (422)', async () => {
    h.flow(helloFlow);
    h.flow({ id: 'broken', version: '1', steps: [{ id: 'x', kind: 'call', action: 'http.request', connection: 'nowhere', with: { url: '/' } }] });
    await h.boot();
    const extra = expectApiError(await h.call('POST', '/api/v1/flows/hello/runs', { as: 'operator', body: { input: { email: 'a@b.c' }, extra: 1 } }), 400, 'request.invalid');
    expect(extra.message).toContain('extra');
    expectApiError(await h.call('POST', '/api/v1/flows/nope/runs', { as: 'operator', body: {} }), 404, 'flow.not_found');
    const broken = expectApiError(await h.call('POST', '/api/v1/flows/broken/runs', { as: 'operator', body: {} }), 422, 'flow.invalid');
    expect(JSON.stringify(broken.details)).toContain('nowhere');
    expect(await h.app.store.listRuns()).toEqual([]);
  });
});

describe('GET /api/v1/runs', () => {
  it('filters by flow, status, creation time and business key', async () => {
    const clock = new TestClock();
    h.flow(helloFlow);
    h.flow(waitingFlow);
    await h.boot({}, { clock });
    const early = await start('hello', { email: 'a@example.com', employeeId: 'k-1' });
    clock.advance(60_000);
    const middle = await start('waiting');
    clock.advance(60_000);
    const late = await start('hello', { email: 'b@example.com', employeeId: 'k-2' });
    await h.app.engine.executeRun(early);
    await h.app.engine.executeRun(middle);

    const ids = (page: Page) => page.items.map((r) => r.id);
    expect(ids(await list(''))).toEqual([late, middle, early]);
    expect(ids(await list('?flow=hello'))).toEqual([late, early]);
    expect(ids(await list('?status=succeeded'))).toEqual([early]);
    expect(ids(await list('?status=waiting,queued'))).toEqual([late, middle]);
    expect(ids(await list('?businessKey=k-2'))).toEqual([late]);
    const minute = (n: number) => encodeURIComponent(new Date(Date.parse('2030-01-01T00:00:00.000Z') + n * 60_000).toISOString());
    expect(ids(await list(`?from=${minute(1)}`))).toEqual([late, middle]);
    expect(ids(await list(`?to=${minute(1)}`))).toEqual([early]);
    expect(ids(await list(`?from=${minute(1)}&to=${minute(2)}`))).toEqual([middle]);
    // The same moment in another zone is the same filter.
    expect(ids(await list(`?from=${encodeURIComponent('2030-01-01T08:01:00+08:00')}`))).toEqual([late, middle]);
    expect(ids(await list('?flow=hello&status=queued'))).toEqual([late]);
  });

  it('refuses bad filters with 400 naming them', async () => {
    await h.boot();
    expect(expectApiError(await h.call('GET', '/api/v1/runs?status=exploded', { as: 'viewer' }), 400, 'request.invalid').message).toContain('status');
    expect(expectApiError(await h.call('GET', '/api/v1/runs?from=yesterday', { as: 'viewer' }), 400, 'request.invalid').message).toContain('from');
    expect(expectApiError(await h.call('GET', '/api/v1/runs?limit=0', { as: 'viewer' }), 400, 'request.invalid').message).toContain('limit');
    expect(expectApiError(await h.call('GET', '/api/v1/runs?limit=201', { as: 'viewer' }), 400, 'request.invalid').message).toContain('limit');
    expect(expectApiError(await h.call('GET', '/api/v1/runs?colour=red', { as: 'viewer' }), 400, 'request.invalid').message).toContain('colour');
    expectApiError(await h.call('GET', '/api/v1/runs?cursor=not-a-cursor', { as: 'viewer' }), 400, 'request.invalid_cursor');
    // A cursor of another listing is not one of this listing.
    const foreign = Buffer.from(JSON.stringify({ l: 'schedules', fireAt: 'x', key: 'y' })).toString('base64url');
    expectApiError(await h.call('GET', `/api/v1/runs?cursor=${foreign}`, { as: 'viewer' }), 400, 'request.invalid_cursor');
  });

  it('pages with limit and next: pages neither overlap nor skip, even with runs created between them and at one moment', async () => {
    const clock = new TestClock();
    h.flow(waitingFlow);
    await h.boot({}, { clock });
    const created: string[] = [];
    // Three runs share each moment, so the order within a moment (by id) matters too.
    for (let i = 0; i < 7; i++) {
      if (i % 3 === 0) clock.advance(1000);
      created.push(await start('waiting'));
    }
    const seen: string[] = [];
    let page = await list('?limit=3');
    expect(page.items).toHaveLength(3);
    seen.push(...page.items.map((r) => r.id));
    clock.advance(1000);
    const newer = await start('waiting');
    let pages = 1;
    while (page.next !== null) {
      page = await list(`?limit=3&cursor=${encodeURIComponent(page.next)}`);
      seen.push(...page.items.map((r) => r.id));
      pages++;
    }
    expect(pages).toBe(3);
    expect(page.items).toHaveLength(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...created].sort());
    expect(seen).not.toContain(newer);
    // Newest first, as the whole listing orders them.
    const whole = await list('?limit=200');
    expect(whole.items.map((r) => r.id)).toEqual([newer, ...seen]);
    expect(whole.next).toBeNull();
  });
});

describe('GET /api/v1/runs/:id', () => {
  it('gives the run with its steps in the order they ran and its journal', async () => {
    h.flow(twoCallsFlow);
    await h.boot();
    const id = await start('two-calls');
    await h.app.engine.executeRun(id);
    const run = await detail(id);
    expect(run).toMatchObject({ id, status: 'succeeded', flowId: 'two-calls' });
    expect(run.steps.map((s) => [s.path, s.status])).toEqual([
      ['first', 'succeeded'],
      ['second', 'succeeded'],
    ]);
    expect(run.journal.map((e) => [e.type, e.step])).toEqual([
      ['step.started', 'first'],
      ['step.succeeded', 'first'],
      ['step.started', 'second'],
      ['step.succeeded', 'second'],
    ]);
    expect(run.journal.every((e) => e.runId === id && typeof e.at === 'string' && typeof e.seq === 'number')).toBe(true);
  });

  it('answers 404 for a run that does not exist', async () => {
    await h.boot();
    expect(expectApiError(await h.call('GET', '/api/v1/runs/run_nope', { as: 'viewer' }), 404, 'run.not_found').details).toEqual({ runId: 'run_nope' });
  });
});

describe('POST /api/v1/runs/:id/retry', () => {
  it('queues a failed run again from its failed step, recording the caller, and does not repeat completed steps', async () => {
    h.flow(twoCallsFlow);
    await h.boot();
    h.vendor.onCall((call, respond, nth) => (call.path === '/second' && nth === 1 ? respond(400, { error: 'no such employee' }) : respond()));
    const id = await start('two-calls');
    expect((await h.app.engine.executeRun(id)).status).toBe('failed');

    const res = await h.call('POST', `/api/v1/runs/${id}/retry`, { as: 'operator' });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.headers.location).toBe(`/api/v1/runs/${id}`);
    expect(res.json()).toMatchObject({ id, status: 'queued' });
    expect((await detail(id)).journal.at(-1)).toMatchObject({ type: 'run.retried', actor: 'api:operator-token', data: { was: 'failed', steps: ['second'] } });

    expect((await h.app.engine.executeRun(id)).status).toBe('succeeded');
    expect(h.vendor.calls('/first')).toHaveLength(1);
    expect(h.vendor.calls('/second')).toHaveLength(2);
  });

  it('answers 409 for a run that has not failed and 404 for one that does not exist', async () => {
    h.flow(helloFlow);
    await h.boot();
    const id = await start('hello', { email: 'a@example.com', employeeId: 'e-1' });
    expect(expectApiError(await h.call('POST', `/api/v1/runs/${id}/retry`, { as: 'operator' }), 409, 'run.not_failed').message).toContain('queued');
    await h.app.engine.executeRun(id);
    expectApiError(await h.call('POST', `/api/v1/runs/${id}/retry`, { as: 'operator' }), 409, 'run.not_failed');
    expectApiError(await h.call('POST', '/api/v1/runs/run_nope/retry', { as: 'operator' }), 404, 'run.not_found');
  });
});

describe('POST /api/v1/runs/:id/cancel', () => {
  it('cancels a waiting run, recording the caller; a finished one is a 409', async () => {
    h.flow(waitingFlow);
    await h.boot();
    const id = await start('waiting');
    expect((await h.app.engine.executeRun(id)).status).toBe('waiting');
    const res = await h.call('POST', `/api/v1/runs/${id}/cancel`, { as: 'admin' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'cancelled' });
    expect((await detail(id)).journal.at(-1)).toMatchObject({ type: 'run.cancelled', actor: 'api:admin-token', data: { was: 'waiting' } });
    expect(expectApiError(await h.call('POST', `/api/v1/runs/${id}/cancel`, { as: 'operator' }), 409, 'run.finished').message).toContain('cancelled');
    expectApiError(await h.call('POST', '/api/v1/runs/run_nope/cancel', { as: 'operator' }), 404, 'run.not_found');
  });

  it('cancels a queued run before it starts, and refuses a succeeded one', async () => {
    h.flow(helloFlow);
    await h.boot();
    const queued = await start('hello', { email: 'a@example.com', employeeId: 'e-1' });
    expect((await h.call('POST', `/api/v1/runs/${queued}/cancel`, { as: 'operator' })).json()).toMatchObject({ status: 'cancelled' });
    const done = await start('hello', { email: 'b@example.com', employeeId: 'e-2' });
    await h.app.engine.executeRun(done);
    expectApiError(await h.call('POST', `/api/v1/runs/${done}/cancel`, { as: 'operator' }), 409, 'run.finished');
  });
});

describe('GET /api/v1/runs/:id/steps/:path/failures', () => {
  async function syncRunWithFailures(count: number): Promise<string> {
    const at = '2026-12-01T08:00:00.000Z';
    const store = h.app.store;
    await store.createRun({ id: 'run_import', flowId: 'talent-import', flowVersion: '1', status: 'succeeded', input: {}, createdAt: at, updatedAt: at, createdBy: 'cli' } as RunRecord);
    await store.putSteps(
      [{ runId: 'run_import', path: 'rows', stepId: 'rows', kind: 'sync', status: 'succeeded', attempts: 1, startedAt: at, updatedAt: at, finishedAt: at }],
      {
        state: Array.from({ length: count }, (_, i) => ({
          namespace: 'sync-failures:run_import:rows',
          key: String(i).padStart(10, '0'),
          value: { key: null, row: i + 2, column: 'Rating', code: 'sync.invalid_row', message: i === 0 ? 'Rating must be one of "S", "A", got "=1+1, really"' : `row ${i + 2} is bad` },
        })),
      },
    );
    return 'run_import';
  }

  it('lists every failed record as JSON, past the 1,000 the output holds, in the order they failed', async () => {
    await h.boot();
    const id = await syncRunWithFailures(1203);
    const res = await h.call('GET', `/api/v1/runs/${id}/steps/rows/failures`, { as: 'viewer' });
    expect(res.statusCode, res.body).toBe(200);
    const { failures } = res.json() as { failures: { row: number }[] };
    expect(failures).toHaveLength(1203);
    expect(failures.map((f) => f.row).slice(-2)).toEqual([1203, 1204]);
  });

  it('downloads them as CSV with quoting that keeps a spreadsheet from running a cell as a formula', async () => {
    await h.boot();
    const id = await syncRunWithFailures(2);
    const res = await h.call('GET', `/api/v1/runs/${id}/steps/rows/failures?format=csv`, { as: 'operator' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="run_import-rows-failures.csv"');
    expect(res.body).toBe('key,row,column,code,message\r\n,2,Rating,sync.invalid_row,"Rating must be one of ""S"", ""A"", got ""=1+1, really"""\r\n,3,Rating,sync.invalid_row,row 3 is bad\r\n');
  });

  it('answers 404 for an unknown run and for a path that is no sync step', async () => {
    await h.boot();
    const id = await syncRunWithFailures(1);
    expectApiError(await h.call('GET', '/api/v1/runs/nope/steps/rows/failures', { as: 'viewer' }), 404, 'run.not_found');
    expectApiError(await h.call('GET', `/api/v1/runs/${id}/steps/other/failures`, { as: 'viewer' }), 404, 'step.not_found');
  });
});
