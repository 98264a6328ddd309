import { describe, expect, it, vi } from 'vitest';
import { expectApiError, helloFlow, leaksInternals, useServerHarness } from './server-harness.js';

const h = useServerHarness('api-errors');

const json = { 'content-type': 'application/json' };
const startHello = (body: unknown, headers: Record<string, string> = json) => h.call('POST', '/api/v1/flows/hello/runs', { as: 'operator', body, headers });

describe('error answers', () => {
  it('tells a stack-trace leak from a message', () => {
    expect(leaksInternals('Error: x\n    at Object.<anonymous> (/work/main/src/server/app.ts:12:3)')).toBe(true);
    expect(leaksInternals('    at async Promise.all (index 0)\n    at file:///work/main/dist/x.js:1:1')).toBe(true);
    expect(leaksInternals('{"message":"failed in /app/node_modules/fastify/lib/route.js"}')).toBe(true);
    expect(leaksInternals('{"message":"flows/offer.json:14:9 /steps/2 expected a string; look at the flow"}')).toBe(false);
  });

  it('answers malformed JSON with 400', async () => {
    h.flow(helloFlow);
    await h.boot();
    expectApiError(await startHello('{"input": {"email": '), 400, 'request.malformed_json');
    expectApiError(await startHello(''), 400, 'request.empty_body');
    expectApiError(await startHello('[1, 2]'), 400, 'request.invalid');
    expect(await h.app.store.listRuns()).toEqual([]);
  });

  it('answers a body that is not JSON with 415', async () => {
    h.flow(helloFlow);
    await h.boot();
    const body = expectApiError(await startHello('input=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'request.unsupported_media_type');
    expect(body.message).toContain('application/json');
    expectApiError(await startHello('{"input": {}}', { 'content-type': 'text/plain' }), 415, 'request.unsupported_media_type');
  });

  it('answers a body over server.bodyLimitBytes with 413, on every route that takes a body', async () => {
    h.flow(helloFlow);
    await h.boot({ server: { bodyLimitBytes: 1024 } });
    const big = JSON.stringify({ input: { email: 'a@example.com', employeeId: 'x'.repeat(2000) } });
    expect(expectApiError(await startHello(big), 413, 'request.too_large').message).toContain('server.bodyLimitBytes');
    expectApiError(await h.call('POST', '/api/v1/flows/validate', { as: 'viewer', body: big, headers: json }), 413, 'request.too_large');
    expectApiError(await h.call('POST', '/api/v1/schedules/k/move', { as: 'operator', body: big, headers: json }), 413, 'request.too_large');
  });

  it('answers an unknown route and an unknown resource with 404', async () => {
    await h.boot();
    expect(expectApiError(await h.call('GET', '/api/v1/nope', { as: 'viewer' }), 404, 'route.not_found').details).toEqual({ method: 'GET', url: '/api/v1/nope' });
    expectApiError(await h.call('DELETE', '/api/v1/runs/x', { as: 'admin' }), 404, 'route.not_found');
    expectApiError(await h.call('GET', '/nowhere?token=abc'), 404, 'route.not_found');
    expectApiError(await h.call('GET', '/api/v1/runs/run_missing', { as: 'viewer' }), 404, 'run.not_found');
    expectApiError(await h.call('GET', '/api/v1/flows/missing', { as: 'viewer' }), 404, 'flow.not_found');
  });

  it('answers a URL with a bad escape with 400', async () => {
    await h.boot();
    expectApiError(await h.call('GET', '/api/v1/runs/%E0%A4%A', { as: 'viewer' }), 400, 'request.bad_url');
  });

  it('answers a failure of its own with 500 and the request id, never the cause or its stack', async () => {
    await h.boot();
    vi.spyOn(h.app.store, 'listRuns').mockRejectedValue(new Error('database exploded at /work/main/src/store/sqlite/sqlite-store.ts:812'));
    const res = await h.call('GET', '/api/v1/runs', { as: 'viewer', headers: { 'x-request-id': 'req-42' } });
    const body = expectApiError(res, 500, 'internal');
    expect(body.details).toEqual({ requestId: 'req-42' });
    expect(res.headers['x-request-id']).toBe('req-42');
    expect(res.body).not.toContain('exploded');
  });

  it('answers 503 with Retry-After when the store cannot take the write', async () => {
    h.flow(helloFlow);
    await h.boot();
    await h.boot({}, { readonly: true });
    const res = await startHello({ input: { email: 'a@example.com', employeeId: 'e-1' } });
    const body = expectApiError(res, 503);
    expect(body.code).toMatch(/^store\./);
    expect(res.headers['retry-after']).toBe('5');
  });

  it('keeps a plain request id from the client and makes one for anything else', async () => {
    await h.boot();
    expect((await h.call('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } })).headers['x-request-id']).toBe('abc-123');
    const made = (await h.call('GET', '/healthz', { headers: { 'x-request-id': 'has spaces\nand a newline' } })).headers['x-request-id'];
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
  });
});
